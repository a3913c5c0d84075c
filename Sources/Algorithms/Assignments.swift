import SuggestionAPI

/// A trial's assignments read back into a point of the current search space.
public struct MappedPoint: Sendable, Hashable {
    /// The nearest point of the space (see `SearchSpace.map(_:)`).
    public var point: Point
    /// True when every assignment named a parameter of this space and every value was already a
    /// valid value (up to a relative 1e-9), i.e. the trial was suggested from this very space.
    public var isExact: Bool
}

extension SearchSpace {
    /// Reads a trial's assignments (the strings a service handed out earlier, possibly under an older
    /// search space or by another implementation) into this space, never failing hard:
    ///
    /// - names that are not parameters of this space are ignored (the point is then not exact);
    ///   if a name repeats, the last value wins;
    /// - DOUBLE/INT values are parsed as numbers and mapped to the nearest valid value (clamped to
    ///   [min, max], snapped to the step lattice, INT rounded);
    /// - DISCRETE values match a list entry verbatim, else by number to the nearest entry;
    /// - CATEGORICAL values must match a list entry verbatim.
    ///
    /// Returns nil (the trial is then ignored by every sampler) when a parameter is missing, a number
    /// does not parse, or a CATEGORICAL value is not in the list.
    public func map(_ assignments: [ParameterAssignment]) -> MappedPoint? {
        let n = parameters.count
        // Katib (and this service) list assignments in parameter order: then no lookup table is needed.
        // Parameter names are unique, so positional equality also rules out repeated names.
        var inOrder = assignments.count == n
        if inOrder {
            for j in 0..<n where assignments[j].name != parameters[j].name {
                inOrder = false
                break
            }
        }
        var byName: [String: String] = [:]
        if !inOrder {
            for a in assignments { byName[a.name] = a.value }
        }
        var exact = inOrder || byName.count == n
        var point: Point = []
        point.reserveCapacity(n)
        for j in 0..<n {
            guard let text = inOrder ? assignments[j].value : byName[parameters[j].name] else { return nil }
            switch parameters[j].domain {
            case .double(let r):
                guard let v = ValueFormatting.parseDouble(text) else { return nil }
                if !r.containsApproximately(v) { exact = false }
                point.append(.real(r.nearest(v)))
            case .int(let r):
                guard let v = ValueFormatting.parseDouble(text) else { return nil }
                let n = r.nearest(v)
                if n != v { exact = false }
                point.append(.integer(Int64(n)))
            case .discrete(let labels, let values):
                if let i = labels.firstIndex(of: text) {
                    point.append(.choice(i))
                } else {
                    guard let v = ValueFormatting.parseDouble(text) else { return nil }
                    var best = 0
                    for i in values.indices where abs(values[i] - v) < abs(values[best] - v) { best = i }
                    if values[best] != v { exact = false }
                    point.append(.choice(best))
                }
            case .categorical(let labels):
                guard let i = labels.firstIndex(of: text) else { return nil }
                point.append(.choice(i))
            }
        }
        return MappedPoint(point: point, isExact: exact)
    }

    /// The assignment strings of a point, in parameter order (formatting rules: `ValueFormatting`).
    /// Precondition: the point belongs to this space (one value per parameter, of the matching kind).
    public func format(_ point: Point) -> [ParameterAssignment] {
        precondition(point.count == parameters.count, "a point has one value per parameter")
        return zip(parameters, point).map { p, value in
            ParameterAssignment(name: p.name, value: Self.format(value, of: p.domain))
        }
    }

    /// The assignment string of one value.
    public static func format(_ value: ParameterValue, of domain: Domain) -> String {
        switch (domain, value) {
        case (.discrete(let labels, _), .choice(let i)), (.categorical(let labels), .choice(let i)):
            return labels[i]
        case (_, .integer(let v)):
            return String(v)
        case (.int, .real(let v)):
            return String(Int64(v.rounded()))
        case (_, .real(let v)):
            return ValueFormatting.formatDouble(v)
        case (_, .choice(let i)):
            preconditionFailure("choice \(i) given for a numeric parameter")
        }
    }

    /// True when `value` is a valid value of parameter `index` (within bounds, on the lattice, in the
    /// list): the check every sampler's output must pass.
    public func isValid(_ value: ParameterValue, forParameter index: Int) -> Bool {
        switch (parameters[index].domain, value) {
        case (.double(let r), .real(let v)):
            return v >= r.low && v <= r.high && (r.latticeCount == nil || r.nearest(v) == v)
        case (.int(let r), .integer(let v)):
            return r.nearest(Double(v)) == Double(v)
        case (.discrete(let labels, _), .choice(let i)), (.categorical(let labels), .choice(let i)):
            return i >= 0 && i < labels.count
        default:
            return false
        }
    }
}

import SuggestionAPI
#if canImport(Glibc)
import Glibc
#endif

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
        return MappedPoint(point: canonical(point), isExact: exact)
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

/// Reads the rows of a request's `TrialTable` into a search space from their bytes, without a `String`
/// per name or value: the same point as `SearchSpace.map` and the same digest as
/// `TrialHistory.digest` on the row's strings (`TrialHistoryTests` compares them on every kind of row).
///
/// Byte equality implies string equality, so rows whose names are the parameters' names in order
/// byte for byte (what Katib and this service send) are read here; any other row returns nil and is
/// read through the strings. Inside a row, a value that the byte paths do not settle (a number
/// `ValueFormatting.plainDecimal` does not take, a list value that equals no label byte for byte) is
/// decided on its string, as `map` decides it.
struct RowReader {
    let space: SearchSpace
    private let names: [[UInt8]]
    /// Per parameter, the UTF-8 of its list's labels (empty for DOUBLE and INT).
    private let labels: [[[UInt8]]]

    init(_ space: SearchSpace) {
        self.space = space
        names = space.parameters.map { Array($0.name.utf8) }
        labels = space.parameters.map { p in
            switch p.domain {
            case .discrete(let l, _), .categorical(let l): return l.map { Array($0.utf8) }
            case .double, .int: return []
            }
        }
    }

    /// Trial i's point and assignments digest, or nil when its names are not the parameters' in order.
    func read(_ rows: TrialTable.Rows, _ i: Int) -> (mapped: MappedPoint?, digest: UInt64)? {
        let range = rows.assignments(i)
        guard range.count == names.count else { return nil }
        for (j, k) in range.enumerated() where !Self.equal(rows.name(k), names[j]) { return nil }

        var pairs: [UInt64] = []
        pairs.reserveCapacity(range.count)
        for k in range {
            var h = StableHasher()
            h.combine(utf8: rows.name(k))   // equal to a parameter's name: valid UTF-8, as its String
            let value = rows.value(k)
            if Self.isASCII(value) { h.combine(utf8: value) } else { h.combine(Self.string(value)) }   // repaired as the String is
            pairs.append(h.finalize())
        }
        let digest = TrialHistory.digest(pairDigests: &pairs)

        var exact = true
        var point: Point = []
        point.reserveCapacity(range.count)
        for (j, k) in range.enumerated() {
            let value = rows.value(k)
            switch space.parameters[j].domain {
            case .double(let r):
                guard let v = Self.number(value) else { return (nil, digest) }
                if !r.containsApproximately(v) { exact = false }
                point.append(.real(r.nearest(v)))
            case .int(let r):
                guard let v = Self.number(value) else { return (nil, digest) }
                let n = r.nearest(v)
                if n != v { exact = false }
                point.append(.integer(Int64(n)))
            case .discrete(let l, let values):
                if let i = label(value, j, l) {
                    point.append(.choice(i))
                } else {
                    guard let v = Self.number(value) else { return (nil, digest) }
                    var best = 0
                    for i in values.indices where abs(values[i] - v) < abs(values[best] - v) { best = i }
                    if values[best] != v { exact = false }
                    point.append(.choice(best))
                }
            case .categorical(let l):
                guard let i = label(value, j, l) else { return (nil, digest) }
                point.append(.choice(i))
            }
        }
        return (MappedPoint(point: space.canonical(point), isExact: exact), digest)
    }

    /// The index of the label `value` equals (byte for byte, else as strings, as `map` compares).
    private func label(_ value: UnsafeBufferPointer<UInt8>, _ j: Int, _ strings: [String]) -> Int? {
        if let i = labels[j].firstIndex(where: { Self.equal(value, $0) }) { return i }
        return strings.firstIndex(of: Self.string(value))
    }

    private static func number(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        ValueFormatting.plainDecimal(bytes) ?? ValueFormatting.parseDouble(string(bytes))
    }

    private static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var any: UInt8 = 0
        for b in bytes { any |= b }
        return any < 0x80
    }

    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
        a.count == b.count && (a.isEmpty || b.withUnsafeBufferPointer { memcmp(a.baseAddress!, $0.baseAddress!, a.count) == 0 })
    }
}

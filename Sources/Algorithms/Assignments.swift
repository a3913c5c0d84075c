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
    /// What `read` needs of parameter j, without reference-counted payloads (no retain per value).
    private enum Slot {
        case double(NumericRange)
        case int(NumericRange)
        /// Labels at `labelRanges[first ..< first + count]`.
        case discrete(first: Int, count: Int)
        case categorical(first: Int, count: Int)
    }
    private let slots: [Slot]
    /// Every parameter name's UTF-8, then every list label's, back to back; ranges into it.
    private let text: [UInt8]
    private let nameRanges: [Range<Int>]
    private let labelRanges: [Range<Int>]

    init(_ space: SearchSpace) {
        self.space = space
        var text: [UInt8] = []
        var names: [Range<Int>] = []
        var labels: [Range<Int>] = []
        var slots: [Slot] = []
        func add(_ s: String) -> Range<Int> {
            let start = text.count
            text += s.utf8
            return start ..< text.count
        }
        for p in space.parameters {
            names.append(add(p.name))
            switch p.domain {
            case .double(let r): slots.append(.double(r))
            case .int(let r): slots.append(.int(r))
            case .discrete(let l, _), .categorical(let l):
                let first = labels.count
                for label in l { labels.append(add(label)) }
                if case .discrete = p.domain {
                    slots.append(.discrete(first: first, count: l.count))
                } else {
                    slots.append(.categorical(first: first, count: l.count))
                }
            }
        }
        self.text = text
        self.slots = slots
        nameRanges = names
        labelRanges = labels
    }

    /// Trial i's point and assignments digest, or nil when its names are not the parameters' in order.
    func read(_ rows: TrialTable.Rows, _ i: Int) -> (mapped: MappedPoint?, digest: UInt64)? {
        text.withUnsafeBufferPointer { text in read(rows, i, text) }
    }

    private func read(_ rows: TrialTable.Rows, _ i: Int, _ text: UnsafeBufferPointer<UInt8>)
        -> (mapped: MappedPoint?, digest: UInt64)? {
        let range = rows.assignments(i)
        guard range.count == nameRanges.count else { return nil }
        for (j, k) in range.enumerated() where !Self.equal(rows.name(k), text, nameRanges[j]) { return nil }

        let digest = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: range.count) { pairs in
            for (j, k) in range.enumerated() {
                var h = StableHasher()
                h.combine(utf8: rows.name(k))   // equal to a parameter's name: valid UTF-8, as its String
                let value = rows.value(k)
                if Self.isASCII(value) { h.combine(utf8: value) } else { h.combine(Self.string(value)) }   // repaired as the String is
                pairs[j] = h.finalize()
            }
            return TrialHistory.digest(pairDigests: pairs)
        }

        var exact = true
        var point: Point = []
        point.reserveCapacity(range.count)
        for (j, k) in range.enumerated() {
            let value = rows.value(k)
            switch slots[j] {
            case .double(let r):
                guard let v = Self.number(value) else { return (nil, digest) }
                if !r.containsApproximately(v) { exact = false }
                point.append(.real(r.nearest(v)))
            case .int(let r):
                guard let v = Self.number(value) else { return (nil, digest) }
                let n = r.nearest(v)
                if n != v { exact = false }
                point.append(.integer(Int64(n)))
            case .discrete(let first, let count):
                if let i = label(value, j, first, count, text) {
                    point.append(.choice(i))
                } else {
                    guard let v = Self.number(value), case .discrete(_, let values) = space.parameters[j].domain else { return (nil, digest) }
                    var best = 0
                    for i in values.indices where abs(values[i] - v) < abs(values[best] - v) { best = i }
                    if values[best] != v { exact = false }
                    point.append(.choice(best))
                }
            case .categorical(let first, let count):
                guard let i = label(value, j, first, count, text) else { return (nil, digest) }
                point.append(.choice(i))
            }
        }
        return (MappedPoint(point: space.canonical(point), isExact: exact), digest)
    }

    /// The index of the label `value` equals: byte for byte, else (rarely) as strings, as `map` compares.
    private func label(_ value: UnsafeBufferPointer<UInt8>, _ j: Int, _ first: Int, _ count: Int,
                       _ text: UnsafeBufferPointer<UInt8>) -> Int? {
        for c in 0 ..< count where Self.equal(value, text, labelRanges[first + c]) { return c }
        switch space.parameters[j].domain {
        case .discrete(let strings, _), .categorical(let strings): return strings.firstIndex(of: Self.string(value))
        case .double, .int: return nil
        }
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

    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ text: UnsafeBufferPointer<UInt8>, _ b: Range<Int>) -> Bool {
        a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, text.baseAddress! + b.lowerBound, a.count) == 0)
    }
}

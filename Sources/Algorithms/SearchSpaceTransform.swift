/// The one map between a search space and the unit cube, shared by every sampler (modelled on Optuna's
/// `optuna/_transform.py`).
///
/// Notation
///   P            number of parameters
///   d            number of cube dimensions (`dimensions.count`): one per parameter, except one-hot
///                CATEGORICAL parameters, which take one dimension per list entry
///   u ∈ [0, 1]^d a point of the cube (`[Double]` of length d)
///   x            a point of the search space (`Point`, length P)
///
/// Per parameter (on `Scale.log` parameters the cube is linear in ln(value)):
///   DOUBLE, no step    u ↦ low + u·(high − low)            (log: exp of the same on ln low … ln high)
///   INT, stepped DOUBLE  a lattice of n points low + k·step; the cube is cut into n **equal** cells,
///                      cell k = [k/n, (k+1)/n) ↦ point k. This is Optuna's half-a-step padding
///                      ([low − step/2, last + step/2] mapped to [0, 1], then rounded) in exact integer
///                      form, so every lattice point, both ends included, has mass 1/n under a uniform u.
///                      Log scale: the padded interval [low − step/2, last + step/2] is mapped on ln scale
///                      (low itself when low − step/2 ≤ 0) and rounded to the nearest lattice point on the
///                      linear scale, so the step keeps its linear meaning and small values get more mass.
///   DISCRETE           n equal cells holding the list entries in **ascending numeric order** (ordinal:
///                      neighbouring cells hold neighbouring numbers, which model-based samplers use).
///   CATEGORICAL        `.index`: n equal cells in list order (one dimension; for random and Sobol-like
///                      samplers); `.oneHot`: n dimensions, decoded by argmax (first on ties), encoded as
///                      the unit vector (for GP-like models, where an index would invent an order).
///
/// Properties (tested): decode(u) is a valid point for every u (coordinates outside [0, 1] are clamped,
/// NaN reads as 0.5); encode(x) lies in [0, 1]^d; for finite parameters (INT, stepped DOUBLE, lists)
/// decode(encode(x)) == x exactly (encode gives a point inside x's cell, its centre on linear scale);
/// for continuous DOUBLEs the round trip is exact up to floating-point rounding (within 1e-12 of the
/// range on linear scale, relative 1e-12 on log scale).
public struct SearchSpaceTransform: Sendable {
    public enum CategoricalEncoding: Sendable, Hashable { case index, oneHot }

    public enum DimensionKind: Sendable, Hashable {
        /// DOUBLE without step: any value in the cube is a distinct point.
        case continuous
        /// INT or stepped DOUBLE with `count` lattice points, ordered.
        case stepped(count: Int)
        /// DISCRETE with `count` entries, ordered by value.
        case ordinal(count: Int)
        /// CATEGORICAL with `count` entries, index-encoded (the order carries no meaning).
        case categorical(count: Int)
        /// Entry `category` of a one-hot-encoded CATEGORICAL with `count` entries.
        case oneHot(category: Int, count: Int)
    }

    public struct Dimension: Sendable, Hashable {
        /// Index into `space.parameters` of the parameter this dimension encodes.
        public let parameterIndex: Int
        public let kind: DimensionKind
        /// `.log` when the cube coordinate is linear in ln(value).
        public let scale: Scale
        /// The parameter's prior; `.uniform` for DISCRETE and CATEGORICAL.
        public let prior: Prior
    }

    public let space: SearchSpace
    public let encoding: CategoricalEncoding
    public let dimensions: [Dimension]
    /// firstDimension[i]: the first cube dimension of parameter i.
    public let firstDimension: [Int]
    /// Per parameter: the ln-scale interval [a, b] the cube maps to for log-scaled numbers.
    private let logInterval: [(a: Double, b: Double)?]
    /// Per DISCRETE parameter: list indices in ascending order of value (rank → index), and inverse.
    private let discreteOrder: [[Int]]
    private let discreteRank: [[Int]]

    public init(_ space: SearchSpace, categoricalEncoding: CategoricalEncoding = .index) {
        self.space = space
        self.encoding = categoricalEncoding
        var dims: [Dimension] = []
        var first: [Int] = []
        var logs: [(a: Double, b: Double)?] = []
        var orders: [[Int]] = []
        var ranks: [[Int]] = []
        for (i, p) in space.parameters.enumerated() {
            first.append(dims.count)
            var order: [Int] = []
            var rank: [Int] = []
            var log: (a: Double, b: Double)? = nil
            switch p.domain {
            case .double(let r), .int(let r):
                if let count = r.latticeCount {
                    dims.append(Dimension(parameterIndex: i, kind: .stepped(count: count), scale: r.scale, prior: r.prior))
                } else {
                    dims.append(Dimension(parameterIndex: i, kind: .continuous, scale: r.scale, prior: r.prior))
                }
                if r.scale == .log {
                    if let step = r.step, let count = r.latticeCount {
                        let lowEdge = r.low - step / 2 > 0 ? r.low - step / 2 : r.low
                        let highEdge = r.latticeValue(count - 1) + step / 2
                        log = (Math.ln(lowEdge), Math.ln(highEdge))
                    } else {
                        log = (Math.ln(r.low), Math.ln(r.high))
                    }
                }
            case .discrete(_, let values):
                order = values.indices.sorted { values[$0] < values[$1] }
                rank = [Int](repeating: 0, count: values.count)
                for (k, index) in order.enumerated() { rank[index] = k }
                dims.append(Dimension(parameterIndex: i, kind: .ordinal(count: values.count), scale: .linear, prior: .uniform))
            case .categorical(let labels):
                if categoricalEncoding == .oneHot {
                    for c in labels.indices {
                        dims.append(Dimension(parameterIndex: i, kind: .oneHot(category: c, count: labels.count),
                                              scale: .linear, prior: .uniform))
                    }
                } else {
                    dims.append(Dimension(parameterIndex: i, kind: .categorical(count: labels.count), scale: .linear, prior: .uniform))
                }
            }
            logs.append(log)
            orders.append(order)
            ranks.append(rank)
        }
        dimensions = dims
        firstDimension = first
        logInterval = logs
        discreteOrder = orders
        discreteRank = ranks
    }

    public var dimensionCount: Int { dimensions.count }

    /// The point of the space that cube point `u` (length `dimensionCount`) falls in, canonical in a
    /// conditional space (inactive parameters at their placeholders, whatever `u` says of them).
    public func decode(_ u: [Double]) -> Point {
        precondition(u.count == dimensions.count, "decode needs one coordinate per cube dimension")
        var point: Point = []
        point.reserveCapacity(space.parameters.count)
        for (i, p) in space.parameters.enumerated() {
            let d = firstDimension[i]
            let t = Self.clamp(u[d])
            switch p.domain {
            case .double(let r):
                point.append(.real(decodeNumber(t, r, parameter: i)))
            case .int(let r):
                point.append(.integer(Int64(decodeNumber(t, r, parameter: i))))
            case .discrete(let labels, _):
                point.append(.choice(discreteOrder[i][Self.cell(t, labels.count)]))
            case .categorical(let labels):
                if encoding == .oneHot {
                    var best = 0
                    for c in 1..<labels.count where Self.clamp(u[d + c]) > Self.clamp(u[d + best]) { best = c }
                    point.append(.choice(best))
                } else {
                    point.append(.choice(Self.cell(t, labels.count)))
                }
            }
        }
        return space.canonical(point)
    }

    /// The cube point of a valid point `x` of the space (see the properties above).
    public func encode(_ x: Point) -> [Double] {
        precondition(x.count == space.parameters.count, "encode needs one value per parameter")
        var u = [Double](repeating: 0, count: dimensions.count)
        for (i, p) in space.parameters.enumerated() {
            let d = firstDimension[i]
            switch (p.domain, x[i]) {
            case (.double(let r), .real(let v)):
                u[d] = encodeNumber(v, r, parameter: i)
            case (.int(let r), .integer(let v)):
                u[d] = encodeNumber(Double(v), r, parameter: i)
            case (.int(let r), .real(let v)):
                u[d] = encodeNumber(v, r, parameter: i)
            case (.discrete(let labels, _), .choice(let c)):
                u[d] = (Double(discreteRank[i][c]) + 0.5) / Double(labels.count)
            case (.categorical(let labels), .choice(let c)):
                if encoding == .oneHot { u[d + c] = 1 } else { u[d] = (Double(c) + 0.5) / Double(labels.count) }
            default:
                preconditionFailure("value \(x[i]) does not belong to \(p.domain.typeName) parameter \(p.name)")
            }
        }
        return u
    }

    private func decodeNumber(_ t: Double, _ r: NumericRange, parameter i: Int) -> Double {
        if let count = r.latticeCount {
            if case let (a, b)? = logInterval[i] {
                return r.latticeValue(r.nearestLatticeIndex(Math.exponential((1 - t) * a + t * b)))
            }
            return r.latticeValue(Self.cell(t, count))
        }
        if case let (a, b)? = logInterval[i] {
            return Swift.min(Swift.max(Math.exponential((1 - t) * a + t * b), r.low), r.high)
        }
        // (1 − t)·low + t·high cannot overflow, and gives low and high exactly at t = 0 and 1.
        return Swift.min(Swift.max((1 - t) * r.low + t * r.high, r.low), r.high)
    }

    private func encodeNumber(_ v: Double, _ r: NumericRange, parameter i: Int) -> Double {
        if let count = r.latticeCount {
            let k = r.nearestLatticeIndex(v)
            if case let (a, b)? = logInterval[i] {
                return Self.clamp((Math.ln(r.latticeValue(k)) - a) / (b - a))
            }
            return (Double(k) + 0.5) / Double(count)
        }
        let n = r.nearest(v)
        if case let (a, b)? = logInterval[i] {
            return b > a ? Self.clamp((Math.ln(n) - a) / (b - a)) : 0.5
        }
        guard r.high > r.low else { return 0.5 }
        // Halved operands so that ranges wider than Double.greatestFiniteMagnitude do not overflow.
        return Self.clamp((n / 2 - r.low / 2) / (r.high / 2 - r.low / 2))
    }

    /// The cube interval of dimension `d` that decodes to the same value as coordinate `t`, as the
    /// boundaries it shares with the neighbouring values: `lower` is nil in the first cell, `upper`
    /// in the last. nil for dimensions where every coordinate is its own value (continuous) and for
    /// CATEGORICAL ones (their order carries no meaning). Linear lattices and DISCRETE lists have
    /// equal cells k/n … (k+1)/n; a log-scaled lattice decodes to the lattice value nearest in linear
    /// units, so its boundaries sit at the ln-positions of the midpoints between neighbouring values.
    public func cellBoundaries(dimension d: Int, at t: Double) -> (lower: Double?, upper: Double?)? {
        let dim = dimensions[d]
        let count: Int
        switch dim.kind {
        case .stepped(let c), .ordinal(let c): count = c
        case .continuous, .categorical, .oneHot: return nil
        }
        let t = Self.clamp(t)
        let i = dim.parameterIndex
        if case .ordinal = dim.kind {} else if case let (a, b)? = logInterval[i], case .double(let r) = space.parameters[i].domain {
            return logCell(t, r, a, b, count)
        } else if case let (a, b)? = logInterval[i], case .int(let r) = space.parameters[i].domain {
            return logCell(t, r, a, b, count)
        }
        let k = Self.cell(t, count)
        return (k > 0 ? Double(k) / Double(count) : nil, k < count - 1 ? Double(k + 1) / Double(count) : nil)
    }

    private func logCell(_ t: Double, _ r: NumericRange, _ a: Double, _ b: Double, _ count: Int) -> (lower: Double?, upper: Double?) {
        let k = r.nearestLatticeIndex(Math.exponential((1 - t) * a + t * b))
        func boundary(_ j: Int) -> Double {   // between lattice values j − 1 and j
            Self.clamp((Math.ln((r.latticeValue(j - 1) + r.latticeValue(j)) / 2) - a) / (b - a))
        }
        return (k > 0 ? boundary(k) : nil, k < count - 1 ? boundary(k + 1) : nil)
    }

    /// The cell k ∈ 0..<n of t ∈ [0, 1] when [0, 1] is cut into n equal cells (t = 1 is in the last).
    @inline(__always) static func cell(_ t: Double, _ n: Int) -> Int {
        Swift.min(n - 1, Int(t * Double(n)))
    }

    @inline(__always) static func clamp(_ x: Double) -> Double {
        x.isNaN ? 0.5 : Swift.min(Swift.max(x, 0), 1)
    }
}

import SuggestionAPI

/// A validated search space: the experiment's parameters, in experiment order, each with a typed domain.
///
/// Katib sends every bound as a string (`FeasibleSpace`); `SearchSpace.parse` is the one place that
/// reads them, and every rule it enforces is listed on `parse`. After parsing, all numbers are finite,
/// `low <= high`, steps are positive, lists are non-empty and distinct.
public struct SearchSpace: Sendable, Hashable {
    public let parameters: [Parameter]
    /// Conditional parameters (`Conditions`), a parent's condition before its children's; empty for
    /// most spaces. Every point of a conditional space is used in its canonical form (`canonical`).
    public let conditions: [Condition]

    /// Assumes the parameters already satisfy the invariants above and the conditions come from
    /// `Conditions.parse`; use `parse` for wire input.
    public init(parameters: [Parameter], conditions: [Condition] = []) {
        self.parameters = parameters
        self.conditions = conditions
    }

    public var names: [String] { parameters.map(\.name) }

    public func index(of name: String) -> Int? { parameters.firstIndex { $0.name == name } }

    /// The number of distinct points when every parameter is finite (INT, stepped DOUBLE, DISCRETE,
    /// CATEGORICAL), nil when some parameter is continuous or the product exceeds `Int.max`.
    public var finiteSize: Int? {
        var product = 1
        for p in parameters {
            guard let n = p.domain.valueCount else { return nil }
            let (r, overflow) = product.multipliedReportingOverflow(by: n)
            if overflow { return nil }
            product = r
        }
        return product
    }
}

/// One parameter of a search space.
public struct Parameter: Sendable, Hashable {
    public let name: String
    public let domain: Domain

    public init(name: String, domain: Domain) {
        self.name = name
        self.domain = domain
    }
}

/// The values a parameter may take.
public enum Domain: Sendable, Hashable {
    /// A real number in [low, high], on the lattice low + k·step when a step is given.
    case double(NumericRange)
    /// An integer in [low, high] on the lattice low + k·step (step defaults to 1).
    case int(NumericRange)
    /// One of the list entries; `values[i]` is the number `labels[i]` denotes. Assignments carry the
    /// label verbatim.
    case discrete(labels: [String], values: [Double])
    /// One of the list entries, verbatim.
    case categorical([String])

    /// Number of distinct values, nil for a continuous DOUBLE.
    public var valueCount: Int? {
        switch self {
        case .double(let r), .int(let r): return r.latticeCount
        case .discrete(let labels, _): return labels.count
        case .categorical(let labels): return labels.count
        }
    }

    /// The type name Katib uses, for messages.
    public var typeName: String {
        switch self {
        case .double: return "DOUBLE"
        case .int: return "INT"
        case .discrete: return "DISCRETE"
        case .categorical: return "CATEGORICAL"
        }
    }

    /// The i-th value (0 <= i < valueCount) of a finite domain, in ascending order for numbers and
    /// list order for lists. Used by enumerating samplers (grid).
    public func value(at i: Int) -> ParameterValue {
        switch self {
        case .double(let r): return .real(r.latticeValue(i))
        case .int(let r): return .integer(Int64(r.latticeValue(i)))
        case .discrete, .categorical: return .choice(i)
        }
    }

    /// The inverse of `value(at:)` for a value of this domain that lies exactly on it, else nil.
    public func index(of value: ParameterValue) -> Int? {
        switch (self, value) {
        case (.double(let r), .real(let v)):
            guard r.latticeCount != nil else { return nil }
            let k = r.nearestLatticeIndex(v)
            return r.latticeValue(k) == v ? k : nil
        case (.int(let r), .integer(let v)):
            let k = r.nearestLatticeIndex(Double(v))
            return Int64(r.latticeValue(k)) == v ? k : nil
        case (.discrete(let labels, _), .choice(let i)), (.categorical(let labels), .choice(let i)):
            return i >= 0 && i < labels.count ? i : nil
        default:
            return nil
        }
    }
}

/// How a numeric parameter is spread: `log` for LOG_UNIFORM and LOG_NORMAL (the range is treated on
/// ln scale by the transform), `linear` otherwise.
public enum Scale: Sendable, Hashable { case linear, log }

/// The prior a sampler draws from before looking at any result: `uniform` for UNIFORM, LOG_UNIFORM and
/// unspecified; `normal` for NORMAL and LOG_NORMAL. Model-free samplers use it (random); grid ignores it.
public enum Prior: Sendable, Hashable { case uniform, normal }

/// A numeric range [low, high] with an optional step lattice.
///
/// Lattice: the points low + k·step for k = 0 ..< latticeCount, **anchored at low**; latticeCount is
/// the number of such points not above high, where a point within a relative 1e-9 of high counts (so
/// that 0.01 ... 0.05 step 0.005 has 9 points despite binary rounding). The last point is clamped to
/// high, so high itself is reachable whenever (high − low) is a multiple of step.
///
/// Binary noise: when min and step are written as decimals (`"0.01"`, `"0.005"`), lattice points are
/// computed in exact decimal arithmetic and converted once, so the third point is `0.02`, not
/// `0.019999999999999997` (numpy's arange, which Katib's optuna grid uses).
public struct NumericRange: Sendable, Hashable {
    public let low: Double
    public let high: Double
    /// nil: continuous. INT ranges always have a step (default 1).
    public let step: Double?
    public let isInteger: Bool
    public let scale: Scale
    public let prior: Prior
    /// Number of lattice points (>= 1) when `step` is set; nil when continuous.
    public let latticeCount: Int?
    /// Exact decimal lattice: point k = (lowUnits + k·stepUnits) / unitsPerOne.
    let decimal: DecimalLattice?

    struct DecimalLattice: Sendable, Hashable {
        let lowUnits: Int64
        let stepUnits: Int64
        let unitsPerOne: Double
    }

    /// `lowText`/`stepText` are the strings the numbers were parsed from (for the decimal lattice).
    /// Returns nil when the lattice would have more than 2^53 points or overflows.
    init?(low: Double, high: Double, step: Double?, isInteger: Bool, scale: Scale, prior: Prior,
          lowText: String? = nil, stepText: String? = nil) {
        self.low = low
        self.high = high
        self.step = step
        self.isInteger = isInteger
        self.scale = scale
        self.prior = prior
        guard let step else {
            latticeCount = nil
            decimal = nil
            return
        }
        let limit = Double(ValueFormatting.maxExactInteger)
        if isInteger {
            let span = Int64(high) - Int64(low)
            latticeCount = Int(span / Int64(step)) + 1
            decimal = nil
            return
        }
        let ratio = (high - low) / step
        guard ratio.isFinite, ratio < limit else { return nil }
        let nearest = ratio.rounded()
        let k = abs(ratio - nearest) <= Swift.max(1e-9, 16 * ratio.ulp) ? nearest : ratio.rounded(.down)
        let count = Int(k) + 1
        latticeCount = count
        if let lowText, let stepText,
           let lp = ValueFormatting.decimalPlaces(lowText), let sp = ValueFormatting.decimalPlaces(stepText) {
            let places = Swift.max(lp, sp)
            var scaleFactor = 1.0
            for _ in 0..<places { scaleFactor *= 10 }   // exact: 10^17 < 2^64 and 10^k exact for k <= 22
            let lowUnits = (low * scaleFactor).rounded()
            let stepUnits = (step * scaleFactor).rounded()
            if abs(lowUnits) + Double(count) * abs(stepUnits) < limit,
               lowUnits / scaleFactor == low, stepUnits / scaleFactor == step {
                decimal = DecimalLattice(lowUnits: Int64(lowUnits), stepUnits: Int64(stepUnits),
                                         unitsPerOne: scaleFactor)
                return
            }
        }
        decimal = nil
    }

    /// Lattice point k, 0 <= k < latticeCount, within [low, high].
    public func latticeValue(_ k: Int) -> Double {
        guard let step else { return low }
        if isInteger { return Double(Int64(low) + Int64(k) * Int64(step)) }
        let v: Double
        if let d = decimal {
            // Both operands exact, so the division is the correctly rounded decimal.
            v = Double(d.lowUnits + Int64(k) * d.stepUnits) / d.unitsPerOne
        } else {
            v = low + Double(k) * step
        }
        return Swift.min(Swift.max(v, low), high)
    }

    /// The lattice index nearest to v (clamped to the lattice); 0 when continuous.
    public func nearestLatticeIndex(_ v: Double) -> Int {
        guard let step, let count = latticeCount else { return 0 }
        let k = ((v - low) / step).rounded()
        if !(k > 0) { return 0 }
        return k >= Double(count - 1) ? count - 1 : Int(k)
    }

    /// The valid value nearest to v: clamped to [low, high], then snapped to the lattice.
    public func nearest(_ v: Double) -> Double {
        if latticeCount != nil { return latticeValue(nearestLatticeIndex(v)) }
        return Swift.min(Swift.max(v, low), high)
    }

    /// True when v is a valid value up to a relative tolerance of 1e-9 (of the step, or of the range
    /// for continuous ranges): used to tell assignments of this space from those of an older one.
    public func containsApproximately(_ v: Double) -> Bool {
        let n = nearest(v)
        let scaleOfError = Swift.max(step ?? (high - low), abs(v), Double.leastNormalMagnitude)
        return abs(n - v) <= 1e-9 * scaleOfError
    }
}

/// A typed value of one parameter.
public enum ParameterValue: Sendable, Hashable {
    /// A DOUBLE value (always finite).
    case real(Double)
    /// An INT value.
    case integer(Int64)
    /// A DISCRETE or CATEGORICAL value: the index into the parameter's list.
    case choice(Int)
}

/// One value per parameter of a search space, in the space's parameter order.
public typealias Point = [ParameterValue]

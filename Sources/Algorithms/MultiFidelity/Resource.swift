import SuggestionAPI

/// The parameter that carries a trial's budget (epochs, steps, data fraction) for the multi-fidelity
/// algorithms: an INT or DOUBLE parameter of the search space, named by the `resource_name` setting.
/// The algorithms set its value themselves; every other parameter is the trial's *configuration*.
struct ResourceParameter: Sendable {
    let index: Int
    let name: String
    let range: NumericRange

    /// Finds and checks the parameter named by the setting `setting` (INVALID_ARGUMENT otherwise).
    static func locate(_ space: SearchSpace, name: String, setting: String = "resource_name",
                       algorithm: String) throws(RPCError) -> ResourceParameter {
        guard let index = space.index(of: name) else {
            throw .invalidArgument("\(setting) \(name) is not a parameter of the search space; value of \(setting) setting must be in parameters (have: \(space.names.joined(separator: ", ")))")
        }
        switch space.parameters[index].domain {
        case .int(let r), .double(let r):
            // The resource may be the only parameter (Katib accepts that too): then every
            // configuration is the same and the schedule only varies the budget.
            return ResourceParameter(index: index, name: name, range: r)
        case let d:
            throw .invalidArgument("resource parameter \(name) is \(d.typeName); \(setting) must name an INT or DOUBLE parameter")
        }
    }

    /// The valid value of the parameter nearest to `resource` (INT: rounded; stepped: on the lattice):
    /// a rung resource outside [min, max] is clamped into it (hyperband and bohb rely on this).
    func value(_ resource: Double) -> ParameterValue {
        let v = range.nearest(resource)
        return range.isInteger ? .integer(Int64(v)) : .real(v)
    }

    /// The resource a point carries.
    func resource(of point: Point) -> Double {
        switch point[index] {
        case .integer(let v): return Double(v)
        case .real(let v): return v
        case .choice(let i): return Double(i)
        }
    }

    /// Checks that every rung resource is representable: within [min, max] of the parameter, and, after
    /// rounding to the parameter's lattice, distinct from its neighbours (else two rungs would train for
    /// the same budget). `what` names the settings that produced them, for the message. Used by asha,
    /// whose min_resource and max_resource are explicit; hyperband and bohb clamp instead (Katib's
    /// hyperband takes r_l whatever the parameter's range says).
    func check(rungResources: [Double], what: String) throws(RPCError) {
        let tolerance = 1e-9 * Swift.max(abs(range.high), abs(range.low), 1)
        guard let lo = rungResources.first, let hi = rungResources.last else { return }
        if lo < range.low - tolerance || hi > range.high + tolerance {
            throw .invalidArgument("\(what) give resources from \(ValueFormatting.formatDouble(lo)) to \(ValueFormatting.formatDouble(hi)), outside [\(ValueFormatting.formatDouble(range.low)), \(ValueFormatting.formatDouble(range.high))] of resource parameter \(name); widen its feasible_space to include them")
        }
        let values = rungResources.map { range.nearest($0) }
        for k in 1..<values.count where values[k] <= values[k - 1] {
            throw .invalidArgument("\(what) give rung resources \(rungResources.map(ValueFormatting.formatDouble).joined(separator: ", ")), which collapse to the same value \(ValueFormatting.formatDouble(values[k])) of resource parameter \(name) (step \(ValueFormatting.formatDouble(range.step ?? 0))); use a larger maximum resource or eta")
        }
    }
}

/// Geometric budgets shared by Hyperband, ASHA and BOHB (Li et al. 2018, "Hyperband: a novel
/// bandit-based approach to hyperparameter optimization", JMLR 18(185); Li et al. 2020, "A system for
/// massively parallel hyperparameter tuning", MLSys).
enum RungMath {
    /// Relative slack for comparisons of products of eta with integers (so 3^5 <= 243 holds exactly).
    static let slack = 1e-9

    /// eta^k by repeated multiplication (exact for integer eta while the result is below 2^53).
    static func power(_ eta: Double, _ k: Int) -> Double {
        var p = 1.0
        for _ in 0..<k { p *= eta }
        return p
    }

    /// The largest s >= 0 with minResource·eta^s <= maxResource (up to `slack`); eta > 1.
    /// Katib's hyperband computes int(ln(r_l)/ln(eta)), which gives 4 instead of 5 for 243 and eta 3.
    static func levels(minResource: Double, maxResource: Double, eta: Double) -> Int {
        var s = 0
        while s < 64 && minResource * power(eta, s + 1) <= maxResource * (1 + slack) { s += 1 }
        return s
    }

    /// The resources of rungs 0 ... top: R·eta^(k − top), so the top rung gets exactly R.
    static func resources(maxResource: Double, eta: Double, top: Int) -> [Double] {
        (0...top).map { k in maxResource / power(eta, top - k) }
    }

    /// ⌊x⌋, counting x within `slack` below an integer as that integer. Saturates at ±2^53 (and NaN
    /// gives 0): rung sizes come from request settings (`r_l`, `eta` up to 1e308), and a plain
    /// `Int(_:)` of a huge or non-finite value traps.
    static func floor(_ x: Double) -> Int {
        let r = x.rounded()
        if abs(x - r) <= slack * Swift.max(1, abs(x)) { return Math.saturatingInt(r) }
        return Math.saturatingInt(x.rounded(.down))
    }

    /// ⌈x⌉, counting x within `slack` above an integer as that integer; saturating like `floor`.
    static func ceil(_ x: Double) -> Int {
        let r = x.rounded()
        if abs(x - r) <= slack * Swift.max(1, abs(x)) { return Math.saturatingInt(r) }
        return Math.saturatingInt(x.rounded(.up))
    }
}

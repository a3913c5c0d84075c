import SuggestionAPI

extension SearchSpace {
    /// Parses and validates Katib's parameter specs. Every violation is `INVALID_ARGUMENT` with a message
    /// that names the parameter and says what is allowed. Rules:
    ///
    /// - at least one parameter; names non-empty and unique;
    /// - type DOUBLE, INT, DISCRETE or CATEGORICAL (UNKNOWN_TYPE is rejected);
    /// - DOUBLE/INT: `min` and `max` present, finite numbers, `min <= max` (`min == max` is a one-value
    ///   range); optional `step` finite and > 0; INT bounds and step are integers within ±2^53 (`"3.0"` is
    ///   read as 3; a fractional step such as `0.8`, which hyperopt truncates silently, is rejected); INT
    ///   step defaults to 1; a `list` is rejected (Katib's webhook forbids it too; use DISCRETE);
    /// - LOG_UNIFORM and LOG_NORMAL need `min > 0`; unknown distribution numbers are rejected; the
    ///   distribution of DISCRETE and CATEGORICAL parameters is ignored (Katib's webhook sets UNIFORM on
    ///   every parameter);
    /// - DISCRETE/CATEGORICAL: non-empty `list` of distinct entries (exact string comparison; for
    ///   DISCRETE also by numeric value, so `"1"` and `"1.0"` clash), no `min`, `max` or `step`
    ///   (Katib's webhook forbids them too); DISCRETE entries are finite numbers;
    /// - a stepped range may not have more than 2^53 lattice points, and a DOUBLE step must be at least
    ///   1e-12 of the largest bound's magnitude (`finestRelativeStep`).
    public static func parse(_ specs: [ParameterSpec]) throws(RPCError) -> SearchSpace {
        guard !specs.isEmpty else {
            throw .invalidArgument("the experiment has no parameters: parameter_specs must list at least one parameter")
        }
        var parameters: [Parameter] = []
        parameters.reserveCapacity(specs.count)
        for (position, spec) in specs.enumerated() {
            guard !spec.name.isEmpty else {
                throw .invalidArgument("parameter #\(position + 1) has an empty name; every parameter needs a unique name")
            }
            parameters.append(try parseParameter(spec))
        }
        if let name = firstDuplicate(in: specs.map(\.name)) {
            throw .invalidArgument("parameter name \(name) appears more than once; parameter names must be unique")
        }
        return SearchSpace(parameters: parameters)
    }

    static func parseParameter(_ spec: ParameterSpec) throws(RPCError) -> Parameter {
        let name = spec.name
        let space = spec.feasibleSpace ?? FeasibleSpace()
        let type = spec.parameterType
        if type == .double || type == .int {
            // Built only when a message needs it: parsing runs on every call.
            func what() -> String { "\(type == .double ? "DOUBLE" : "INT") parameter \(name)" }
            if !space.list.isEmpty {
                throw .invalidArgument("\(what()) must not have a list (it has \(space.list.count) entries); use min and max, or make it DISCRETE or CATEGORICAL")
            }
            let (scale, prior) = try distribution(space.distribution, what: what())
            let isInteger = type == .int
            let low = try number(space.min, field: "min", what: what(), integer: isInteger)
            let high = try number(space.max, field: "max", what: what(), integer: isInteger)
            guard low <= high else {
                throw .invalidArgument("\(what()): min \(space.min) is greater than max \(space.max); min must be <= max")
            }
            var step: Double? = nil
            if !space.step.trimming().isEmpty {
                let s = try number(space.step, field: "step", what: what(), integer: isInteger)
                guard s > 0 else {
                    throw .invalidArgument("\(what()): step \(space.step) must be positive (or empty for no step)")
                }
                // Below this a lattice point low + k·step is not resolved by a Double (its ulp is about
                // 2.2e-16 of the magnitude), so snapping to the lattice would not be idempotent.
                let finest = Self.finestRelativeStep * Swift.max(abs(low), abs(high))
                guard isInteger || s >= finest else {
                    throw .invalidArgument("\(what()): step \(space.step) is finer than doubles resolve over [\(space.min), \(space.max)]; use a step of at least \(ValueFormatting.formatDouble(finest)) (1e-12 of the largest bound), or no step")
                }
                step = s
            } else if isInteger {
                step = 1
            }
            if scale == .log && !(low > 0) {
                let d = prior == .normal ? "LOG_NORMAL" : "LOG_UNIFORM"
                throw .invalidArgument("\(what()): \(d) needs min > 0, got min \(space.min)")
            }
            guard let range = NumericRange(low: low, high: high, step: step, isInteger: isInteger, scale: scale,
                                           prior: prior, lowText: space.min, stepText: space.step) else {
                throw .invalidArgument("\(what()): step \(space.step) is too small for the range [\(space.min), \(space.max)] (more than 2^53 values)")
            }
            return Parameter(name: name, domain: isInteger ? .int(range) : .double(range))
        }
        if type == .discrete || type == .categorical {
            func what() -> String { "\(type == .discrete ? "DISCRETE" : "CATEGORICAL") parameter \(name)" }
            if !space.min.isEmpty || !space.max.isEmpty || !space.step.isEmpty {
                throw .invalidArgument("\(what()) must not have min, max or step; it takes its values from list")
            }
            guard !space.list.isEmpty else {
                throw .invalidArgument("\(what()) has an empty list; list at least one value")
            }
            if let label = firstDuplicate(in: space.list) {
                throw .invalidArgument("\(what()) lists \"\(label)\" more than once; list values must be distinct")
            }
            if type == .categorical { return Parameter(name: name, domain: .categorical(space.list)) }
            var values: [Double] = []
            var byValue: [Double: String] = [:]
            for label in space.list {
                guard let v = ValueFormatting.parseDouble(label) else {
                    throw .invalidArgument("\(what()): list entry \"\(label)\" is not a finite number; DISCRETE lists numbers, use CATEGORICAL for other values")
                }
                if let other = byValue[v] {
                    throw .invalidArgument("\(what()) lists the same number twice (\"\(other)\" and \"\(label)\"); list values must be distinct")
                }
                byValue[v] = label
                values.append(v)
            }
            return Parameter(name: name, domain: .discrete(labels: space.list, values: values))
        }
        throw .invalidArgument("parameter \(name) has unknown parameter_type \(type.rawValue); allowed: DOUBLE, INT, DISCRETE, CATEGORICAL")
    }

    /// The finest DOUBLE step allowed, relative to the largest bound's magnitude. With it, rounding in
    /// low + k·step stays below 1e-3 of a step, so every lattice point maps back to its own index.
    static let finestRelativeStep = 1e-12

    /// The first item that equals an earlier one, if any: a linear scan for short lists (typical of
    /// parameter names and lists; no hashing, no allocation), a set for long ones.
    private static func firstDuplicate(in items: [String]) -> String? {
        if items.count < 32 {
            for i in items.indices {
                for j in 0..<i where items[j] == items[i] { return items[i] }
            }
            return nil
        }
        var seen = Set<String>(minimumCapacity: items.count)
        for item in items where !seen.insert(item).inserted { return item }
        return nil
    }

    private static func distribution(_ d: Distribution, what: @autoclosure () -> String) throws(RPCError) -> (Scale, Prior) {
        if d == .distributionUnspecified || d == .uniform { return (.linear, .uniform) }
        if d == .logUniform { return (.log, .uniform) }
        if d == .normal { return (.linear, .normal) }
        if d == .logNormal { return (.log, .normal) }
        throw .invalidArgument("\(what()) has unknown distribution \(d.rawValue); allowed: UNIFORM, LOG_UNIFORM, NORMAL, LOG_NORMAL (or unspecified)")
    }

    private static func number(_ text: String, field: String, what: @autoclosure () -> String, integer: Bool) throws(RPCError) -> Double {
        if text.trimming().isEmpty {
            throw .invalidArgument("\(what()) needs \(field); min and max are required")
        }
        if integer {
            if field == "step", let d = ValueFormatting.parseDouble(text), d != d.rounded() {
                // Katib's hyperopt services (random, tpe) quantise such a step from 0 and truncate,
                // so step 0.8 on [1, 5] gives 1, 2, 3, 4 unevenly; its other services fail on it.
                throw .invalidArgument("\(what()): step \(text) is not an integer, and an INT parameter takes whole numbers only; use an integer step (e.g. 1), or make the parameter DOUBLE with step \(text), or DISCRETE with the exact values you want")
            }
            guard let v = ValueFormatting.parseInteger(text) else {
                throw .invalidArgument("\(what()): \(field) \"\(text)\" is not an integer; INT min, max and step must be integers within ±2^53")
            }
            return Double(v)
        }
        guard let v = ValueFormatting.parseDouble(text) else {
            throw .invalidArgument("\(what()): \(field) \"\(text)\" is not a finite number")
        }
        return v
    }
}

import SuggestionAPI

/// One algorithm setting: its name, type and allowed range, default and help text. The schema drives
/// validation (`SettingsSchema.parse`), defaults, and the settings table of the README.
public struct SettingSpec: Sendable {
    public enum Kind: Sendable, Hashable {
        /// An integer literal (`Int64`) within the bounds (inclusive) when given.
        case integer(min: Int64? = nil, max: Int64? = nil)
        /// A finite number within the bounds when given; `open` bounds exclude the bound itself.
        case real(min: Double? = nil, max: Double? = nil, minOpen: Bool = false, maxOpen: Bool = false)
        /// One of the listed words (exact match).
        case choice([String])
        /// `true` or `false` (case-insensitive).
        case boolean
        /// Any non-empty text (surrounding spaces trimmed), e.g. a parameter name or a path; the
        /// algorithm checks its meaning in `Sampler.validate`.
        case text
    }

    public let name: String
    public let kind: Kind
    /// The value used when the setting is absent or empty, as it would be written; nil: no default
    /// (the algorithm handles absence, e.g. `random_state` falls back to the experiment name).
    public let defaultValue: String?
    public let help: String
    /// True for settings the algorithm itself sends back in `reply.algorithm` (state that Katib merges
    /// into the next request); they are accepted but left out of the user-facing table.
    public let isState: Bool

    public init(name: String, kind: Kind, defaultValue: String? = nil, help: String, isState: Bool = false) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
        self.isState = isState
    }

    /// `random_state`: accepted by every algorithm (Katib's services accept it everywhere).
    public static let randomState = SettingSpec(
        name: "random_state", kind: .integer(min: 0),
        help: "Seed of the suggestion sequence (integer >= 0). Unset: derived from the experiment name. "
            + "Either way the same request always gets the same reply.")

    /// Human description of the allowed values, for messages and the README.
    public var allowed: String {
        switch kind {
        case .integer(let lo, let hi):
            switch (lo, hi) {
            case let (l?, h?): return "an integer in [\(l), \(h)]"
            case let (l?, nil): return "an integer >= \(l)"
            case let (nil, h?): return "an integer <= \(h)"
            default: return "an integer"
            }
        case .real(let lo, let hi, let lopen, let hopen):
            let l = lo.map(ValueFormatting.formatDouble)
            let h = hi.map(ValueFormatting.formatDouble)
            switch (l, h) {
            case let (l?, h?): return "a number in \(lopen ? "(" : "[")\(l), \(h)\(hopen ? ")" : "]")"
            case let (l?, nil): return "a number \(lopen ? ">" : ">=") \(l)"
            case let (nil, h?): return "a number \(hopen ? "<" : "<=") \(h)"
            default: return "a number"
            }
        case .choice(let words): return "one of " + words.joined(separator: ", ")
        case .boolean: return "true or false"
        case .text: return "a non-empty text"
        }
    }

    func parse(_ text: String, algorithm: String) throws(RPCError) -> SettingValue {
        func bad(_ why: String) -> RPCError {
            .invalidArgument("failed to validate \(name)(\(text)) for algorithm \(algorithm): \(why); \(name) must be \(allowed)")
        }
        let trimmed = ValueFormatting.trimSpaces(text)
        switch kind {
        case .integer(let lo, let hi):
            guard let v = Int64(trimmed) else { throw bad("not an integer") }
            if let lo, v < lo { throw .invalidArgument("\(name) should be \(allowed), got \(text)") }
            if let hi, v > hi { throw .invalidArgument("\(name) should be \(allowed), got \(text)") }
            return .integer(v)
        case .real(let lo, let hi, let lopen, let hopen):
            guard let v = ValueFormatting.parseDouble(trimmed) else { throw bad("not a finite number") }
            let tooLow = lo.map { lopen ? v <= $0 : v < $0 } ?? false
            let tooHigh = hi.map { hopen ? v >= $0 : v > $0 } ?? false
            if tooLow || tooHigh {
                throw .invalidArgument("\(name) should be \(allowed), got \(text)")
            }
            return .real(v)
        case .choice(let words):
            guard words.contains(trimmed) else {
                throw .invalidArgument("\(name) \(text) is not supported by algorithm \(algorithm); \(name) must be \(allowed)")
            }
            return .string(trimmed)
        case .boolean:
            switch trimmed.lowercased() {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            default: throw bad("not a boolean")
            }
        case .text:
            return .string(trimmed)
        }
    }
}

/// A parsed setting value.
public enum SettingValue: Sendable, Hashable {
    case integer(Int64)
    case real(Double)
    case string(String)
    case boolean(Bool)
}

/// The parsed settings of one request: every schema entry that was given or has a default.
public struct Settings: Sendable, Hashable {
    public var values: [String: SettingValue]
    /// Names the request set explicitly (non-empty value), as opposed to defaults.
    public var explicitlySet: Set<String>

    public init(values: [String: SettingValue] = [:], explicitlySet: Set<String> = []) {
        self.values = values
        self.explicitlySet = explicitlySet
    }

    public func integer(_ name: String) -> Int64? {
        if case .integer(let v)? = values[name] { return v }
        return nil
    }

    public func real(_ name: String) -> Double? {
        switch values[name] {
        case .real(let v)?: return v
        case .integer(let v)?: return Double(v)
        default: return nil
        }
    }

    public func string(_ name: String) -> String? {
        if case .string(let v)? = values[name] { return v }
        return nil
    }

    public func boolean(_ name: String) -> Bool? {
        if case .boolean(let v)? = values[name] { return v }
        return nil
    }

    /// The `random_state` setting when the request gave one.
    public var randomState: Int64? { integer(SettingSpec.randomState.name) }
}

/// The settings an algorithm accepts.
public struct SettingsSchema: Sendable {
    public let algorithm: String
    public let specs: [SettingSpec]

    public init(algorithm: String, specs: [SettingSpec]) {
        self.algorithm = algorithm
        self.specs = specs
    }

    /// Validates and parses the request's settings:
    /// - a name not in the schema → INVALID_ARGUMENT `unknown setting X for algorithm Y; allowed: ...`
    ///   (Katib's wording, plus the list);
    /// - a value that does not parse or is out of range → INVALID_ARGUMENT naming the setting and what is
    ///   allowed;
    /// - an empty value counts as absent (the default applies);
    /// - a name given twice: the last value wins (Katib's controller overwrites by name the same way).
    public func parse(_ settings: [AlgorithmSetting]) throws(RPCError) -> Settings {
        var given: [String: String] = [:]
        for s in settings {
            guard specs.contains(where: { $0.name == s.name }) else {
                let allowed = specs.filter { !$0.isState }.map(\.name)
                throw .invalidArgument("unknown setting \(s.name) for algorithm \(algorithm); allowed: "
                    + (allowed.isEmpty ? "none" : allowed.joined(separator: ", ")))
            }
            given[s.name] = s.value
        }
        var result = Settings()
        for spec in specs {
            if let text = given[spec.name], !ValueFormatting.trimSpaces(text).isEmpty {
                result.values[spec.name] = try spec.parse(text, algorithm: algorithm)
                result.explicitlySet.insert(spec.name)
            } else if let d = spec.defaultValue {
                result.values[spec.name] = try spec.parse(d, algorithm: algorithm)
            }
        }
        return result
    }
}

import SuggestionAPI

/// One algorithm setting as the user sees it: name, type and allowed range, default, help text and the
/// Katib vocabulary it also accepts (aliases, `None`). Declared once per algorithm through a typed
/// `Setting`; the schema built from these drives validation (`SettingsSchema.parse`), defaults,
/// `suggestion-server --describe` and the README's settings tables (`SettingsDocumentation`).
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
    /// The default as it would be written; nil: none (the algorithm handles absence, e.g.
    /// `random_state` falls back to the experiment name).
    public let defaultValue: String?
    public let help: String
    /// Must be given; `SettingsSchema.parse` refuses a request without it.
    public let isRequired: Bool
    /// Other names Katib's services accept for this setting (e.g. hyperopt's `n_EI_candidates`).
    public let aliases: [String]
    /// Katib's NAS services accept the word `None` (Python's None) for this setting.
    public let acceptsNone: Bool
    /// True for settings the algorithm itself sends back in `reply.algorithm` (state that Katib merges
    /// into the next request); they are accepted but left out of the user-facing table.
    public let isState: Bool

    init(name: String, kind: Kind, defaultValue: String?, help: String, isRequired: Bool = false,
         aliases: [String] = [], acceptsNone: Bool = false, isState: Bool = false) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
        self.isRequired = isRequired
        self.aliases = aliases
        self.acceptsNone = acceptsNone
        self.isState = isState
    }

    /// Human description of the allowed values, for messages and the README.
    public var allowed: String {
        let base: String
        switch kind {
        case .integer(let lo, let hi):
            switch (lo, hi) {
            case let (l?, h?): base = "an integer in [\(l), \(h)]"
            case let (l?, nil): base = "an integer >= \(l)"
            case let (nil, h?): base = "an integer <= \(h)"
            default: base = "an integer"
            }
        case .real(let lo, let hi, let lopen, let hopen):
            let l = lo.map(ValueFormatting.formatDouble)
            let h = hi.map(ValueFormatting.formatDouble)
            switch (l, h) {
            case let (l?, h?): base = "a number in \(lopen ? "(" : "[")\(l), \(h)\(hopen ? ")" : "]")"
            case let (l?, nil): base = "a number \(lopen ? ">" : ">=") \(l)"
            case let (nil, h?): base = "a number \(hopen ? "<" : "<=") \(h)"
            default: base = "a number"
            }
        case .choice(let words): base = "one of " + words.joined(separator: ", ")
        case .boolean: base = "true or false"
        case .text: base = "a non-empty text"
        }
        return acceptsNone ? base + " or None" : base
    }

    /// - Parameter written: the name the request used (an alias, or `name`), for messages.
    func parse(_ text: String, algorithm: String, written: String? = nil) throws(RPCError) -> SettingValue {
        let name = written ?? self.name
        func bad(_ why: String) -> RPCError {
            .invalidArgument("failed to validate \(name)(\(text)) for algorithm \(algorithm): \(why); \(name) must be \(allowed)")
        }
        let trimmed = text.trimming()
        if acceptsNone && trimmed == "None" { return .none }
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
    /// Katib's `None` (only for specs with `acceptsNone`).
    case none
}

/// The Swift types a setting can be read as. `Optional` reads `None` and an absent setting without
/// default as nil.
public protocol SettingValueType: Sendable {
    init?(settingValue: SettingValue)
    /// The value written as a request would write it (for defaults in tables); nil for "no value".
    var settingText: String? { get }
    /// Whether a spec of this kind parses into values of this type (checked when a `Setting` is made).
    static func reads(_ kind: SettingSpec.Kind) -> Bool
}

extension Int: SettingValueType {
    public init?(settingValue: SettingValue) {
        guard case .integer(let v) = settingValue, let i = Int(exactly: v) else { return nil }
        self = i
    }
    public var settingText: String? { String(self) }
    public static func reads(_ kind: SettingSpec.Kind) -> Bool { if case .integer = kind { true } else { false } }
}

extension Double: SettingValueType {
    public init?(settingValue: SettingValue) {
        switch settingValue {
        case .real(let v): self = v
        case .integer(let v): self = Double(v)
        default: return nil
        }
    }
    public var settingText: String? { ValueFormatting.formatDouble(self) }
    public static func reads(_ kind: SettingSpec.Kind) -> Bool {
        switch kind { case .integer, .real: true; default: false }
    }
}

extension String: SettingValueType {
    public init?(settingValue: SettingValue) {
        guard case .string(let v) = settingValue else { return nil }
        self = v
    }
    public var settingText: String? { self }
    public static func reads(_ kind: SettingSpec.Kind) -> Bool {
        switch kind { case .choice, .text: true; default: false }
    }
}

extension Bool: SettingValueType {
    public init?(settingValue: SettingValue) {
        guard case .boolean(let v) = settingValue else { return nil }
        self = v
    }
    public var settingText: String? { String(self) }
    public static func reads(_ kind: SettingSpec.Kind) -> Bool { kind == .boolean }
}

extension Optional: SettingValueType where Wrapped: SettingValueType {
    public init?(settingValue: SettingValue) {
        if case .none = settingValue { self = nil; return }
        guard let w = Wrapped(settingValue: settingValue) else { return nil }
        self = w
    }
    public var settingText: String? { self?.settingText }
    public static func reads(_ kind: SettingSpec.Kind) -> Bool { Wrapped.reads(kind) }
}

/// A typed setting key: the one declaration of a setting (`static let` on its algorithm). Reading it
/// from parsed `Settings` yields a `Value`; the default lives here and nowhere else.
public struct Setting<Value: SettingValueType>: Sendable {
    public let spec: SettingSpec
    /// The default (for `Optional` values, nil means "no default"). Unused for required settings.
    let defaultValue: Value?

    public var name: String { spec.name }

    /// An optional setting with a default (nil for `Optional` values without one).
    public init(_ name: String, _ kind: SettingSpec.Kind, default defaultValue: Value, help: String,
                aliases: [String] = [], acceptsNone: Bool = false, isState: Bool = false) {
        self.init(SettingSpec(name: name, kind: kind, defaultValue: defaultValue.settingText, help: help,
                              aliases: aliases, acceptsNone: acceptsNone, isState: isState), defaultValue: defaultValue)
    }

    /// A setting every request must give (`SettingsSchema.parse` refuses its absence).
    public static func required(_ name: String, _ kind: SettingSpec.Kind, help: String) -> Setting {
        Setting(SettingSpec(name: name, kind: kind, defaultValue: nil, help: help, isRequired: true), defaultValue: nil)
    }

    private init(_ spec: SettingSpec, defaultValue: Value?) {
        precondition(Value.reads(spec.kind), "setting \(spec.name): \(Value.self) cannot hold a \(spec.kind)")
        self.spec = spec
        self.defaultValue = defaultValue
    }
}

extension Setting where Value == Int? {
    /// `random_state`: accepted by every algorithm (Katib's services accept it everywhere).
    public static var randomState: Setting<Int?> {
        Setting<Int?>("random_state", .integer(min: 0), default: nil,
        help: "Seed of the suggestions; unset: derived from the experiment name. Either way the same request gets the same reply.")
    }
}

/// The parsed settings of one request: every schema entry that was given or has a default.
public struct Settings: Sendable, Hashable {
    /// By canonical name (aliases resolved).
    public var values: [String: SettingValue]
    /// Names the request set explicitly (non-empty value), as opposed to defaults.
    public var explicitlySet: Set<String>

    public init(values: [String: SettingValue] = [:], explicitlySet: Set<String> = []) {
        self.values = values
        self.explicitlySet = explicitlySet
    }

    /// The setting's value: given, else its default. A required setting is always present in settings
    /// made by `SettingsSchema.parse`; reading one from settings made otherwise is a programming error.
    public subscript<Value>(_ key: Setting<Value>) -> Value {
        if let raw = values[key.name], let v = Value(settingValue: raw) { return v }
        guard let d = key.defaultValue else {
            preconditionFailure("required setting \(key.name) read from settings that were not parsed by its schema")
        }
        return d
    }

    /// Whether the request gave the setting itself (not its default).
    public func isSet<Value>(_ key: Setting<Value>) -> Bool { explicitlySet.contains(key.name) }

    /// The `random_state` setting when the request gave one.
    public var randomState: Int? { self[Setting.randomState] }
}

/// The settings an algorithm accepts.
public struct SettingsSchema: Sendable {
    public let algorithm: String
    public let specs: [SettingSpec]
    /// Said after "Required params missing: …" (Katib's wording), e.g. what the settings mean.
    let requiredHint: String?
    /// How Katib's own service for this algorithm starts its unknown-name error, when it differs from
    /// the hyperopt services' "unknown setting" (kept so scripts matching Katib's text still match).
    let unknownNamePhrase: String?

    public init(algorithm: String, specs: [SettingSpec], requiredHint: String? = nil, unknownNamePhrase: String? = nil) {
        self.algorithm = algorithm
        self.specs = specs
        self.requiredHint = requiredHint
        self.unknownNamePhrase = unknownNamePhrase
    }

    /// Validates and parses the request's settings:
    /// - a name not in the schema → INVALID_ARGUMENT `unknown setting X for algorithm Y; allowed: ...`
    ///   (Katib's wording, plus the list);
    /// - a value that does not parse or is out of range → INVALID_ARGUMENT naming the setting and what is
    ///   allowed;
    /// - an empty value counts as absent (the default applies);
    /// - a name given twice: the last value wins (Katib's controller overwrites by name the same way);
    ///   a setting given under two of its names with different values is refused;
    /// - a required setting absent → INVALID_ARGUMENT `Required params missing: ...` (Katib's pbt
    ///   wording), unless `checkingRequired` is false (then call `checkRequired` later: the
    ///   Suggestion service reports a bad search space first, as before required settings were declared).
    public func parse(_ settings: [AlgorithmSetting], checkingRequired: Bool = true) throws(RPCError) -> Settings {
        var given: [String: (written: String, value: String)] = [:]
        var byCanonical: [String: (written: String, value: String)] = [:]
        for s in settings {
            guard specs.contains(where: { $0.name == s.name || $0.aliases.contains(s.name) }) else {
                let allowed = specs.filter { !$0.isState }.map(\.name)
                throw .invalidArgument((unknownNamePhrase.map { "\($0): \(s.name); " } ?? "")
                    + "unknown setting \(s.name) for algorithm \(algorithm); allowed: "
                    + (allowed.isEmpty ? "none" : allowed.joined(separator: ", ")))
            }
            given[s.name] = (s.name, s.value)
        }
        for (name, entry) in given.sorted(by: { $0.key < $1.key }) {
            guard !entry.value.trimming().isEmpty else { continue }
            let spec = specs.first { $0.name == name || $0.aliases.contains(name) }!
            if let other = byCanonical[spec.name],
               other.value.trimming() != entry.value.trimming() {
                let (a, b) = other.written == spec.name ? (other, entry) : (entry, other)
                throw .invalidArgument("\(a.written) (\(a.value)) and \(b.written) (\(b.value)) are the same setting under two names; give one")
            }
            byCanonical[spec.name] = entry
        }
        var result = Settings()
        for spec in specs {
            if let entry = byCanonical[spec.name] {
                result.values[spec.name] = try spec.parse(entry.value, algorithm: algorithm, written: entry.written)
                result.explicitlySet.insert(spec.name)
            } else if let d = spec.defaultValue {
                result.values[spec.name] = try spec.parse(d, algorithm: algorithm)
            }
        }
        if checkingRequired { try checkRequired(result) }
        return result
    }

    /// INVALID_ARGUMENT `Required params missing: ...` when a required setting is absent.
    public func checkRequired(_ settings: Settings) throws(RPCError) {
        let missing = specs.filter { $0.isRequired && settings.values[$0.name] == nil }.map(\.name)
        if !missing.isEmpty {
            throw .invalidArgument("Required params missing: " + missing.joined(separator: ", ")
                + (requiredHint.map { "; " + $0 } ?? ""))
        }
    }
}

import SuggestionAPI

/// `darts`: DARTS (Liu, Simonyan and Yang 2019, "DARTS: differentiable architecture search", ICLR)
/// searches inside one trial, so the service only hands every trial the search space and the
/// training settings, in the format Katib's DARTS trial image (`run_trial.py`) reads.
///
/// Assignments (identical for every trial, as in Katib):
/// - `algorithm-settings`: a JSON object, single-quoted as Katib writes it, with every DARTS setting
///   in Katib's order and Katib's defaults (num_epochs 50, w_lr 0.025, w_lr_min 0.001, w_momentum 0.9,
///   w_weight_decay 0.0003, w_grad_clip 5.0, alpha_lr 0.0003, alpha_weight_decay 0.001, batch_size
///   128, num_workers 4, init_channels 16, print_step 50, num_nodes 4, stem_multiplier 3), user values
///   replacing them **as numbers of the setting's type** (Katib passes them as strings, `'3'`; the
///   trial image converts either), `None` as `null`;
/// - `search-space`: a JSON list with `<operation>_<k>x<k>` for each value k of the first parameter
///   of each operation (its filter sizes), and `skip_connection` as is;
/// - `num-layers`: graph_config.num_layers in decimal.
/// Unknown setting names are INVALID_ARGUMENT (Katib accepts and forwards them).
public struct DARTSAlgorithm: NASAlgorithm {
    public init() {}
    public var name: String { "darts" }
    public var needsGraphSizes: Bool { false }

    enum Kind { case integer(min: Int64, allowsNone: Bool), real }
    /// Katib's order and defaults.
    static let settings: [(name: String, kind: Kind, defaultValue: String)] = [
        ("num_epochs", .integer(min: 1, allowsNone: false), "50"),
        ("w_lr", .real, "0.025"),
        ("w_lr_min", .real, "0.001"),
        ("w_momentum", .real, "0.9"),
        ("w_weight_decay", .real, "0.0003"),
        ("w_grad_clip", .real, "5.0"),
        ("alpha_lr", .real, "0.0003"),
        ("alpha_weight_decay", .real, "0.001"),
        ("batch_size", .integer(min: 1, allowsNone: true), "128"),
        ("num_workers", .integer(min: 0, allowsNone: false), "4"),
        ("init_channels", .integer(min: 1, allowsNone: false), "16"),
        ("print_step", .integer(min: 1, allowsNone: false), "50"),
        ("num_nodes", .integer(min: 1, allowsNone: false), "4"),
        ("stem_multiplier", .integer(min: 1, allowsNone: false), "3"),
    ]

    public func parseSettings(_ given: [AlgorithmSetting]) throws(RPCError) -> NASSettings {
        var result = NASSettings()
        for s in given {
            guard let spec = Self.settings.first(where: { $0.name == s.name }) else {
                throw .invalidArgument("unknown setting \(s.name) for algorithm darts; allowed: " + Self.settings.map(\.name).joined(separator: ", "))
            }
            let text = ValueFormatting.trimSpaces(s.value)
            switch spec.kind {
            case .integer(let min, let allowsNone):
                if allowsNone && text == "None" { result.values.append((s.name, nil)); continue }
                guard let v = Int64(text) else {
                    throw .invalidArgument("failed to validate \(s.name)(\(s.value)): not an integer; \(s.name) must be an integer >= \(min)" + (allowsNone ? " or None" : ""))
                }
                guard v >= min else {
                    throw .invalidArgument("\(s.name) should be greater than or equal to \(min == 0 ? "zero" : min == 1 ? "one" : String(min)), got \(s.value)")
                }
                result.values.append((s.name, .integer(v)))
            case .real:
                guard let v = ValueFormatting.parseDouble(text) else {
                    throw .invalidArgument("failed to validate \(s.name)(\(s.value)): not a finite number")
                }
                guard v >= 0 else { throw .invalidArgument("\(s.name) should be greater than or equal to zero, got \(s.value)") }
                result.values.append((s.name, .real(v)))
            }
        }
        return result
    }

    public func validate(_ problem: NASProblem) throws(RPCError) {
        for op in problem.operations where op.type != "skip_connection" {
            guard let first = op.parameters.first, first.values.allSatisfy({ if case .string = $0 { return true } else { return false } }) else {
                throw .invalidArgument("darts: the first parameter of operation \(op.type) must be CATEGORICAL or DISCRETE (its filter sizes, e.g. [\"3\", \"5\"])")
            }
        }
    }

    public func suggest(_ problem: NASProblem, trials: [Trial], count: Int, seed: UInt64) throws(RPCError) -> [[ParameterAssignment]] {
        var members: [(String, JSONValue)] = []
        for spec in Self.settings {
            let value: JSONValue
            switch problem.settings.value(spec.name) {
            case .some(.some(.integer(let v))): value = .number(String(v))
            case .some(.some(.real(let v))): value = .number(pythonFloat(v))
            case .some(.none): value = .null
            case .none:
                if case .real = spec.kind { value = .number(pythonFloat(Double(spec.defaultValue)!)) } else { value = .number(spec.defaultValue) }
            }
            members.append((spec.name, value))
        }
        var space: [JSONValue] = []
        for op in problem.operations {
            if op.type == "skip_connection" {
                space.append(.string(op.type))
                continue
            }
            for case .string(let k) in op.parameters[0].values { space.append(.string("\(op.type)_\(k)x\(k)")) }
        }
        let assignments = [
            ParameterAssignment(name: "algorithm-settings", value: katibJSON(.object(members))),
            ParameterAssignment(name: "search-space", value: katibJSON(.array(space))),
            ParameterAssignment(name: "num-layers", value: String(problem.numLayers)),
        ]
        return [[ParameterAssignment]](repeating: assignments, count: count)
    }
}

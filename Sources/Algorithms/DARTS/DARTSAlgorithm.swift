import SuggestionAPI

/// `darts`: DARTS (Liu, Simonyan and Yang 2019, "DARTS: differentiable architecture search", ICLR)
/// searches inside one trial, so the service only hands every trial the search space and the
/// training settings, in the format Katib's DARTS trial image (`run_trial.py`) reads.
///
/// Assignments (identical for every trial, as in Katib):
/// - `algorithm-settings`: a JSON object, single-quoted as Katib writes it, with every DARTS setting
///   (declared below in Katib's order with Katib's defaults), user values
///   replacing them **as numbers of the setting's type** (Katib passes them as strings, `'3'`; the
///   trial image converts either), `None` as `null`;
/// - `search-space`: a JSON list with `<operation>_<k>x<k>` for each value k of the first parameter
///   of each operation (its filter sizes), and `skip_connection` as is;
/// - `num-layers`: graph_config.num_layers in decimal.
/// Unknown setting names are INVALID_ARGUMENT (Katib accepts and forwards them).
public struct DARTSAlgorithm: Sampler {
    public init() {}
    public var name: String { "darts" }
    public var input: AlgorithmInput {
        .nasConfig(requiresGraphSizes: false, allowsParameterlessSkipConnection: true, readsAssignments: [])
    }

    // Katib's names, defaults and order (the order of the `algorithm-settings` object).
    static let numEpochs = Setting<Int>("num_epochs", .integer(min: 1), default: 50, help: "Training epochs of the search.")
    static let weightsLR = Setting<Double>("w_lr", .real(min: 0), default: 0.025, help: "Initial learning rate of the network weights.")
    static let weightsLRMin = Setting<Double>("w_lr_min", .real(min: 0), default: 0.001, help: "Final learning rate of the weights (cosine schedule).")
    static let weightsMomentum = Setting<Double>("w_momentum", .real(min: 0), default: 0.9, help: "Momentum of the weights' SGD.")
    static let weightsDecay = Setting<Double>("w_weight_decay", .real(min: 0), default: 0.0003, help: "Weight decay of the weights.")
    static let weightsGradientClip = Setting<Double>("w_grad_clip", .real(min: 0), default: 5, help: "Gradient-norm clip of the weights.")
    static let alphaLR = Setting<Double>("alpha_lr", .real(min: 0), default: 0.0003, help: "Learning rate of the architecture weights.")
    static let alphaDecay = Setting<Double>("alpha_weight_decay", .real(min: 0), default: 0.001, help: "Weight decay of the architecture weights.")
    static let batchSize = Setting<Int?>("batch_size", .integer(min: 1), default: 128, help: "Batch size; None: the trial image's default.",
                                         acceptsNone: true)
    static let workers = Setting<Int>("num_workers", .integer(min: 0), default: 4, help: "Data-loading workers.")
    static let initChannels = Setting<Int>("init_channels", .integer(min: 1), default: 16, help: "Channels of the first cell.")
    static let printStep = Setting<Int>("print_step", .integer(min: 1), default: 50, help: "Steps between progress lines of the trial.")
    static let nodes = Setting<Int>("num_nodes", .integer(min: 1), default: 4, help: "Intermediate nodes per cell.")
    static let stemMultiplier = Setting<Int>("stem_multiplier", .integer(min: 1), default: 3, help: "Channel multiplier of the stem.")

    static let forwarded: [SettingSpec] = [
        numEpochs.spec, weightsLR.spec, weightsLRMin.spec, weightsMomentum.spec, weightsDecay.spec, weightsGradientClip.spec,
        alphaLR.spec, alphaDecay.spec, batchSize.spec, workers.spec, initChannels.spec, printStep.spec, nodes.spec,
        stemMultiplier.spec,
    ]

    public var settingsSchema: SettingsSchema { SettingsSchema(algorithm: name, specs: Self.forwarded) }

    public func validate(_ problem: SearchProblem) throws(RPCError) -> NASSpace {
        let nas = try problem.nasSpace()
        for op in nas.operations where op.type != "skip_connection" {
            guard let first = op.parameters.first, first.values.allSatisfy({ if case .string = $0 { return true } else { return false } }) else {
                throw .invalidArgument("darts: the first parameter of operation \(op.type) must be CATEGORICAL or DISCRETE (its filter sizes, e.g. [\"3\", \"5\"])")
            }
        }
        return nas
    }

    public func suggest(_ context: SamplerContext, plan nas: NASSpace) throws(RPCError) -> SamplerOutput {
        // Every setting, given or default (the schema fills defaults), as a number of its type.
        var members: [(String, JSONValue)] = []
        for spec in Self.forwarded {
            let value: JSONValue
            switch context.settings.values[spec.name] {
            case .integer(let v)?: value = .number(String(v))
            case .real(let v)?: value = .number(pythonFloat(v))
            default: value = .null
            }
            members.append((spec.name, value))
        }
        var space: [JSONValue] = []
        for op in nas.operations {
            if op.type == "skip_connection" {
                space.append(.string(op.type))
                continue
            }
            for case .string(let k) in op.parameters[0].values { space.append(.string("\(op.type)_\(k)x\(k)")) }
        }
        let assignments = [
            ParameterAssignment(name: "algorithm-settings", value: katibJSON(.object(members))),
            ParameterAssignment(name: "search-space", value: katibJSON(.array(space))),
            ParameterAssignment(name: "num-layers", value: String(nas.numLayers)),
        ]
        return SamplerOutput(suggestions: [Suggestion](repeating: Suggestion(point: [], assignments: assignments),
                                                       count: context.requestCount))
    }
}

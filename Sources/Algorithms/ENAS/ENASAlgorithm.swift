import SuggestionAPI

/// `enas`: the ENAS controller (`ENASController`) with no checkpoint and no state in the process.
///
/// Each call rebuilds the controller: parameters drawn from a generator seeded by `random_state` (or
/// the experiment name), then one REINFORCE step per SUCCEEDED trial whose `architecture` assignment
/// fits the search space and whose objective metric is a number (the reward; negated when
/// minimising), in trial-name order, repeated for ⌈controller_train_steps / 10⌉ passes (5 with
/// Katib's 50) and at most `maxSteps` steps in all (fewer for controllers so large that 400 steps
/// would exceed `maxWorkPerCall` multiply-adds). Each step trains on the trial's **own**
/// architecture and reward (Katib feeds the mean reward of all trials to freshly sampled
/// architectures, which cannot tell good architectures from bad). The new architectures are then
/// sampled from the trained controller, distinct from one another and from the request's trials
/// where possible (32 redraws). With no succeeded trial the untrained controller samples (Katib
/// answers INTERNAL there).
///
/// Search space: every operation expands to the product of its parameters' values (last parameter
/// fastest), numbered from 0 in request order, as Katib does. Assignments, as Katib's ENAS trial
/// image parses them (single-quoted JSON): `architecture`, a list of `num_layers` lists, layer l being
/// [op id, skip from layer 0, …, skip from layer l−1]; `nn_config`, {num_layers, input_sizes,
/// output_sizes, embedding: {op id: {opt_id, opt_type, opt_params}}} for the operations used, in
/// order of first use.
///
/// Settings: Katib's names, ranges and defaults, declared below (`None` where Katib allows it).
public struct ENASAlgorithm: Sampler {
    public init() {}
    public var name: String { "enas" }
    public var input: AlgorithmInput {
        .nasConfig(requiresGraphSizes: true, allowsParameterlessSkipConnection: false, readsAssignments: ["architecture"])
    }
    static let maxSteps = 400

    // Katib's names, ranges and defaults; (lo, hi] ranges are Katib's float checks.
    static let hiddenSize = Setting<Int>("controller_hidden_size", .integer(min: 1, max: 512), default: 64,
                                         help: "LSTM hidden size of the controller (Katib allows any; at most 512 here).")
    static let temperature = Setting<Double?>("controller_temperature", .real(min: 0, minOpen: true), default: 5,
                                              help: "Softmax temperature of the operation logits; None: none.", acceptsNone: true)
    static let tanhConstant = Setting<Double?>("controller_tanh_const", .real(min: 0, minOpen: true), default: 2.25,
                                               help: "c in c·tanh(logits); None: no tanh.", acceptsNone: true)
    static let entropyWeight = Setting<Double?>("controller_entropy_weight", .real(min: 0, minOpen: true), default: 1e-5,
                                                help: "Weight of the entropy bonus in the reward; None: no bonus.", acceptsNone: true)
    static let baselineDecay = Setting<Double>("controller_baseline_decay", .real(min: 0, max: 1, minOpen: true), default: 0.999,
                                               help: "Decay of the reward baseline's moving average.")
    static let learningRate = Setting<Double>("controller_learning_rate", .real(min: 0, max: 1, minOpen: true), default: 5e-5,
                                              help: "Adam learning rate of the controller.")
    static let skipTarget = Setting<Double>("controller_skip_target", .real(min: 0, max: 1, minOpen: true), default: 0.4,
                                            help: "Target probability of a skip connection.")
    static let skipWeight = Setting<Double?>("controller_skip_weight", .real(min: 0, minOpen: true), default: 0.8,
                                             help: "Weight of the skip-target penalty; None: no penalty.", acceptsNone: true)
    static let trainSteps = Setting<Int>("controller_train_steps", .integer(min: 1, max: 1_000_000), default: 50,
                                         help: "Katib's steps per call; here ⌈steps / 10⌉ passes over the succeeded trials.")
    static let logEverySteps = Setting<Int>("controller_log_every_steps", .integer(min: 1, max: 1_000_000), default: 10,
                                            help: "Accepted for Katib compatibility; no effect (nothing is logged per step).")

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: [
            Self.hiddenSize.spec, Self.temperature.spec, Self.tanhConstant.spec, Self.entropyWeight.spec,
            Self.baselineDecay.spec, Self.learningRate.spec, Self.skipTarget.spec, Self.skipWeight.spec,
            Self.trainSteps.spec, Self.logEverySteps.spec, Setting.randomState.spec,
        ], unknownNamePhrase: "Unknown Algorithm Setting name")
    }

    /// Largest controller accepted: parameters (each with two Adam moments) and the multiply-adds
    /// of one training step bound a call's memory and time whatever the request asks for.
    static let maxParameters = 2_000_000
    static let maxWorkPerCall = 3e9

    public func validate(_ problem: SearchProblem) throws(RPCError) -> NASSpace {
        let nas = try problem.nasSpace()
        guard nas.numLayers <= 64 else {
            throw .invalidArgument("enas supports at most 64 layers (graph_config.num_layers is \(nas.numLayers))")
        }
        let config = configuration(problem.settings, layers: nas.numLayers, operations: Self.expand(nas.operations).count)
        let parameters = ENASController.parameterCount(config)
        guard parameters <= Self.maxParameters else {
            throw .invalidArgument("the enas controller would have \(parameters) parameters (hidden size \(config.hidden), \(config.operations) operations); "
                + "at most \(Self.maxParameters): lower controller_hidden_size or the number of operations")
        }
        return nas
    }

    /// Multiply-adds of one forward and backward pass (three times the forward's LSTM, attention and
    /// softmax products).
    static func workPerStep(_ c: ENASController.Configuration) -> Double {
        let h = Double(c.hidden), o = Double(c.operations), l = Double(c.layers)
        return 3 * l * (16 * h * h + 2 * h * o + 2 * h * h + l * h)
    }

    /// The expanded operations: (type, parameters as an ordered JSON object).
    static func expand(_ operations: [NASOperationSpec]) -> [(type: String, params: [(String, JSONValue)])] {
        var result: [(type: String, params: [(String, JSONValue)])] = []
        for op in operations {
            var combos: [[(String, JSONValue)]] = [[]]
            for p in op.parameters {
                combos = combos.flatMap { prefix in p.values.map { prefix + [(p.name, $0)] } }
            }
            for c in combos { result.append((op.type, c)) }
        }
        return result
    }

    func configuration(_ s: Settings, layers: Int, operations: Int) -> ENASController.Configuration {
        ENASController.Configuration(
            hidden: s[Self.hiddenSize], operations: operations, layers: layers,
            temperature: s[Self.temperature], tanhConstant: s[Self.tanhConstant],
            entropyWeight: s[Self.entropyWeight], baselineDecay: s[Self.baselineDecay],
            learningRate: s[Self.learningRate], skipTarget: s[Self.skipTarget], skipWeight: s[Self.skipWeight])
    }

    public func suggest(_ context: SamplerContext, plan nas: NASSpace) throws(RPCError) -> SamplerOutput {
        let operations = Self.expand(nas.operations)
        let config = configuration(context.settings, layers: nas.numLayers, operations: operations.count)
        var initRng = SeededRandom(seed: context.experimentSeed(purpose: "controller"))
        var controller = ENASController(config, &initRng)

        // Training data: succeeded trials with a readable architecture and a numeric objective.
        var taken = Set<ENASController.Architecture>()
        var examples: [(architecture: ENASController.Architecture, reward: Double)] = []
        for r in context.history.records {   // sorted by name
            guard let text = r.kept["architecture"], let arc = Self.parseArchitecture(text), controller.fits(arc) else { continue }
            taken.insert(arc)
            guard r.condition == .succeeded, let loss = r.loss else { continue }
            examples.append((arc, -loss))
        }
        let trainSteps = context.settings[Self.trainSteps]
        let passes = Swift.max(1, (trainSteps + 9) / 10)
        let stepCap = Swift.min(Self.maxSteps, Int(Self.maxWorkPerCall / Self.workPerStep(config)))
        var steps = 0
        training: for _ in 0..<passes {
            for e in examples {
                if steps >= stepCap { break training }
                try Cancellation.check()
                _ = controller.train(on: e.architecture, reward: e.reward)
                steps += 1
            }
        }

        var rng = SeededRandom(seed: context.seed)
        var result: [Suggestion] = []
        for _ in 0..<context.requestCount {
            try Cancellation.check()
            var arc = controller.sample(&rng)
            var attempts = 0
            while taken.contains(arc) && attempts < 32 {
                arc = controller.sample(&rng)
                attempts += 1
            }
            taken.insert(arc)
            result.append(Suggestion(point: [], assignments: assignments(arc, nas, operations)))
        }
        return SamplerOutput(suggestions: result)
    }

    func assignments(_ arc: ENASController.Architecture, _ problem: NASSpace,
                     _ operations: [(type: String, params: [(String, JSONValue)])]) -> [ParameterAssignment] {
        let layers: [JSONValue] = (0..<problem.numLayers).map { l in
            .array([.number(String(arc.operations[l]))] + arc.skips[l].map { .number(String($0)) })
        }
        var embedding: [(String, JSONValue)] = []
        for op in arc.operations where !embedding.contains(where: { $0.0 == String(op) }) {
            embedding.append((String(op), .object([
                ("opt_id", .number(String(op))), ("opt_type", .string(operations[op].type)), ("opt_params", .object(operations[op].params)),
            ])))
        }
        let config = JSONValue.object([
            ("num_layers", .number(String(problem.numLayers))),
            ("input_sizes", .array(problem.inputSizes.map { .number(String($0)) })),
            ("output_sizes", .array(problem.outputSizes.map { .number(String($0)) })),
            ("embedding", .object(embedding)),
        ])
        return [ParameterAssignment(name: "architecture", value: katibJSON(.array(layers))),
                ParameterAssignment(name: "nn_config", value: katibJSON(config))]
    }

    /// Reads an `architecture` assignment (single- or double-quoted JSON) back.
    static func parseArchitecture(_ text: String) -> ENASController.Architecture? {
        guard let value = try? JSONValue.parse(String(text.map { $0 == "'" ? "\"" : $0 })), let layers = value.arrayValue else { return nil }
        var arc = ENASController.Architecture(operations: [], skips: [])
        for layer in layers {
            guard let items = layer.arrayValue, !items.isEmpty else { return nil }
            var ints: [Int] = []
            for item in items {
                guard case .number(let n) = item, let v = Int(n) else { return nil }
                ints.append(v)
            }
            arc.operations.append(ints[0])
            arc.skips.append(Array(ints.dropFirst()))
        }
        return arc
    }
}

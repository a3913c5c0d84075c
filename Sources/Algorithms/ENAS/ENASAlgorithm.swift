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
/// Settings (Katib's names, ranges and defaults): controller_hidden_size (64, at most 512 here),
/// controller_temperature (5.0), controller_tanh_const (2.25), controller_entropy_weight (1e-5),
/// controller_baseline_decay (0.999), controller_learning_rate (5e-5), controller_skip_target (0.4),
/// controller_skip_weight (0.8), controller_train_steps (50), controller_log_every_steps (10, no
/// effect: nothing is logged per step); `None` accepted for temperature, tanh_const, entropy_weight
/// and skip_weight; and `random_state`.
public struct ENASAlgorithm: NASAlgorithm {
    public init() {}
    public var name: String { "enas" }
    public var needsGraphSizes: Bool { true }
    static let maxSteps = 400

    enum Kind { case integer(min: Int64, max: Int64), open(Double, Double) }   // open: (lo, hi]
    static let settings: [(name: String, kind: Kind, defaultValue: Double, allowsNone: Bool)] = [
        ("controller_hidden_size", .integer(min: 1, max: 512), 64, false),
        ("controller_temperature", .open(0, .infinity), 5.0, true),
        ("controller_tanh_const", .open(0, .infinity), 2.25, true),
        ("controller_entropy_weight", .open(0, .infinity), 1e-5, true),
        ("controller_baseline_decay", .open(0, 1), 0.999, false),
        ("controller_learning_rate", .open(0, 1), 5e-5, false),
        ("controller_skip_target", .open(0, 1), 0.4, false),
        ("controller_skip_weight", .open(0, .infinity), 0.8, true),
        ("controller_train_steps", .integer(min: 1, max: 1_000_000), 50, false),
        ("controller_log_every_steps", .integer(min: 1, max: 1_000_000), 10, false),
        ("random_state", .integer(min: 0, max: Int64.max), 0, false),
    ]

    public func parseSettings(_ given: [AlgorithmSetting]) throws(RPCError) -> NASSettings {
        var result = NASSettings()
        for s in given {
            guard let spec = Self.settings.first(where: { $0.name == s.name }) else {
                throw .invalidArgument("Unknown Algorithm Setting name: \(s.name); enas accepts " + Self.settings.map(\.name).joined(separator: ", "))
            }
            let text = ValueFormatting.trimSpaces(s.value)
            if spec.allowsNone && text == "None" { result.values.append((s.name, nil)); continue }
            switch spec.kind {
            case .integer(let lo, let hi):
                guard let v = Int64(text) else { throw .invalidArgument("Algorithm Setting \(s.name) must be int type, got \(s.value)") }
                guard v >= lo && v <= hi else {
                    throw .invalidArgument("Algorithm Setting \(s.name): \(s.value) with int type must be in range [\(lo), \(hi == Int64.max ? "inf" : String(hi))]")
                }
                result.values.append((s.name, .integer(v)))
            case .open(let lo, let hi):
                guard let v = ValueFormatting.parseDouble(text) else { throw .invalidArgument("Algorithm Setting \(s.name) must be float type, got \(s.value)") }
                guard v > lo && v <= hi else {
                    throw .invalidArgument("Algorithm Setting \(s.name): \(s.value) with float type must be in range (\(pythonFloat(lo)), \(hi.isInfinite ? "inf" : pythonFloat(hi))]")
                }
                result.values.append((s.name, .real(v)))
            }
        }
        return result
    }

    /// Largest controller accepted: parameters (each with two Adam moments) and the multiply-adds
    /// of one training step bound a call's memory and time whatever the request asks for.
    static let maxParameters = 2_000_000
    static let maxWorkPerCall = 3e9

    public func validate(_ problem: NASProblem) throws(RPCError) {
        guard problem.numLayers <= 64 else {
            throw .invalidArgument("enas supports at most 64 layers (graph_config.num_layers is \(problem.numLayers))")
        }
        let config = configuration(problem, operations: Self.expand(problem.operations).count)
        let parameters = ENASController.parameterCount(config)
        guard parameters <= Self.maxParameters else {
            throw .invalidArgument("the enas controller would have \(parameters) parameters (hidden size \(config.hidden), \(config.operations) operations); "
                + "at most \(Self.maxParameters): lower controller_hidden_size or the number of operations")
        }
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

    func configuration(_ problem: NASProblem, operations: Int) -> ENASController.Configuration {
        func real(_ name: String) -> Double? {
            switch problem.settings.value(name) {
            case .some(.none): return nil
            case .some(.some(.real(let v))): return v
            case .some(.some(.integer(let v))): return Double(v)
            case .none: return Self.settings.first { $0.name == name }!.defaultValue
            }
        }
        return ENASController.Configuration(
            hidden: Int(real("controller_hidden_size") ?? 64), operations: operations, layers: problem.numLayers,
            temperature: real("controller_temperature"), tanhConstant: real("controller_tanh_const"),
            entropyWeight: real("controller_entropy_weight"), baselineDecay: real("controller_baseline_decay") ?? 0.999,
            learningRate: real("controller_learning_rate") ?? 5e-5, skipTarget: real("controller_skip_target") ?? 0.4,
            skipWeight: real("controller_skip_weight"))
    }

    public func suggest(_ problem: NASProblem, trials: [Trial], count: Int, seed: UInt64) throws(RPCError) -> [[ParameterAssignment]] {
        let operations = Self.expand(problem.operations)
        let config = configuration(problem, operations: operations.count)
        var h = StableHasher()
        h.combine("enas-controller")
        if let state = problem.settingsSeed { h.combine(state) } else { h.combine(problem.experimentName) }
        var initRng = SeededRandom(seed: h.finalize())
        var controller = ENASController(config, &initRng)

        // Training data: succeeded trials with a readable architecture and a numeric objective.
        var taken = Set<ENASController.Architecture>()
        var examples: [(name: String, architecture: ENASController.Architecture, reward: Double)] = []
        for t in trials {
            guard let text = t.spec?.parameterAssignments?.assignments.last(where: { $0.name == "architecture" })?.value,
                  let arc = Self.parseArchitecture(text), controller.fits(arc) else { continue }
            taken.insert(arc)
            guard t.status?.condition == .succeeded else { continue }
            var value: Double? = nil
            for m in t.status?.observation?.metrics ?? [] where m.name == problem.objective.metricName {
                value = ValueFormatting.parseDouble(m.value)
            }
            guard let v = value else { continue }
            examples.append((t.name, arc, problem.objective.direction == .maximize ? v : -v))
        }
        examples.sort { $0.name < $1.name }
        let trainSteps: Int
        if case .some(.some(.integer(let v))) = problem.settings.value("controller_train_steps") { trainSteps = Int(v) } else { trainSteps = 50 }
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

        var rng = SeededRandom(seed: seed)
        var result: [[ParameterAssignment]] = []
        for _ in 0..<count {
            try Cancellation.check()
            var arc = controller.sample(&rng)
            var attempts = 0
            while taken.contains(arc) && attempts < 32 {
                arc = controller.sample(&rng)
                attempts += 1
            }
            taken.insert(arc)
            result.append(assignments(arc, problem, operations))
        }
        return result
    }

    func assignments(_ arc: ENASController.Architecture, _ problem: NASProblem,
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

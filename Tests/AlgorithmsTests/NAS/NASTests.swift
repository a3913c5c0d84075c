import Testing
import SuggestionAPI
@testable import Algorithms

func nasParam(_ name: String, _ type: ParameterType, list: [String] = [], min: String = "", max: String = "", step: String = "") -> ParameterSpec {
    ParameterSpec(name: name, parameterType: type, feasibleSpace: FeasibleSpace(max: max, min: min, list: list, step: step))
}

func nasExperiment(_ algorithm: String, settings: [(String, String)] = [], layers: Int32 = 3, inputs: [Int32] = [32, 32, 3],
                   outputs: [Int32] = [10], operations: [Operation], objective: ObjectiveType = .maximize) -> Experiment {
    Experiment(name: "nas-exp", spec: ExperimentSpec(
        objective: ObjectiveSpec(type: objective, objectiveMetricName: "Validation-Accuracy"),
        algorithm: AlgorithmSpec(algorithmName: algorithm, algorithmSettings: settings.map { AlgorithmSetting(name: $0.0, value: $0.1) }),
        parallelTrialCount: 2, maxTrialCount: 10,
        nasConfig: NasConfig(graphConfig: GraphConfig(numLayers: layers, inputSizes: inputs, outputSizes: outputs),
                             operations: NasConfig.Operations(operation: operations))))
}

let enasOperations = [
    Operation(operationType: "convolution", parameterSpecs: Operation.ParameterSpecs(parameters: [
        nasParam("filter_size", .categorical, list: ["3", "5"]), nasParam("stride", .int, min: "1", max: "2", step: "1")])),
    Operation(operationType: "reduction", parameterSpecs: Operation.ParameterSpecs(parameters: [
        nasParam("reduction_type", .categorical, list: ["max_pooling", "avg_pooling"])])),
]

let dartsOperations = [
    Operation(operationType: "separable_convolution", parameterSpecs: Operation.ParameterSpecs(parameters: [nasParam("filter_size", .categorical, list: ["3"])])),
    Operation(operationType: "dilated_convolution", parameterSpecs: Operation.ParameterSpecs(parameters: [nasParam("filter_size", .categorical, list: ["3", "5"])])),
    Operation(operationType: "skip_connection"),
]

/// Katib's trial images turn single quotes into double quotes and parse JSON.
func parseKatib(_ text: String) throws -> JSONValue { try JSONValue.parse(String(text.map { $0 == "'" ? "\"" : $0 })) }

@Suite struct DARTSTests {
    @Test func assignmentsMatchKatibsFormat() throws {
        let reply = try AlgorithmService().suggestions(request(nasExperiment("darts", layers: 8, operations: dartsOperations), count: 2))
        #expect(reply.parameterAssignments.count == 2)
        let a = Dictionary(uniqueKeysWithValues: reply.parameterAssignments[0].assignments.map { ($0.name, $0.value) })
        // Reference: Python json.dumps of Katib's defaults and search space, '"' replaced by "'".
        #expect(a["algorithm-settings"] == "{'num_epochs': 50, 'w_lr': 0.025, 'w_lr_min': 0.001, 'w_momentum': 0.9, 'w_weight_decay': 0.0003, 'w_grad_clip': 5.0, 'alpha_lr': 0.0003, 'alpha_weight_decay': 0.001, 'batch_size': 128, 'num_workers': 4, 'init_channels': 16, 'print_step': 50, 'num_nodes': 4, 'stem_multiplier': 3}")
        #expect(a["search-space"] == "['separable_convolution_3x3', 'dilated_convolution_3x3', 'dilated_convolution_5x5', 'skip_connection']")
        #expect(a["num-layers"] == "8")
        _ = try parseKatib(a["algorithm-settings"]!)
    }

    @Test func userSettingsKeepTheirTypes() throws {
        let exp = nasExperiment("darts", settings: [("num_epochs", "3"), ("w_lr", "0.1"), ("batch_size", "None"), ("w_grad_clip", "1e-5")],
                                operations: dartsOperations)
        let reply = try AlgorithmService().suggestions(request(exp))
        let settings = try parseKatib(reply.parameterAssignments[0].assignments[0].value)
        #expect(settings["num_epochs"] == .number("3"))
        #expect(settings["w_lr"] == .number("0.1"))
        #expect(settings["batch_size"] == .null)
        #expect(settings["w_grad_clip"] == .number("1e-05"))
    }

    @Test(arguments: [
        ([("num_epochs", "0")], "num_epochs"), ([("w_lr", "-1")], "w_lr"), ([("batch_size", "0")], "batch_size"),
        ([("num_workers", "-1")], "num_workers"), ([("num_nodes", "x")], "num_nodes"), ([("not_a_setting", "1")], "unknown setting not_a_setting"),
    ])
    func invalidSettings(_ settings: [(String, String)], _ fragment: String) {
        expectInvalid(nasExperiment("darts", settings: settings, operations: dartsOperations), mentions: fragment)
    }
}

@Suite struct NASValidationTests {
    @Test(arguments: [
        ("no type", [Operation(operationType: "", parameterSpecs: Operation.ParameterSpecs(parameters: [nasParam("k", .categorical, list: ["3"])]))], "Missing operationType"),
        ("no parameters", [Operation(operationType: "convolution")], "Missing ParameterConfigs"),
        ("unnamed parameter", [Operation(operationType: "convolution", parameterSpecs: Operation.ParameterSpecs(parameters: [nasParam("", .categorical, list: ["3"])]))], "Missing Name"),
        ("empty list", [Operation(operationType: "convolution", parameterSpecs: Operation.ParameterSpecs(parameters: [nasParam("k", .categorical)]))], "Missing List"),
        ("no bounds", [Operation(operationType: "convolution", parameterSpecs: Operation.ParameterSpecs(parameters: [nasParam("k", .int)]))], "Missing Max and Min"),
        ("double without step", [Operation(operationType: "dropout", parameterSpecs: Operation.ParameterSpecs(parameters: [nasParam("p", .double, min: "0.1", max: "0.5")]))], "Step parameter should be > 0"),
        ("no type of parameter", [Operation(operationType: "convolution", parameterSpecs: Operation.ParameterSpecs(parameters: [nasParam("k", .unknownType, list: ["3"])]))], "Missing ParameterType"),
        ("min above max", [Operation(operationType: "convolution", parameterSpecs: Operation.ParameterSpecs(parameters: [nasParam("k", .int, min: "5", max: "3")]))], "greater than max"),
    ])
    func operationsAreValidated(_ label: String, _ operations: [Operation], _ fragment: String) {
        for algorithm in ["enas", "darts"] {
            expectInvalid(nasExperiment(algorithm, operations: operations), mentions: fragment)
        }
    }

    @Test func graphConfigIsValidated() {
        expectInvalid(nasExperiment("enas", layers: 0, operations: enasOperations), mentions: "NumLayers")
        expectInvalid(nasExperiment("enas", inputs: [], operations: enasOperations), mentions: "InputSizes")
        expectInvalid(nasExperiment("enas", outputs: [], operations: enasOperations), mentions: "OutputSizes")
        expectInvalid(nasExperiment("enas", operations: []), mentions: "operations is empty")
        var noConfig = nasExperiment("enas", operations: enasOperations)
        noConfig.spec?.nasConfig = nil
        expectInvalid(noConfig, mentions: "nas_config")
    }

    @Test func doubleOperationParametersExpandOnTheirStep() throws {
        let ops = [Operation(operationType: "dropout", parameterSpecs: Operation.ParameterSpecs(parameters: [nasParam("p", .double, min: "0.1", max: "0.3", step: "0.1")]))]
        let reply = try AlgorithmService().suggestions(request(nasExperiment("enas", layers: 1, operations: ops), count: 3))
        let config = try parseKatib(reply.parameterAssignments[0].assignments[1].value)
        let embedding = try #require(config["embedding"])
        guard case .object(let members) = embedding else { Issue.record("embedding"); return }
        for (_, op) in members {
            let p = try #require(op["opt_params"]?["p"])
            #expect([JSONValue.number("0.1"), .number("0.2"), .number("0.30000000000000004"), .number("0.3")].contains(p))
        }
    }
}

@Suite struct ENASTests {
    static func config(_ hidden: Int = 3, ops: Int = 3, layers: Int = 3) -> ENASController.Configuration {
        .init(hidden: hidden, operations: ops, layers: layers, temperature: 5, tanhConstant: 2.25, entropyWeight: 1e-5,
              baselineDecay: 0.999, learningRate: 5e-5, skipTarget: 0.4, skipWeight: 0.8)
    }

    /// Every partial derivative of A·(−log π) + w_skip·mean KL against a central difference.
    @Test func gradientMatchesFiniteDifferences() {
        var rng = SeededRandom(seed: 5)
        var controller = ENASController(Self.config(), &rng)
        // Larger weights than the initialiser's, so every path carries signal.
        controller.theta = controller.theta.map { $0 * 40 }
        let arc = ENASController.Architecture(operations: [2, 0, 1], skips: [[], [1], [0, 1]])
        let A = 0.7
        func loss(_ c: ENASController) -> Double {
            let tape = c.forward { l, j, _ in j.map { arc.skips[l][$0] } ?? arc.operations[l] }
            return A * tape.negLogProb + 0.8 * tape.meanKL
        }
        let tape = controller.forward { l, j, _ in j.map { arc.skips[l][$0] } ?? arc.operations[l] }
        let analytic = controller.gradient(tape, advantage: A)
        var worst = 0.0
        for k in 0..<controller.theta.count {
            var up = controller, down = controller
            up.theta[k] += 1e-6
            down.theta[k] -= 1e-6
            let numeric = (loss(up) - loss(down)) / 2e-6
            worst = max(worst, abs(numeric - analytic[k]) / max(1e-4, abs(numeric) + abs(analytic[k])))
        }
        #expect(worst < 1e-5, "largest relative error \(worst)")
    }

    @Test func reinforceRaisesTheProbabilityOfTheRewardedOperation() {
        var rng = SeededRandom(seed: 9)
        var config = Self.config(8, ops: 4, layers: 2)
        config.learningRate = 0.05
        var controller = ENASController(config, &rng)
        let probe = ENASController.Architecture(operations: [0, 0], skips: [[], [0]])
        let before = controller.operationProbabilities(layer: 0, following: probe)[2]
        for _ in 0..<150 {
            let arc = controller.sample(&rng)
            _ = controller.train(on: arc, reward: arc.operations[0] == 2 ? 1 : 0)
        }
        let after = controller.operationProbabilities(layer: 0, following: probe)[2]
        #expect(after > before + 0.2, "p(op 2) \(before) → \(after)")
    }

    /// Over five seeds (one seed's twelve calls are too few to rule out bad luck): the rewarded
    /// operation's share grows from the first three calls to the last three, and ends above chance.
    @Test func learnsOverCallsThroughTheService() throws {
        var firstShare = 0.0, lastShare = 0.0
        let seeds = 1...5
        for seed in seeds {
            let exp = nasExperiment("enas", settings: [("controller_learning_rate", "0.05"), ("controller_hidden_size", "16"),
                                                       ("controller_train_steps", "20"), ("random_state", "\(seed)")],
                                    layers: 2, operations: enasOperations)
            var trials: [Trial] = []
            for call in 0..<12 {
                let reply = try AlgorithmService().suggestions(request(exp, trials: trials, count: 8))
                var hits = 0
                for (i, pa) in reply.parameterAssignments.enumerated() {
                    let arc = try #require(ENASAlgorithm.parseArchitecture(pa.assignments[0].value))
                    // Reward: layer 0 uses operation 4 (reduction, max_pooling).
                    let good = arc.operations[0] == 4
                    if good { hits += 1 }
                    trials.append(Trial(name: "t\(call)-\(i)", spec: TrialSpec(parameterAssignments: TrialSpec.ParameterAssignments(assignments: pa.assignments)),
                                        status: TrialStatus(condition: .succeeded, observation: Observation(metrics: [Metric(name: "Validation-Accuracy", value: good ? "0.9" : "0.1")]))))
                }
                if call < 3 { firstShare += Double(hits) / Double(24 * seeds.count) }
                if call >= 9 { lastShare += Double(hits) / Double(24 * seeds.count) }
            }
        }
        // 6 operations: chance is 1/6.
        #expect(lastShare > firstShare, "share of the rewarded operation: first three calls \(firstShare), last three \(lastShare)")
        #expect(lastShare >= 2.0 / 6, "last three calls \(lastShare)")
    }

    @Test func formatIsWhatTheTrialImageParses() throws {
        let exp = nasExperiment("enas", layers: 3, operations: enasOperations)
        let reply = try AlgorithmService().suggestions(request(exp, count: 4))
        #expect(reply.parameterAssignments.count == 4)
        #expect(pairs(reply) == pairs(try AlgorithmService().suggestions(request(exp, count: 4))), "deterministic")
        for pa in reply.parameterAssignments {
            #expect(pa.assignments.map(\.name) == ["architecture", "nn_config"])
            let arc = try #require(ENASAlgorithm.parseArchitecture(pa.assignments[0].value))
            #expect(arc.operations.count == 3 && arc.skips.map(\.count) == [0, 1, 2])
            #expect(pa.assignments[0].value.hasPrefix("[[") && !pa.assignments[0].value.contains("\""))
            let config = try parseKatib(pa.assignments[1].value)
            #expect(config["num_layers"] == .number("3"))
            #expect(config["input_sizes"] == .array([.number("32"), .number("32"), .number("3")]))
            for op in arc.operations {
                let entry = try #require(config["embedding"]?[String(op)])
                #expect(entry["opt_id"] == .number(String(op)))
                // Operation ids: convolution × filter_size {3, 5} × stride {1, 2} = 0…3, reduction = 4, 5.
                #expect(entry["opt_type"] == .string(op < 4 ? "convolution" : "reduction"))
                if op < 4 {
                    #expect(entry["opt_params"]?["filter_size"] == .string(op < 2 ? "3" : "5"))
                    #expect(entry["opt_params"]?["stride"] == .number(op % 2 == 0 ? "1" : "2"))
                }
            }
        }
    }

    @Test(arguments: [
        ([("controller_hidden_size", "0")], "controller_hidden_size"), ([("controller_temperature", "0")], "controller_temperature"),
        ([("controller_baseline_decay", "1.5")], "controller_baseline_decay"), ([("controller_learning_rate", "abc")], "controller_learning_rate"),
        ([("controller_train_steps", "0")], "controller_train_steps"), ([("controller_lr", "1")], "Unknown Algorithm Setting name: controller_lr"),
    ])
    func invalidSettings(_ settings: [(String, String)], _ fragment: String) {
        expectInvalid(nasExperiment("enas", settings: settings, operations: enasOperations), mentions: fragment)
    }

    @Test func noneIsAcceptedWhereKatibAcceptsIt() throws {
        let exp = nasExperiment("enas", settings: [("controller_temperature", "None"), ("controller_tanh_const", "None"),
                                                   ("controller_entropy_weight", "None"), ("controller_skip_weight", "None")], operations: enasOperations)
        #expect(try AlgorithmService().suggestions(request(exp, count: 2)).parameterAssignments.count == 2)
        expectInvalid(nasExperiment("enas", settings: [("controller_learning_rate", "None")], operations: enasOperations), mentions: "controller_learning_rate")
    }
}

@Suite struct ENASLimitsTests {
    @Test func oversizedControllersAreRefused() {
        let many = [Operation(operationType: "convolution", parameterSpecs: Operation.ParameterSpecs(parameters: [
            nasParam("filters", .int, min: "1", max: "5000"), nasParam("stride", .categorical, list: ["1", "2"])]))]
        expectInvalid(nasExperiment("enas", settings: [("controller_hidden_size", "512")], operations: many), mentions: "parameters")
        expectInvalid(nasExperiment("enas", layers: 65, operations: enasOperations), mentions: "at most 64 layers")
    }
}

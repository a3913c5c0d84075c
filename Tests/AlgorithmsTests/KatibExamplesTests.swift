// The hyperparameter examples of Katib's examples/v1beta1 (their algorithm, settings, parameters,
// parallelTrialCount and maxTrialCount, as Katib's controller converts them), each run to
// maxTrialCount through the controller simulation: validation, exact counts, failures, vanished
// trials, a fresh server for every call. hyperband.yaml and bayesian-optimization.yaml (with every
// base_estimator) have their own tests beside their algorithms.
import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct KatibExamplesTests {
    struct Example: Sendable, CustomStringConvertible {
        let file: String
        let algorithm: String
        let settings: [(String, String)]
        let params: [ParameterSpec]
        let objective: ObjectiveType
        let parallel: Int
        let maxTrials: Int
        var description: String { file }
    }

    static let lrMomentum = [param("lr", .double, "0.01", "0.05"), param("momentum", .double, "0.5", "0.9")]
    static let examples: [Example] = [
        Example(file: "hp-tuning/random.yaml", algorithm: "random", settings: [], params: lrMomentum, objective: .minimize, parallel: 3, maxTrials: 12),
        Example(file: "hp-tuning/tpe.yaml", algorithm: "tpe", settings: [], params: lrMomentum, objective: .minimize, parallel: 3, maxTrials: 12),
        Example(file: "hp-tuning/multivariate-tpe.yaml", algorithm: "multivariate-tpe", settings: [], params: lrMomentum, objective: .minimize, parallel: 3, maxTrials: 12),
        Example(file: "hp-tuning/sobol.yaml", algorithm: "sobol", settings: [], params: lrMomentum, objective: .minimize, parallel: 3, maxTrials: 12),
        Example(file: "hp-tuning/cma-es.yaml", algorithm: "cmaes", settings: [("restart_strategy", "ipop")], params: lrMomentum,
                objective: .minimize, parallel: 3, maxTrials: 12),
        Example(file: "hp-tuning/grid.yaml", algorithm: "grid", settings: [],
                params: [param("lr", .double, "0.01", "0.05", step: "0.005"), param("momentum", .double, "0.5", "0.9", step: "0.1")],
                objective: .minimize, parallel: 3, maxTrials: 12),
        Example(file: "hp-tuning/hyperopt-distribution.yaml", algorithm: "random", settings: [],
                params: [param("lr", .double, "0.01", "0.05", step: "0.01", dist: .normal),
                         param("momentum", .double, "0.001", "1", dist: .uniform),
                         param("epochs", .int, "1", "3", dist: .logUniform),
                         param("batch_size", .int, "32", "64", dist: .logNormal)],
                objective: .minimize, parallel: 3, maxTrials: 12),
        Example(file: "hp-tuning/optuna-distribution.yaml", algorithm: "tpe", settings: [],
                params: [param("lr", .double, "1", "5", step: "0.1", dist: .uniform),
                         param("momentum", .double, "0.001", "3", dist: .logUniform),
                         param("epochs", .int, "1", "3", dist: .uniform),
                         param("batch_size", .int, "32", "64", dist: .logUniform)],
                objective: .minimize, parallel: 3, maxTrials: 12),
        Example(file: "hp-tuning/simple-pbt.yaml", algorithm: "pbt",
                settings: [("suggestion_trial_dir", "/var/log/katib/checkpoints/"), ("n_population", "40"), ("truncation_threshold", "0.2")],
                params: [param("lr", .double, "0.0001", "0.02", step: "0.0001")], objective: .maximize, parallel: 2, maxTrials: 2),
        Example(file: "early-stopping/median-stop.yaml", algorithm: "random", settings: [], params: lrMomentum,
                objective: .minimize, parallel: 2, maxTrials: 15),
    ]

    @Test(arguments: examples)
    func runsToMaxTrialCountAsOnKatib(_ example: Example) throws {
        let exp = experiment(example.params, algorithm: example.algorithm, settings: example.settings,
                             objective: example.objective, maxTrials: Int32(example.maxTrials), parallel: Int32(example.parallel))
        #expect(rpcError { () throws(RPCError) in try AlgorithmService().validate(exp) } == nil, "\(example.file) validates")
        var sim = SimulatedKatib(params: example.params, algorithm: example.algorithm, settings: example.settings,
                                 parallel: example.parallel, maxTrials: example.maxTrials) { a, _ in
            a.values.compactMap { Double($0) }.reduce(0, +)
        }
        sim.objective = example.objective
        try sim.run()
        #expect(sim.finished >= example.maxTrials, "\(example.file)")
    }

    /// nas/enas-cpu.yaml (parallel 2, max 3, one layer) and nas/darts-cpu.yaml (parallel 1, max 1),
    /// driven as the controller drives them: ask for the free slots, report the metric, repeat.
    @Test(arguments: ["enas", "darts"])
    func nasExamplesRunToMaxTrialCount(_ algorithm: String) throws {
        let categorical = { (name: String, values: [String]) in nasParam(name, .categorical, list: values) }
        let operations = algorithm == "enas" ? [
            Operation(operationType: "convolution", parameterSpecs: Operation.ParameterSpecs(parameters: [
                categorical("filter_size", ["3", "5", "7"]), categorical("num_filter", ["32", "48", "64", "96", "128"]),
                categorical("stride", ["1", "2"])])),
            Operation(operationType: "separable_convolution", parameterSpecs: Operation.ParameterSpecs(parameters: [
                categorical("filter_size", ["3", "5", "7"]), categorical("num_filter", ["32", "48", "64", "96", "128"]),
                categorical("stride", ["1", "2"]), categorical("depth_multiplier", ["1", "2"])])),
            Operation(operationType: "reduction", parameterSpecs: Operation.ParameterSpecs(parameters: [
                categorical("reduction_type", ["max_pooling", "avg_pooling"]), categorical("pool_size", ["2"])])),
        ] : [Operation(operationType: "max_pooling", parameterSpecs: Operation.ParameterSpecs(parameters: [categorical("filter_size", ["3"])]))]
        let settings: [(String, String)] = algorithm == "darts"
            ? [("num_epochs", "1"), ("num_nodes", "1"), ("init_channels", "1"), ("stem_multiplier", "1")] : []
        var exp = nasExperiment(algorithm, settings: settings, layers: 1, operations: operations)
        let (parallel, maxTrials) = algorithm == "enas" ? (2, 3) : (1, 1)
        exp.spec?.parallelTrialCount = Int32(parallel)
        exp.spec?.maxTrialCount = Int32(maxTrials)
        #expect(rpcError { () throws(RPCError) in try AlgorithmService().validate(exp) } == nil)
        var trials: [Trial] = []
        while trials.count < maxTrials {
            let k = Swift.min(parallel, maxTrials - trials.count)
            let reply = try AlgorithmService().suggestions(request(exp, trials: trials, count: Int32(k)))
            #expect(reply.parameterAssignments.count == k)
            for pa in reply.parameterAssignments {
                trials.append(trial("nas-\(trials.count)", pa.assignments, metric: "Validation-Accuracy", value: "0.\(trials.count + 5)"))
            }
        }
        #expect(trials.count == maxTrials)
    }
}

// Request builders shaped like Katib's controller builds them, and small assertion helpers.
import Testing
import SuggestionAPI
@testable import Algorithms

func param(_ name: String, _ type: ParameterType, _ min: String = "", _ max: String = "", step: String = "",
           list: [String] = [], dist: Distribution = .uniform) -> ParameterSpec {
    ParameterSpec(name: name, parameterType: type,
                  feasibleSpace: FeasibleSpace(max: max, min: min, list: list, step: step, distribution: dist))
}

func experiment(_ params: [ParameterSpec], algorithm: String = "random", settings: [(String, String)] = [],
                name: String = "exp", objective: ObjectiveType = .maximize, metric: String = "accuracy",
                maxTrials: Int32 = 0, parallel: Int32 = 3) -> Experiment {
    Experiment(name: name, spec: ExperimentSpec(
        parameterSpecs: ExperimentSpec.ParameterSpecs(parameters: params),
        objective: ObjectiveSpec(type: objective, objectiveMetricName: metric),
        algorithm: AlgorithmSpec(algorithmName: algorithm,
                                 algorithmSettings: settings.map { AlgorithmSetting(name: $0.0, value: $0.1) }),
        parallelTrialCount: parallel, maxTrialCount: maxTrials))
}

func trial(_ name: String, _ assignments: [(String, String)], _ condition: TrialStatus.TrialConditionType = .succeeded,
           metric: String = "accuracy", value: String? = nil) -> Trial {
    Trial(name: name,
          spec: TrialSpec(parameterAssignments: TrialSpec.ParameterAssignments(
            assignments: assignments.map { ParameterAssignment(name: $0.0, value: $0.1) })),
          status: TrialStatus(condition: condition,
                              observation: Observation(metrics: value.map { [Metric(name: metric, value: $0)] } ?? [])))
}

func trial(_ name: String, _ assignments: [ParameterAssignment], _ condition: TrialStatus.TrialConditionType = .succeeded,
           metric: String = "accuracy", value: String? = nil) -> Trial {
    trial(name, assignments.map { ($0.name, $0.value) }, condition, metric: metric, value: value)
}

func request(_ experiment: Experiment, trials: [Trial] = [], count: Int32 = 1, total: Int32? = nil) -> GetSuggestionsRequest {
    GetSuggestionsRequest(experiment: experiment, trials: trials, currentRequestNumber: count,
                          totalRequestNumber: total ?? (Int32(trials.count) + count))
}

/// The assignments of a reply as (name, value) lists.
func pairs(_ reply: GetSuggestionsReply) -> [[String]] {
    reply.parameterAssignments.map { $0.assignments.map { "\($0.name)=\($0.value)" } }
}

/// The error a throwing body raised, nil when it returned normally.
func rpcError<T>(_ body: () throws(RPCError) -> T) -> RPCError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// Expects INVALID_ARGUMENT from both RPCs whose message contains `needle`.
func expectInvalid(_ exp: Experiment, mentions needle: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let service = AlgorithmService()
    let v = rpcError { () throws(RPCError) in try service.validate(exp) }
    #expect(v?.code == .invalidArgument, "validate: \(String(describing: v))", sourceLocation: sourceLocation)
    #expect(v?.message.contains(needle) == true, "validate message \(v?.message ?? "nil") lacks \(needle)",
            sourceLocation: sourceLocation)
    let g = rpcError { () throws(RPCError) in try service.suggestions(request(exp)) }
    #expect(g?.code == .invalidArgument, "getSuggestions: \(String(describing: g))", sourceLocation: sourceLocation)
    #expect(g?.message.contains(needle) == true, "getSuggestions message \(g?.message ?? "nil") lacks \(needle)",
            sourceLocation: sourceLocation)
}

func space(_ params: [ParameterSpec]) throws -> SearchSpace {
    try SearchSpace.parse(params)
}

/// |a − b| <= tolerance · max(1, |a|, |b|).
func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
    abs(a - b) <= tolerance * Swift.max(1, abs(a), abs(b))
}

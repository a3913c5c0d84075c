import SuggestionAPI

/// An algorithm: parameter samplers and NAS algorithms alike. Implementations are stateless values:
/// everything they may use arrives in the `SamplerContext`, and any state that must survive until the
/// next call goes back in `SamplerOutput.state` (Katib merges it into the next request's settings) or
/// in trial names. Adding one = one file (or folder) plus one line in `AlgorithmRegistry`.
///
/// Contract (checked by the conformance suite, `Tests/AlgorithmsTests/ConformanceTests.swift`):
/// - `suggest` returns exactly `context.requestCount` suggestions, each a valid point of
///   `context.space` (`SearchSpace.isValid`), or throws;
/// - a batch has no duplicates, nor points of pending trials, while the space has enough free points;
/// - the output depends only on the context: randomness from `SeededRandom(seed: context.seed)` (per
///   call) or `context.experimentSeed(purpose:)` (the same on every call of the experiment).
public protocol Sampler: Sendable {
    /// What `validate` works out that `suggest` needs again (the grid's cell counts, a Hyperband
    /// schedule, a NAS search space): computed once per call. `Void` for most samplers.
    associatedtype Plan: Sendable = Void
    /// The `algorithm_name` this sampler answers to.
    var name: String { get }
    /// The settings it accepts (`random_state` should be among them for Katib compatibility).
    var settingsSchema: SettingsSchema { get }
    /// What it reads from the experiment: parameter specs (default) or nas_config.
    var input: AlgorithmInput { get }
    /// Set when a new trial must start from its parent's checkpoint (pbt): the server then prepares
    /// checkpoint directories after each reply. nil (default) for every other algorithm.
    var checkpointInheritance: CheckpointInheritance? { get }
    /// True when `suggest` over an empty history only draws points (no model fitted, no matrix
    /// factored), so it costs microseconds per point and such a call may be answered on the
    /// server's event loop (`AlgorithmService.suggestionsIfCheap`). False (default) otherwise.
    var isCheapWithoutHistory: Bool { get }
    /// Checks what the generic validation cannot (e.g. grid: every DOUBLE has a step, max_trial_count
    /// fits the grid) and returns the plan. Called by both RPCs after the search space and settings are
    /// parsed. Throws `INVALID_ARGUMENT` naming the parameter or setting.
    func validate(_ problem: SearchProblem) throws(RPCError) -> Plan
    /// Suggests `context.requestCount` points, with the plan `validate` returned for this problem.
    func suggest(_ context: SamplerContext, plan: Plan) throws(RPCError) -> SamplerOutput
}

extension Sampler {
    public var input: AlgorithmInput { .parameters }
    public var checkpointInheritance: CheckpointInheritance? { nil }
    public var isCheapWithoutHistory: Bool { false }
}

extension Sampler where Plan == Void {
    public func validate(_ problem: SearchProblem) throws(RPCError) {}
}

/// Where an algorithm's search space comes from.
public enum AlgorithmInput: Sendable, Hashable {
    /// `spec.parameter_specs` (`SearchProblem.space`).
    case parameters
    /// `spec.nas_config` (`SearchProblem.nas`; `space` is empty and the suggestions carry their
    /// assignments in `Suggestion.assignments`). `requiresGraphSizes`: input_sizes and output_sizes
    /// must be given; `allowsParameterlessSkipConnection`: an operation `skip_connection` may have no
    /// parameters (darts). `readsAssignments`: the trial assignments kept in `TrialRecord.kept`.
    case nasConfig(requiresGraphSizes: Bool, allowsParameterlessSkipConnection: Bool, readsAssignments: Set<String>)
}

/// pbt's checkpoint contract: a new trial's checkpoint directory starts as a copy of the directory of
/// the trial named by the label `parentLabel` (see the server's checkpoint service).
public struct CheckpointInheritance: Sendable, Hashable {
    public let parentLabel: String
}

/// The experiment as the samplers see it: validated and typed.
public struct SearchProblem: Sendable {
    public var experimentName: String
    public var algorithmName: String
    public var space: SearchSpace
    public var settings: Settings
    public var objective: Objective
    /// The validated nas_config, for algorithms whose `input` is `.nasConfig`; nil otherwise.
    public var nas: NASSpace?
    /// 0 when the user set no limit.
    public var maxTrialCount: Int
    public var parallelTrialCount: Int
    /// The validated `points_to_evaluate` (`WarmStart`), empty when not given; `AlgorithmService`
    /// hands them out before calling the sampler.
    public var warmStart: [Point] = []
    /// The validated `objectives` (`Objectives`), empty for a single-objective experiment.
    public var objectives: [Objective] = []

    public init(experimentName: String, algorithmName: String, space: SearchSpace, settings: Settings = Settings(),
                objective: Objective = Objective(metricName: "", direction: .minimize),
                maxTrialCount: Int = 0, parallelTrialCount: Int = 0, nas: NASSpace? = nil) {
        self.experimentName = experimentName
        self.nas = nas
        self.algorithmName = algorithmName
        self.space = space
        self.settings = settings
        self.objective = objective
        self.maxTrialCount = maxTrialCount
        self.parallelTrialCount = parallelTrialCount
    }
}

/// Everything one `suggest` call may use.
public struct SamplerContext: Sendable {
    public var problem: SearchProblem
    /// Every trial of the request, pending ones included.
    public var history: TrialHistory
    /// The number of suggestions to return (`current_request_number`), 1 ... `AlgorithmService.maxRequestCount`.
    public var requestCount: Int
    /// `total_request_number` (assignments requested over the experiment's life so far).
    public var totalRequestNumber: Int
    /// The seed for `SeededRandom` (`SeedDerivation`).
    public var seed: UInt64

    public init(problem: SearchProblem, history: TrialHistory, requestCount: Int, totalRequestNumber: Int = 0,
                seed: UInt64) {
        self.problem = problem
        self.history = history
        self.requestCount = requestCount
        self.totalRequestNumber = totalRequestNumber
        self.seed = seed
    }

    public var space: SearchSpace { problem.space }
    public var settings: Settings { problem.settings }

    /// A seed that is the same on every call of the experiment (state rebuilt from trial names, a
    /// fixed scramble): `SeedDerivation.experimentSeed` for this problem and `purpose`.
    public func experimentSeed(purpose: String) -> UInt64 {
        SeedDerivation.experimentSeed(algorithmName: problem.algorithmName, experimentName: problem.experimentName,
                                      randomState: problem.settings.randomState, purpose: purpose)
    }
}

/// One suggested point, with the optional trial name and labels Katib applies to the Trial it creates.
public struct Suggestion: Sendable, Hashable {
    public var point: Point
    /// Empty: Katib names the trial itself. A name comes back as `Trial.name` in later requests.
    public var trialName: String
    /// Copied into the Trial's metadata labels; they do not come back in later requests.
    public var labels: [String: String]
    /// Assignments outside the search space's parameters, written after the point's: the texts NAS
    /// algorithms hand their trial images (`architecture`, `nn_config`, …). Empty for samplers.
    public var assignments: [ParameterAssignment]

    public init(point: Point, trialName: String = "", labels: [String: String] = [:], assignments: [ParameterAssignment] = []) {
        self.point = point
        self.trialName = trialName
        self.labels = labels
        self.assignments = assignments
    }
}

/// What `suggest` returns.
public struct SamplerOutput: Sendable {
    public var suggestions: [Suggestion]
    /// Settings to send back in `reply.algorithm` (empty: no `algorithm` in the reply). Katib upserts
    /// them by name into the settings of every later request.
    public var state: [AlgorithmSetting]

    public init(suggestions: [Suggestion], state: [AlgorithmSetting] = []) {
        self.suggestions = suggestions
        self.state = state
    }

    public init(points: [Point], state: [AlgorithmSetting] = []) {
        self.init(suggestions: points.map { Suggestion(point: $0) }, state: state)
    }
}

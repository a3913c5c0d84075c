import SuggestionAPI

/// An algorithm that suggests points. Implementations are stateless values: everything they may use
/// arrives in the `SamplerContext`, and any state that must survive until the next call goes back in
/// `SamplerOutput.state` (Katib merges it into the next request's settings) or in trial names.
///
/// Contract (checked by the conformance suite, `Tests/AlgorithmsTests/ConformanceTests.swift`):
/// - `suggest` returns exactly `context.requestCount` suggestions, each a valid point of
///   `context.space` (`SearchSpace.isValid`), or throws;
/// - a batch has no duplicates, nor points of pending trials, while the space has enough free points;
/// - the output depends only on the context (all randomness from `SeededRandom(seed: context.seed)`).
public protocol Sampler: Sendable {
    /// The `algorithm_name` this sampler answers to.
    var name: String { get }
    /// The settings it accepts (`random_state` should be among them for Katib compatibility).
    var settingsSchema: SettingsSchema { get }
    /// Checks what the generic validation cannot (e.g. grid: every DOUBLE has a step, max_trial_count
    /// fits the grid). Called by both RPCs after the search space and settings are parsed.
    /// Throws `INVALID_ARGUMENT` naming the parameter or setting.
    func validate(_ problem: SearchProblem) throws(RPCError)
    /// Suggests `context.requestCount` points.
    func suggest(_ context: SamplerContext) throws(RPCError) -> SamplerOutput
}

extension Sampler {
    public func validate(_ problem: SearchProblem) throws(RPCError) {}
}

/// The experiment as the samplers see it: validated and typed.
public struct SearchProblem: Sendable {
    public var experimentName: String
    public var algorithmName: String
    public var space: SearchSpace
    public var settings: Settings
    public var objective: Objective
    /// 0 when the user set no limit.
    public var maxTrialCount: Int
    public var parallelTrialCount: Int

    public init(experimentName: String, algorithmName: String, space: SearchSpace, settings: Settings = Settings(),
                objective: Objective = Objective(metricName: "", direction: .minimize),
                maxTrialCount: Int = 0, parallelTrialCount: Int = 0) {
        self.experimentName = experimentName
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
}

/// One suggested point, with the optional trial name and labels Katib applies to the Trial it creates.
public struct Suggestion: Sendable, Hashable {
    public var point: Point
    /// Empty: Katib names the trial itself. A name comes back as `Trial.name` in later requests.
    public var trialName: String
    /// Copied into the Trial's metadata labels; they do not come back in later requests.
    public var labels: [String: String]

    public init(point: Point, trialName: String = "", labels: [String: String] = [:]) {
        self.point = point
        self.trialName = trialName
        self.labels = labels
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

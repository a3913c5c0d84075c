import SuggestionAPI

/// The Suggestion service over the registered samplers: dispatches on `algorithm_name`, validates the
/// whole request, derives the seed, and turns points into Katib's assignment strings. Stateless.
///
/// Both RPCs validate, in this order, each failure being INVALID_ARGUMENT: experiment and spec present;
/// algorithm name known and served; setting values (`SettingsSchema.parse`); the search space
/// (`SearchSpace.parse`, or nas_config for NAS algorithms); `conditions` (`Conditions`, refused by
/// algorithms that do not list the setting); required settings; `points_to_evaluate`
/// against the space (`WarmStart`); max_trial_count and
/// parallel_trial_count >= 0; the sampler's own checks (`Sampler.validate`, whose plan GetSuggestions
/// hands to `suggest`).
/// GetSuggestions then checks 1 <= current_request_number <= `maxRequestCount` and returns exactly that
/// many assignments, in experiment parameter order, or an error (never a short reply: Katib's controller
/// rejects it and retries forever).
public struct AlgorithmService: SuggestionService {
    /// Largest `current_request_number` served in one call; Katib asks for at most parallel_trial_count.
    public static let maxRequestCount = 10_000

    /// Every algorithm this build implements, sorted (for `--help` and the health service).
    public static var registeredAlgorithmNames: [String] { AlgorithmRegistry.names }

    /// The algorithms this instance serves, sorted.
    public let servedAlgorithmNames: [String]

    /// - Parameter enabledAlgorithms: the algorithms to serve; nil serves every registered one. Names
    ///   that are not registered are dropped (the executable checks them against
    ///   `registeredAlgorithmNames` before starting).
    public init(enabledAlgorithms: Set<String>? = nil) {
        let all = AlgorithmRegistry.names
        servedAlgorithmNames = enabledAlgorithms.map { set in all.filter(set.contains) } ?? all
    }

    public func getSuggestions(_ request: SuggestionsRequest) async throws(RPCError) -> GetSuggestionsReply {
        try suggestions(request)
    }

    public func validateAlgorithmSettings(_ request: ValidateAlgorithmSettingsRequest) async throws(RPCError)
        -> ValidateAlgorithmSettingsReply {
        try validate(request.experiment)
        return ValidateAlgorithmSettingsReply()
    }

    /// The body of ValidateAlgorithmSettings: every check GetSuggestions makes before suggesting.
    public func validate(_ experiment: Experiment?) throws(RPCError) {
        _ = try resolve(experiment)
    }

    /// The synchronous body of GetSuggestions (CPU-bound; the transport runs it off its event loops).
    public func suggestions(_ request: SuggestionsRequest) throws(RPCError) -> GetSuggestionsReply {
        let (sampler, problem) = try resolveProblem(request.experiment)
        return try Self.run(sampler, problem, request)
    }

    /// Answers at once a call that costs microseconds: no trials yet, an algorithm whose first
    /// points are mere draws (`Sampler.isCheapWithoutHistory`, no checkpoints to prepare), at most
    /// `maxInlineCount` points and `maxInlineValues` values to draw, and a space with room for them:
    /// continuous, or finite without conditions and at least `inlineRoomFactor` times as many points
    /// as requested (in a nearly exhausted space the samplers search for distinct points, which can
    /// take seconds for thousands of points). A request that fails validation gets its error here as well (validating a request
    /// small enough to be tried inline is cheap). Nil for every other call.
    public func suggestionsIfCheap(_ request: SuggestionsRequest) -> Result<GetSuggestionsReply, RPCError>? {
        guard request.trials.count == 0 else { return nil }
        let count = Int(request.currentRequestNumber)
        do throws(RPCError) {
            let (sampler, problem) = try resolveProblem(request.experiment)
            let space = problem.space
            // count <= maxInlineCount first, so that the products cannot overflow.
            guard sampler.isCheapWithoutHistory, sampler.checkpointInheritance == nil,
                  count >= 1, count <= Self.maxInlineCount,
                  count * max(1, space.parameters.count) <= Self.maxInlineValues
            else { return nil }
            if let finite = space.finiteCounts?.total,
               !space.conditions.isEmpty || finite / Self.inlineRoomFactor < count { return nil }
            return .success(try Self.run(sampler, problem, request))
        } catch {
            return .failure(error)
        }
    }

    /// The most points `suggestionsIfCheap` draws in one call (Katib asks for parallelTrialCount).
    public static let maxInlineCount = 64
    /// The most values (requested points × parameters) `suggestionsIfCheap` draws in one call.
    public static let maxInlineValues = 1024
    /// A finite space answered inline holds at least this many times the requested points.
    public static let inlineRoomFactor = 8

    /// The same for a generated request value (the local runner, tests).
    public func suggestions(_ request: GetSuggestionsRequest) throws(RPCError) -> GetSuggestionsReply {
        try suggestions(SuggestionsRequest(request))
    }

    /// Validates (computing the sampler's plan), derives the seed, suggests, checks and formats.
    /// Generic so that the sampler's `Plan` type is known; called with the registry's `any Sampler`.
    static func run<S: Sampler>(_ sampler: S, _ problem: SearchProblem, _ request: SuggestionsRequest) throws(RPCError)
        -> GetSuggestionsReply {
        let plan = try sampler.validate(problem)
        let count = Int(request.currentRequestNumber)
        try checkCount(count)
        var kept: Set<String> = []
        if case .nasConfig(_, _, let names) = sampler.input { kept = names }
        let history = TrialHistory(table: request.trials, space: problem.space, objective: problem.objective, keeping: kept,
                                   objectives: problem.objectives)
        let seed = SeedDerivation.seed(
            algorithmName: problem.algorithmName, experimentName: problem.experimentName,
            randomState: problem.settings.randomState, history: history,
            currentRequestNumber: count, totalRequestNumber: Int(request.totalRequestNumber))
        // Warm-start points not tried yet come first; the sampler fills the rest of the batch.
        let warm = Array(WarmStart.remaining(problem.warmStart, history: history).prefix(count))
        var output = SamplerOutput(points: warm)
        if warm.count < count {
            let context = SamplerContext(problem: problem, history: warm.isEmpty ? history : history.adding(pending: warm),
                                         requestCount: count - warm.count,
                                         totalRequestNumber: Int(request.totalRequestNumber), seed: seed)
            try Cancellation.check()
            let sampled = try sampler.suggest(context, plan: plan)
            guard sampled.suggestions.count == context.requestCount else {
                throw RPCError(.internalError, "algorithm \(problem.algorithmName) returned \(sampled.suggestions.count) suggestions instead of \(context.requestCount)")
            }
            output.suggestions += sampled.suggestions
            output.state = sampled.state
        }
        // A sampler bug must not bring the server down (formatting an invalid value would trap).
        for s in output.suggestions {
            guard s.point.count == problem.space.parameters.count else {
                throw RPCError(.internalError, "algorithm \(problem.algorithmName) returned a point with \(s.point.count) values for \(problem.space.parameters.count) parameters")
            }
            for (j, v) in s.point.enumerated() where !problem.space.isValid(v, forParameter: j) {
                throw RPCError(.internalError, "algorithm \(problem.algorithmName) returned the invalid value \(v) for parameter \(problem.space.parameters[j].name)")
            }
            guard problem.space.isCanonical(s.point) else {
                throw RPCError(.internalError, "algorithm \(problem.algorithmName) returned a value for an inactive parameter instead of its placeholder")
            }
        }
        let assignments = output.suggestions.map { s in
            GetSuggestionsReply.ParameterAssignments(assignments: problem.space.format(s.point) + s.assignments,
                                                     trialName: s.trialName, labels: s.labels)
        }
        let algorithm = output.state.isEmpty
            ? nil : AlgorithmSpec(algorithmName: problem.algorithmName, algorithmSettings: output.state)
        return GetSuggestionsReply(parameterAssignments: assignments, algorithm: algorithm)
    }

    static func checkCount(_ count: Int) throws(RPCError) {
        guard count >= 1 else {
            throw .invalidArgument("current_request_number is \(count); it must be at least 1")
        }
        guard count <= Self.maxRequestCount else {
            throw .invalidArgument("current_request_number \(count) exceeds the maximum of \(Self.maxRequestCount) suggestions per call")
        }
    }

    /// Kubernetes' limit on an object name (a DNS-1123 subdomain), which every Katib Experiment name
    /// meets (Katib's webhook allows 40 characters). Names become paths (pbt's checkpoint directories,
    /// where a component may have at most 255 bytes) and log fields, so longer ones are refused.
    public static let maxExperimentNameBytes = 253

    static func checkExperimentName(_ name: String) throws(RPCError) {
        guard name.utf8.count <= maxExperimentNameBytes else {
            throw .invalidArgument("experiment name has \(name.utf8.count) bytes; Kubernetes object names, and so Katib Experiment names, have at most \(maxExperimentNameBytes)")
        }
    }

    /// Validates an experiment, the sampler's own checks included, and returns its sampler and typed problem.
    public func resolve(_ experiment: Experiment?) throws(RPCError) -> (any Sampler, SearchProblem) {
        let (sampler, problem) = try resolveProblem(experiment)
        _ = try sampler.validate(problem)
        return (sampler, problem)
    }

    /// Settings that are capabilities: an algorithm whose schema does not list one is asked for
    /// something it cannot do, which the error says (instead of "unknown setting").
    static let capabilities: [(setting: String, refusal: String)] = [
        (Conditions.setting.name, "cannot honour conditions (its model or schedule has no notion of an inactive parameter)"),
        (Objectives.setting.name, "optimises one objective and cannot take objectives"),
    ]

    /// Every check but the sampler's own (`Sampler.validate`, which `run` makes once).
    func resolveProblem(_ experiment: Experiment?) throws(RPCError) -> (any Sampler, SearchProblem) {
        guard let experiment else { throw .invalidArgument("the request has no experiment") }
        try Self.checkExperimentName(experiment.name)
        guard let spec = experiment.spec else { throw .invalidArgument("experiment \(experiment.name) has no spec") }
        let algorithmName = spec.algorithm?.algorithmName ?? ""
        var served: String { "this server serves: " + servedAlgorithmNames.joined(separator: ", ") }   // errors only
        guard !algorithmName.isEmpty else {
            throw .invalidArgument("experiment \(experiment.name) names no algorithm (spec.algorithm.algorithm_name is empty); \(served)")
        }
        guard let sampler = AlgorithmRegistry.sampler(named: algorithmName) else {
            throw .invalidArgument("unknown algorithm name \(algorithmName); \(served)")
        }
        guard servedAlgorithmNames.contains(algorithmName) else {
            throw .invalidArgument("algorithm \(algorithmName) is not enabled on this server; \(served)")
        }
        let given = spec.algorithm?.algorithmSettings ?? []
        for (setting, refusal) in Self.capabilities
        where given.contains(where: { $0.name == setting && !$0.value.trimming().isEmpty })
            && !sampler.settingsSchema.specs.contains(where: { $0.name == setting }) {
            throw .invalidArgument("algorithm \(algorithmName) \(refusal); algorithms that do: "
                + AlgorithmRegistry.names(accepting: setting).joined(separator: ", "))
        }
        let settings = try sampler.settingsSchema.parse(given, checkingRequired: false)
        var space = SearchSpace(parameters: [])
        var nas: NASSpace? = nil
        switch sampler.input {
        case .parameters:
            space = try SearchSpace.parse(spec.parameterSpecs?.parameters ?? [])
        case .nasConfig(let requiresGraphSizes, let parameterlessSkip, _):
            nas = try NASValidation.parse(experiment, requireGraphSizes: requiresGraphSizes, parameterlessSkip: parameterlessSkip)
        }
        if let text = settings[Conditions.setting] {
            space = SearchSpace(parameters: space.parameters, conditions: try Conditions.parse(text, space: space))
        }
        try sampler.settingsSchema.checkRequired(settings)
        let warmStart = try settings[WarmStart.points].map { (text) throws(RPCError) in try WarmStart.parse(text, space: space) } ?? []
        guard spec.maxTrialCount >= 0 else {
            throw .invalidArgument("max_trial_count \(spec.maxTrialCount) is negative; it must be >= 0 (0 means no limit)")
        }
        guard spec.parallelTrialCount >= 0 else {
            throw .invalidArgument("parallel_trial_count \(spec.parallelTrialCount) is negative; it must be >= 0")
        }
        let objective = Objective(metricName: spec.objective?.objectiveMetricName ?? "",
                                  direction: ObjectiveDirection(spec.objective?.type ?? .unknown))
        var problem = SearchProblem(
            experimentName: experiment.name, algorithmName: algorithmName, space: space, settings: settings,
            objective: objective, maxTrialCount: Int(spec.maxTrialCount),
            parallelTrialCount: Int(spec.parallelTrialCount), nas: nas)
        problem.warmStart = warmStart
        problem.objectives = try settings[Objectives.setting].map { (text) throws(RPCError) in
            try Objectives.parse(text, objective: spec.objective)
        } ?? []
        return (sampler, problem)
    }
}

import SuggestionAPI

/// `hyperband`: Li et al. 2018 (see `HyperbandSchedule` for the schedule and `HyperbandEngine` for how
/// brackets fill Katib's slots); fresh configurations are drawn from the prior as `random` does.
///
/// Settings (Katib's names):
/// - `r_l` (required): maximum resource R > 0 per configuration, in units where the minimum is 1;
/// - `resource_name` (required): the INT or DOUBLE parameter that receives the resource (it may be
///   the only parameter). A rung resource R·η^(i−s) outside its feasible space is clamped into it
///   (Katib ignores the range and sends `str(int(r))`): with INT [1, 1] every rung trains with 1, a
///   valid if degenerate Hyperband; with INT [1, 5] and R = 9, η = 3 the rungs get 1, 3, 5;
/// - `eta`: reduction factor, a number > 1;
/// - `random_state`.
/// Katib's own state settings (`s_max`, `b_l`, `r`, `n`, `current_s`, `current_i`,
/// `evaluating_trials`), which its service writes back into the experiment, are accepted and
/// ignored, so an experiment started with Katib's service can switch to this one.
///
/// Differences from Katib's service: every call returns exactly `current_request_number` assignments
/// (Katib's returns a bracket-sized batch, kubeflow/katib#1168); brackets repeat without end instead
/// of stopping with an empty reply; parallel_trial_count may be anything (Katib demands >= η^s_max);
/// s_max is exact (243 with η 3 gives 5, not 4); failed trials never block a rung; r_l = 0, η <= 1
/// and non-numeric values are INVALID_ARGUMENT (Katib crashes with UNKNOWN); INT resources are
/// rounded to the nearest integer (Katib truncates).
public struct HyperbandSampler: Sampler {
    public init() {}

    public var name: String { "hyperband" }

    static let katibStateSettings = ["s_max", "b_l", "r", "n", "current_s", "current_i", "evaluating_trials"]

    static let maxResource = Setting<Double>.required(
        "r_l", .real(min: 0, minOpen: true),
        help: "Maximum resource per configuration, in units where the smallest rung gets 1 or more.")
    /// The schedule's settings, shared with bohb; `requiredHint` says what the required ones mean.
    static var scheduleSpecs: [SettingSpec] {
        [maxResource.spec, MultiFidelitySettings.resourceName.spec, MultiFidelitySettings.eta.spec, Setting.randomState.spec]
    }
    static let requiredHint = "r_l and resource_name must be set: r_l is the maximum resource per configuration (a number > 0), "
        + "resource_name the INT or DOUBLE parameter that receives it"

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: Self.scheduleSpecs + Self.katibStateSettings.map {
            Setting<String?>($0, .text, default: nil, help: "State written by Katib's hyperband service; ignored.", isState: true).spec
        }, requiredHint: Self.requiredHint)
    }

    public func validate(_ problem: SearchProblem) throws(RPCError) -> HyperbandEngine {
        try Self.engine(problem, code: "hb")
    }

    static func engine(_ problem: SearchProblem, code: String) throws(RPCError) -> HyperbandEngine {
        let algorithm = problem.algorithmName
        let rl = problem.settings[maxResource]
        let resourceName = problem.settings[MultiFidelitySettings.resourceName]
        let eta = problem.settings[MultiFidelitySettings.eta]
        let resource = try ResourceParameter.locate(problem.space, name: resourceName, algorithm: algorithm)
        let schedule = HyperbandSchedule(maxResource: rl, eta: eta)
        return HyperbandEngine(code: code, algorithm: algorithm, schedule: schedule, resource: resource)
    }

    public func suggest(_ context: SamplerContext, plan engine: HyperbandEngine) throws(RPCError) -> SamplerOutput {
        let suggestions = try engine.suggest(context) { (count, _, draws, rng) throws(RPCError) in
            var points: [Point] = []
            for _ in 0..<count {
                try Cancellation.check()
                points.append(draws.draw(resourceValue: nil, &rng))
            }
            return points
        }
        return SamplerOutput(suggestions: suggestions)
    }
}

import SuggestionAPI

/// `asha`: asynchronous successive halving (Li et al. 2020, "A system for massively parallel
/// hyperparameter tuning", MLSys, Algorithm 2, early-stopping rate 0).
///
/// Notation
///   r, R   minimum and maximum resource (`min_resource`, `max_resource`)
///   η      reduction factor (`eta`) > 1
///   K      top rung: the largest K with r·η^K <= R
///   r_k    resource of rung k = 0 … K: R·η^(k − K) (the top rung trains with exactly R, rung 0 with
///          at least r)
///
/// Each slot of a call, in turn (the slots of one call see each other's choices): for k = K − 1 down
/// to 0, the configurations of rung k are ranked by objective among those with a result (ties: older
/// first); the first of the top ⌊(number with a result)/η⌋ that has no trial at rung k + 1 yet is
/// promoted to rung k + 1 (same assignments, resource r_{k+1}). When no rung has such a
/// configuration, a fresh configuration starts at rung 0. So every slot is always filled, and results
/// never wait for a rung to complete. Failed trials (FAILED, KILLED, METRICSUNAVAILABLE, no metric)
/// and EARLYSTOPPED ones (their metric comes from a shorter run) count as having no result: they are
/// neither promoted nor retried, and a failed promotion is not repeated.
///
/// Trial names `<experiment>-asha-<c>-<k>-<q>`: configuration c (the sequence number of its rung-0
/// trial), rung k, sequence number q (`TrialNaming`). Label
/// `asha.suggestion.katib.kubeflow.org/rung`: k.
///
/// Settings: declared below; `min_resource` must end up > 0 (it defaults to the resource's min).
public struct ASHASampler: Sampler {
    public init() {}

    public var name: String { "asha" }
    static let code = "asha"
    static let fieldCount = 3

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: [MultiFidelitySettings.resourceName.spec, MultiFidelitySettings.eta.spec, Self.minResource.spec,
                                                Self.maxResource.spec, Setting.randomState.spec],
                       requiredHint: "resource_name names the INT or DOUBLE parameter that carries the training budget (e.g. epochs)")
    }

    static let minResource = Setting<Double?>(
        "min_resource", .real(min: 0, minOpen: true), default: nil,
        help: "Resource of the lowest rung (at least); default: the resource parameter's min.")
    static let maxResource = Setting<Double?>(
        "max_resource", .real(min: 0, minOpen: true), default: nil,
        help: "Resource of the top rung; default: the resource parameter's max.")

    public struct Plan: Sendable {
        let resource: ResourceParameter
        let eta: Double
        let rungResources: [Double]
    }

    public func validate(_ problem: SearchProblem) throws(RPCError) -> Plan {
        let resource = try ResourceParameter.locate(problem.space, name: problem.settings[MultiFidelitySettings.resourceName],
                                                    algorithm: name)
        let eta = problem.settings[MultiFidelitySettings.eta]
        let lo = problem.settings[Self.minResource] ?? resource.range.low
        let hi = problem.settings[Self.maxResource] ?? resource.range.high
        guard lo > 0 else {
            throw .invalidArgument("min_resource must be > 0 (resources grow geometrically); the resource parameter \(resource.name) has min \(ValueFormatting.formatDouble(resource.range.low)): set min_resource")
        }
        guard hi >= lo else {
            throw .invalidArgument("max_resource \(ValueFormatting.formatDouble(hi)) is below min_resource \(ValueFormatting.formatDouble(lo)); max_resource must be >= min_resource")
        }
        let top = RungMath.levels(minResource: lo, maxResource: hi, eta: eta)
        let resources = RungMath.resources(maxResource: hi, eta: eta, top: top)
        try resource.check(rungResources: resources,
                           what: "min_resource \(ValueFormatting.formatDouble(lo)), max_resource \(ValueFormatting.formatDouble(hi)) and eta \(ValueFormatting.formatDouble(eta))")
        return Plan(resource: resource, eta: eta, rungResources: resources)
    }

    public func suggest(_ context: SamplerContext, plan: Plan) throws(RPCError) -> SamplerOutput {
        let top = plan.rungResources.count - 1
        let history = MultiFidelityHistory(context, code: Self.code, fieldCount: Self.fieldCount)
        // rungs[k][c]: trials of configuration c at rung k.
        var rungs = [[Int: [TaggedTrial]]](repeating: [:], count: top + 1)
        for t in history.trials where t.fields[1] <= top { rungs[t.fields[1]][t.fields[0], default: []].append(t) }
        // Ranked configurations with a result, per rung (best result of the configuration at that rung).
        let ranked = (0...top).map { k in rankRung(rungs[k]).map { (c: $0.c, point: $0.point) } }
        var promotedTo = (0...top).map { Set(rungs[$0].keys) }
        var draws = ConfigurationDraws(space: context.space, resource: plan.resource, history: context.history)
        var rng = SeededRandom(seed: context.seed)
        var sequence = history.nextSequence
        var out: [Suggestion] = []
        let experiment = context.problem.experimentName
        for _ in 0..<context.requestCount {
            try Cancellation.check()
            var chosen: (c: Int, k: Int, point: Point)? = nil
            for k in stride(from: top - 1, through: 0, by: -1) {
                let quota = RungMath.floor(Double(ranked[k].count) / plan.eta)
                if let m = ranked[k].prefix(quota).first(where: { !promotedTo[k + 1].contains($0.c) }) {
                    chosen = (m.c, k + 1, m.point)
                    break
                }
            }
            let (c, k, point) = chosen ?? (sequence, 0, draws.draw(resourceValue: nil, &rng))
            promotedTo[k].insert(c)
            out.append(Suggestion(
                point: draws.with(point, resourceValue: plan.resource.value(plan.rungResources[k])),
                trialName: TrialNaming.name(experiment: experiment, code: Self.code, fields: [c, k, sequence]),
                labels: ["asha.suggestion.katib.kubeflow.org/rung": String(k)]))
            sequence += 1
        }
        return SamplerOutput(suggestions: out)
    }
}

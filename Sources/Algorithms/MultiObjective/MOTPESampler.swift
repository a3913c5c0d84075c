import SuggestionAPI

/// `motpe`: multi-objective TPE (Ozaki, Tanigaki, Watanabe & Onishi 2020, "Multiobjective
/// tree-structured Parzen estimator for computationally expensive optimization problems", GECCO).
///
/// The univariate `tpe` with one change, the split into l(x) and g(x): completed trials are ordered
/// by non-dominated front over their `objectives` losses, and inside a front by NSGA-II's crowding
/// distance (larger first), and the first n_below of that order form l(x). (The paper breaks ties in
/// the last front by hypervolume contribution and weighs l's kernels by it; crowding distance is the
/// cheaper stand-in used here, and every kernel weighs the same.) Trials lacking a finite value of some
/// objective do not enter the model. Without `objectives` it is `tpe` on the experiment's objective.
public struct MOTPESampler: Sampler {
    let tpe = TPESampler(multivariate: false)

    public init() {}

    public var name: String { "motpe" }
    /// Without history it draws its first points at random (or from the sequence): no model.
    public var isCheapWithoutHistory: Bool { true }

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: tpe.settingsSchema.specs + [Objectives.setting.spec])
    }

    public func suggest(_ context: SamplerContext, plan: Void) throws(RPCError) -> SamplerOutput {
        guard !context.problem.objectives.isEmpty else { return try tpe.suggest(context, plan: ()) }
        // The Pareto order becomes the loss TPE sorts by: position 0 is the best.
        let records = context.history.records
        let scored = records.indices.filter { records[$0].objectiveLosses != nil }
        let order = Pareto.order(scored.map { records[$0].objectiveLosses! }).order
        var position: [Int: Int] = [:]
        for (rank, k) in order.enumerated() { position[scored[k]] = rank }
        var ranked = records
        for i in ranked.indices where ranked[i].loss != nil {
            if let p = position[i] {
                ranked[i].state = .completed(loss: Double(p), value: Double(p))
            } else {
                ranked[i].state = .failed
            }
        }
        var c = context
        c.history = TrialHistory(records: ranked)
        return try tpe.suggest(c, plan: ())
    }
}

import SuggestionAPI

/// Runs Hyperband's brackets asynchronously over Katib's slots, rebuilding everything from the trial
/// history on each call (used by `hyperband` and `bohb`, which differ only in how a bracket's fresh
/// configurations are drawn).
///
/// Trial names: `<experiment>-<code>-<b>-<c>-<i>-<q>` (`TrialNaming`): bracket b, configuration c (the
/// sequence number of the configuration's rung-0 trial), rung i, sequence number q. Label
/// `<algorithm>.suggestion.katib.kubeflow.org/bracket`: the bracket's s.
///
/// Filling the k slots of a call: brackets are visited in order b = 0, 1, 2, …; each contributes the
/// work it has ready, then the next bracket is visited, until k assignments are chosen:
/// - rung 0 has fewer than n_0 configurations: fresh ones (a bracket's rung 0 may span several calls);
/// - rung i has all its trials finished (none CREATED or RUNNING): the best min(n_{i+1}, completed)
///   configurations of rung i by objective (ties: older configuration first) move to rung i + 1 with
///   resource r_{i+1}, same assignments otherwise; those already issued there are skipped;
/// - otherwise the bracket waits, and its free slots go to the following brackets.
/// FAILED, KILLED, METRICSUNAVAILABLE, EARLYSTOPPED (its metric comes from a shorter run) and
/// metric-less trials count as finished without a result: they never block a rung and are never
/// promoted. A trial missing from the request (Katib leaves out
/// MetricsUnavailable trials) is as if never issued, so its slot is issued again under a new name.
public struct HyperbandEngine: Sendable {
    static let fieldCount = 4

    /// The name code (`hb`, `bohb`) and the algorithm name (for the label key).
    let code: String
    let algorithm: String
    let schedule: HyperbandSchedule
    let resource: ResourceParameter

    /// `fresh(count, bracketS, draws, rng)` returns `count` new points (resource value set by the engine).
    func suggest(_ context: SamplerContext,
                 fresh: (Int, Int, inout ConfigurationDraws, inout SeededRandom) throws(RPCError) -> [Point]) throws(RPCError) -> [Suggestion] {
        let history = MultiFidelityHistory(context, code: code, fieldCount: Self.fieldCount)
        var byBracket: [Int: [TaggedTrial]] = [:]
        for t in history.trials { byBracket[t.fields[0], default: []].append(t) }
        var draws = ConfigurationDraws(space: context.space, resource: resource, history: context.history)
        var rng = SeededRandom(seed: context.seed)
        var out: [Suggestion] = []
        var sequence = history.nextSequence
        let experiment = context.problem.experimentName

        func emit(_ point: Point, bracket: Int, configuration: Int?, rung: Int, s: Int) {
            let c = configuration ?? sequence
            out.append(Suggestion(
                point: point,
                trialName: TrialNaming.name(experiment: experiment, code: code, fields: [bracket, c, rung, sequence]),
                labels: ["\(algorithm).suggestion.katib.kubeflow.org/bracket": String(s)]))
            sequence += 1
        }

        var b = 0
        while out.count < context.requestCount {
            try Cancellation.check()
            let s = schedule.s(bracket: b)
            let sizes = schedule.rungSizes(s: s)
            let resources = schedule.rungResources(s: s)
            let trials = byBracket[b] ?? []
            // rungs[i][c] = trials of configuration c at rung i.
            var rungs = [[Int: [TaggedTrial]]](repeating: [:], count: s + 1)
            for t in trials where t.fields[2] <= s { rungs[t.fields[2]][t.fields[1], default: []].append(t) }
            let want = context.requestCount - out.count
            if rungs[0].count < sizes[0] {
                let n = Swift.min(want, sizes[0] - rungs[0].count)
                for p in try fresh(n, s, &draws, &rng) {
                    emit(draws.with(p, resourceValue: resource.value(resources[0])), bracket: b, configuration: nil, rung: 0, s: s)
                }
            } else {
                for i in 0..<s {
                    let rung = rungs[i]
                    if rung.values.contains(where: { $0.contains(where: \.isPending) }) { break }
                    let completed = rankRung(rung)
                    let promoted = completed.prefix(Swift.min(sizes[i + 1], completed.count))
                    let missing = promoted.filter { rungs[i + 1][$0.c] == nil }
                    if !missing.isEmpty {
                        for m in missing.prefix(want) {
                            emit(draws.with(m.point, resourceValue: resource.value(resources[i + 1])),
                                 bracket: b, configuration: m.c, rung: i + 1, s: s)
                        }
                        break
                    }
                }
            }
            b += 1
        }
        return out
    }
}

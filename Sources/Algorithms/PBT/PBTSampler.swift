import SuggestionAPI

/// `pbt`: population based training (Jaderberg et al. 2017, arXiv:1711.09846), asynchronous form,
/// with Katib's settings and labels, and no state in the process.
///
/// A population of `n_population` members (slots j = 0 … N−1). Each trial trains one member for one
/// segment, starting from its parent's checkpoint; a member's next trial is created when its latest
/// trial has finished. Each call fills its slots in this order:
/// 1. members whose latest trial failed (FAILED, KILLED, METRICSUNAVAILABLE, no metric): the same
///    assignments, generation and parent again, at most `max_retries` times in a row; after that
///    the member is replaced as in an exploit step (or restarted from the prior while no member has
///    a result);
/// 2. members not started yet: generation 0, assignments from the prior (as `random`), no parent;
/// 3. members whose latest trial has a result, the longest-waiting first: ranked by their latest
///    result against every member's latest result. With L the losses (metric negated for MAXIMIZE)
///    and t = `truncation_threshold`: a member with loss above quantile(L, 1 − t) (numpy's linear
///    quantile) **exploits**: it takes the assignments of a member with loss <= quantile(L, t)
///    (chosen at random, different members for different slots while there are enough) **and that
///    member's trial as parent**, so it resumes from the better checkpoint (Katib names the poor trial
///    as parent instead). Every other member **explores**: its own assignments perturbed
///    (`PBTPerturbation`), its own trial as parent. Fewer than two members with results: explore.
///    Generation = parent's generation + 1.
/// 4. only when every member is busy (more slots than members): new members join the population.
///
/// Reply per trial: `trial_name` `<experiment>-pbt-<g>-<j>-<p>-<q>` (`TrialNaming`, at most 63
/// characters; Katib's are up to 77): generation g, member j, parent sequence number + 1 (0: none),
/// sequence number q; labels `pbt.suggestion.katib.kubeflow.org/generation` = g and, for g > 0,
/// `pbt.suggestion.katib.kubeflow.org/parent` = the parent trial's name, as Katib's service sets them.
/// Everything is rebuilt from these names and the trials' results on every call.
///
/// Checkpoints: Katib's service copies `<data>/<experiment>/<parent>` to `<data>/<experiment>/<trial>`
/// on the suggestion volume when it creates a trial. This algorithm does no file I/O; the parent is
/// in the label and the name (see the README for what the deployment must provide).
public struct PBTSampler: Sampler {
    public init() {}

    public var name: String { "pbt" }
    static let code = "pbt"
    static let fieldCount = 4
    static let generationLabel = "pbt.suggestion.katib.kubeflow.org/generation"
    static let parentLabel = "pbt.suggestion.katib.kubeflow.org/parent"

    public var checkpointInheritance: CheckpointInheritance? { CheckpointInheritance(parentLabel: Self.parentLabel) }

    static let trialDirectory = Setting<String>.required(
        "suggestion_trial_dir", .text,
        help: "Checkpoint directory inside the trial container (Katib mounts the suggestion volume there).")
    static let population = Setting<Int>.required(
        "n_population", .integer(min: 5, max: 100_000), help: "Number of members of the population (>= 5).")
    static let truncationThreshold = Setting<Double>.required(
        "truncation_threshold", .real(min: 0, max: 1),
        help: "Fraction t: members in the worst t exploit members in the best t.")
    static let resampleProbability = Setting<Double?>(
        "resample_probability", .real(min: 0, max: 1), default: nil,
        help: "Unset: explore perturbs every value by 0.8 or 1.2. Set: each value is redrawn from its prior with this probability, perturbed otherwise.")
    static let maxRetries = Setting<Int>(
        "max_retries", .integer(min: 0, max: 100), default: 2,
        help: "How often a failed trial is retried before its member is replaced.")

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: [
            Self.trialDirectory.spec, Self.population.spec, Self.truncationThreshold.spec, Self.resampleProbability.spec,
            Self.maxRetries.spec, Setting.randomState.spec,
        ])
    }

    struct Member {
        var trials: [TaggedTrial] = []
        var latest: TaggedTrial { trials[trials.count - 1] }
        var lastCompleted: TaggedTrial? { trials.last { $0.loss != nil } }
        /// Failed trials at the end of the member's history.
        var trailingFailures: Int {
            var n = 0
            for t in trials.reversed() { if t.record.isFailed { n += 1 } else { break } }
            return n
        }
    }

    public func suggest(_ context: SamplerContext, plan: Void) throws(RPCError) -> SamplerOutput {
        let s = context.settings
        let population = s[Self.population]
        let threshold = s[Self.truncationThreshold]
        let retries = s[Self.maxRetries]
        let history = MultiFidelityHistory(context, code: Self.code, fieldCount: Self.fieldCount)
        var members: [Int: Member] = [:]
        var bySequence: [Int: TaggedTrial] = [:]
        for t in history.trials {
            members[t.fields[1], default: Member()].trials.append(t)
            bySequence[t.sequence] = t
        }
        var rng = SeededRandom(seed: context.seed)
        var draws = ConfigurationDraws(space: context.space, resource: nil, history: context.history)
        let perturbation = PBTPerturbation(space: context.space, resampleProbability: s[Self.resampleProbability])
        let experiment = context.problem.experimentName
        var sequence = history.nextSequence
        var out: [Suggestion] = []

        // Ranking: every member's latest result.
        let scored = members.compactMap { j, m in m.lastCompleted.map { (j: j, loss: $0.loss!) } }.sorted { ($0.loss, $0.j) < ($1.loss, $1.j) }
        let losses = scored.map(\.loss)
        let lower = losses.isEmpty ? 0 : linearQuantile(losses, threshold)        // top t: loss <= lower
        let upper = losses.isEmpty ? 0 : linearQuantile(losses, 1 - threshold)    // bottom t: loss > upper
        var donors = scored.filter { $0.loss <= lower }.map(\.j)
        rng.shuffle(&donors)
        var donorCursor = 0
        func donor(excluding j: Int) -> TaggedTrial? {
            let candidates = donors.filter { $0 != j }
            guard scored.count >= 2, !candidates.isEmpty else { return nil }
            let d = candidates[donorCursor % candidates.count]
            donorCursor += 1
            return members[d]!.lastCompleted
        }

        func emit(_ point: Point, generation: Int, member: Int, parent: TaggedTrial?) {
            var labels = [Self.generationLabel: String(generation)]
            if let parent { labels[Self.parentLabel] = parent.record.name }
            out.append(Suggestion(point: point, trialName: TrialNaming.name(
                experiment: experiment, code: Self.code,
                fields: [generation, member, parent.map { $0.sequence + 1 } ?? 0, sequence]), labels: labels))
            sequence += 1
        }
        func exploitOrRestart(_ j: Int) {
            if let d = donor(excluding: j) {
                emit(d.record.point!, generation: d.fields[0] + 1, member: j, parent: d)
            } else {
                emit(draws.draw(resourceValue: nil, &rng), generation: 0, member: j, parent: nil)
            }
        }

        let want = context.requestCount
        // 1. Failed members.
        for (j, m) in members.sorted(by: { $0.key < $1.key }) where out.count < want && m.latest.record.isFailed {
            if m.trailingFailures <= retries {
                let t = m.latest
                let parent = t.fields[2] > 0 ? bySequence[t.fields[2] - 1] : nil
                emit(t.record.point!, generation: t.fields[0], member: j, parent: parent)
            } else {
                exploitOrRestart(j)
            }
        }
        // 2. Members not started yet.
        var j = 0
        while out.count < want && j < population {
            if members[j] == nil { emit(draws.draw(resourceValue: nil, &rng), generation: 0, member: j, parent: nil) }
            j += 1
        }
        // 3. Members with a new result, longest-waiting first.
        let ready = members.filter { $0.value.latest.loss != nil }.sorted { $0.value.latest.sequence < $1.value.latest.sequence }
        for (j, m) in ready where out.count < want {
            try Cancellation.check()
            let own = m.latest
            if scored.count >= 2, own.loss! > upper, let d = donor(excluding: j) {
                emit(d.record.point!, generation: d.fields[0] + 1, member: j, parent: d)
            } else {
                emit(perturbation.explore(own.record.point!, &rng), generation: own.fields[0] + 1, member: j, parent: own)
            }
        }
        // 4. More slots than members: the population grows.
        var next = Swift.max(population, (members.keys.max() ?? -1) + 1)
        while out.count < want {
            try Cancellation.check()
            emit(draws.draw(resourceValue: nil, &rng), generation: 0, member: next, parent: nil)
            next += 1
        }
        return SamplerOutput(suggestions: out)
    }
}

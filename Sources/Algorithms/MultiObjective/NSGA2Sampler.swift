import SuggestionAPI

/// `nsga2`: NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002, IEEE TEC 6(2)) with Optuna's default
/// variation (uniform crossover, mutation by a fresh draw of the parameter), stateless: generations
/// are rebuilt from trial names on every call.
///
/// - Trials are named `<experiment>-nsga2-<n>` (n in base 36, counting up from the largest n in the
///   history); trial n belongs to generation ⌊n / population_size⌋. Trials named otherwise belong to
///   no generation and count as evaluated before all of them.
/// - Generation 0, and any member whose parents' generations have fewer than two completed trials, is
///   a `random` draw.
/// - The parents of generation g are the elite of every completed trial of earlier generations: the
///   `population_size` first in NSGA-II's order (non-dominated front, then crowding distance, larger
///   first). This is NSGA-II's (μ + λ) survivor selection applied to the whole evaluated history.
/// - A child: two binary tournaments (lower front wins, then larger crowding distance); with
///   probability `crossover_prob` each parameter comes from the second parent with probability
///   `swapping_prob`; then each parameter is drawn afresh from its prior with probability
///   `mutation_prob` (unset: 1/number of parameters). A child equal to a taken point is bred again, up
///   to 64 times, then replaced by a distinct random draw.
/// - Losses are the `objectives` (`TrialRecord.objectiveLosses`); without `objectives`, the
///   experiment's objective alone (a genetic algorithm).
public struct NSGA2Sampler: Sampler {
    public init() {}

    public var name: String { "nsga2" }
    /// Without history it draws its first points at random (or from the sequence): no model.
    public var isCheapWithoutHistory: Bool { true }

    static let populationSize = Setting<Int>(
        "population_size", .integer(min: 2, max: 100_000), default: 20,
        help: "Members per generation, and parents kept from the evaluated trials.")
    static let crossoverProb = Setting<Double>(
        "crossover_prob", .real(min: 0, max: 1), default: 0.9,
        help: "Probability that a child mixes its two parents (else it copies the first).")
    static let swappingProb = Setting<Double>(
        "swapping_prob", .real(min: 0, max: 1), default: 0.5,
        help: "In a crossover, probability that a parameter comes from the second parent.")
    static let mutationProb = Setting<Double?>(
        "mutation_prob", .real(min: 0, max: 1), default: nil,
        help: "Probability that each parameter of a child is drawn afresh. Unset: 1/(number of parameters).")

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: [Self.populationSize.spec, Self.crossoverProb.spec, Self.swappingProb.spec,
                                                Self.mutationProb.spec, Setting.randomState.spec, WarmStart.points.spec,
                                                Objectives.setting.spec])
    }

    static let trialCode = "nsga2"

    public func suggest(_ context: SamplerContext, plan: Void) throws(RPCError) -> SamplerOutput {
        let s = context.settings
        let size = s[Self.populationSize]
        let experiment = context.problem.experimentName
        let transform = SearchSpaceTransform(context.space, categoricalEncoding: .index)
        let multi = !context.problem.objectives.isEmpty
        var rng = SeededRandom(seed: context.seed)

        // (generation, losses, point) of every completed trial; generation −1 for foreign trials.
        var youngest = -1
        var evaluated: [(generation: Int, losses: [Double], point: Point)] = []
        for r in context.history.records {
            let n = TrialNaming.parse(r.name, experiment: experiment, code: Self.trialCode, fieldCount: 1)?[0]
            if let n { youngest = max(youngest, n) }
            let losses = multi ? r.objectiveLosses : r.loss.map { [$0] }
            if let losses, let p = r.point { evaluated.append((n.map { $0 / size } ?? -1, losses, p)) }
        }

        var parents: [Int: Population] = [:]
        var draws = ConfigurationDraws(space: context.space, resource: nil, history: context.history)
        let mutation = s[Self.mutationProb] ?? 1 / Double(context.space.parameters.count)
        var suggestions: [Suggestion] = []
        for slot in 0..<context.requestCount {
            try Cancellation.check()
            let n = youngest + 1 + slot
            let generation = n / size
            if parents[generation] == nil {
                parents[generation] = Population(evaluated.filter { $0.generation < generation }, size: size)
            }
            let population = parents[generation]!
            let breed = { (rng: inout SeededRandom) -> Point in
                var child = population.tournament(&rng)
                if rng.uniform() < s[Self.crossoverProb] {
                    let other = population.tournament(&rng)
                    for j in child.indices where rng.uniform() < s[Self.swappingProb] { child[j] = other[j] }
                }
                let fresh = RandomSampler.draw(transform, &rng)
                for j in child.indices where rng.uniform() < mutation { child[j] = fresh[j] }
                return context.space.canonical(child)
            }
            let point = draws.distinct(&rng, breed: generation > 0 && population.members.count >= 2 ? breed : nil)
            suggestions.append(Suggestion(point: point,
                                          trialName: TrialNaming.name(experiment: experiment, code: Self.trialCode, fields: [n])))
        }
        return SamplerOutput(suggestions: suggestions)
    }

    /// The parents of one generation: the elite of the evaluated trials, with their front and crowding.
    struct Population {
        let members: [(point: Point, front: Int, crowding: Double)]

        init(_ evaluated: [(generation: Int, losses: [Double], point: Point)], size: Int) {
            let ranked = Pareto.order(evaluated.map(\.losses))
            members = ranked.order.prefix(size).map { i in (evaluated[i].point, ranked.front[i]!, ranked.crowding[i]!) }
        }

        /// Binary tournament: the lower front wins, then the larger crowding distance, then the first drawn.
        func tournament(_ rng: inout SeededRandom) -> Point {
            let a = members[rng.index(below: members.count)]
            let b = members[rng.index(below: members.count)]
            if b.front < a.front || (b.front == a.front && b.crowding > a.crowding) { return b.point }
            return a.point
        }
    }
}

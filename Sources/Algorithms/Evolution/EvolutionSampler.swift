import SuggestionAPI

/// `evolution`: regularized (aging) evolution, Real, Aggarwal, Huang & Le 2019, "Regularized Evolution
/// for Image Classifier Architecture Search" (AAAI), Algorithm 1, with optional uniform crossover;
/// stateless: the population is rebuilt from the trials on every call.
///
/// Ages come from trial names. Every suggestion is named `<experiment>-evo-<n>` (`TrialNaming`, n in
/// base 36), n counting up from one more than the largest n in the history, so a larger n is a younger
/// trial. Trials without such a name (another algorithm's, Katib-named) are older than every named one,
/// in the history's order.
///
/// - **Population**: the `population_size` youngest completed trials (FAILED, KILLED and metric-less
///   trials never join). This is the paper's population: each evaluated child is added and the oldest
///   member removed, so after the first P it is always the P most recent.
/// - Until `population_size` trials have completed, suggestions are `random` draws (the paper's
///   initial population), distinct from every taken point.
/// - **Child**: a tournament of `tournament_size` members drawn uniformly (with replacement) from the
///   population; the one with the lowest loss is the parent. With probability `crossover_rate` a second
///   parent comes from a second tournament and each parameter is taken from either parent with
///   probability 1/2 (uniform crossover). Then each parameter mutates with probability
///   `mutation_rate` (unset: 1/number of parameters), at least one always does.
/// - **Mutation**, on the shared unit-cube transform (`SearchSpaceTransform`, index encoding):
///   a number moves by N(0, 0.1²) in the cube (so on ln scale for log parameters), reflected at 0 and
///   1; an INT, stepped DOUBLE or DISCRETE value that stays in its cell moves to a neighbouring one;
///   a CATEGORICAL value becomes another entry, uniformly. In a conditional space only active
///   parameters mutate, and crossover and mutation results are made canonical (`Conditions`).
/// - A child equal to a taken point (pending, completed, or earlier in the batch) is bred again, up to
///   64 times, then replaced by a distinct `random` draw.
public struct EvolutionSampler: Sampler {
    public init() {}

    public var name: String { "evolution" }
    /// Without history it draws its first points at random (or from the sequence): no model.
    public var isCheapWithoutHistory: Bool { true }

    static let populationSize = Setting<Int>(
        "population_size", .integer(min: 2, max: 100_000), default: 20,
        help: "Members of the population: the youngest completed trials. Until this many have completed, draws are random.")
    static let tournamentSize = Setting<Int>(
        "tournament_size", .integer(min: 1, max: 100_000), default: 5,
        help: "Members drawn (with replacement) for each tournament; the best is a parent. At most population_size.")
    static let mutationRate = Setting<Double?>(
        "mutation_rate", .real(min: 0, max: 1, minOpen: true), default: nil,
        help: "Probability that each parameter of a child mutates (at least one always does). Unset: 1/(number of parameters).")
    static let crossoverRate = Setting<Double>(
        "crossover_rate", .real(min: 0, max: 1), default: 0,
        help: "Probability that a child has two parents, mixed by uniform crossover before mutation.")

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: [Self.populationSize.spec, Self.tournamentSize.spec, Self.mutationRate.spec,
                                                Self.crossoverRate.spec, Setting.randomState.spec, WarmStart.points.spec, Conditions.setting.spec])
    }

    /// Standard deviation of a numeric mutation, in cube units.
    static let mutationScale = 0.1
    static let trialCode = "evo"

    public func validate(_ problem: SearchProblem) throws(RPCError) {
        let population = problem.settings[Self.populationSize]
        let tournament = problem.settings[Self.tournamentSize]
        guard tournament <= population else {
            throw .invalidArgument("failed to validate tournament_size(\(tournament)) for algorithm evolution: it must be at most population_size (\(population))")
        }
    }

    public func suggest(_ context: SamplerContext, plan: Void) throws(RPCError) -> SamplerOutput {
        let s = context.settings
        let transform = SearchSpaceTransform(context.space, categoricalEncoding: .index)
        var rng = SeededRandom(seed: context.seed)
        let experiment = context.problem.experimentName

        // Ages: (sequence number, position in the history); unnamed trials have sequence -1.
        var youngest = -1
        var aged: [(age: (Int, Int), point: Point, loss: Double)] = []
        for (position, r) in context.history.records.enumerated() {
            let n = TrialNaming.parse(r.name, experiment: experiment, code: Self.trialCode, fieldCount: 1)?[0] ?? -1
            youngest = max(youngest, n)
            if let p = r.point, let loss = r.loss { aged.append(((n, position), p, loss)) }
        }
        aged.sort { $0.age < $1.age }
        let population = Array(aged.suffix(s[Self.populationSize]))
        let breeding = aged.count >= s[Self.populationSize]

        var draws = ConfigurationDraws(space: context.space, resource: nil, history: context.history)
        let rate = s[Self.mutationRate] ?? 1 / Double(max(1, transform.dimensionCount))
        var suggestions: [Suggestion] = []
        suggestions.reserveCapacity(context.requestCount)
        for slot in 0..<context.requestCount {
            try Cancellation.check()
            let breed = { (rng: inout SeededRandom) -> Point in
                var child = tournament(population, s[Self.tournamentSize], &rng)
                if rng.uniform() < s[Self.crossoverRate] {
                    let other = tournament(population, s[Self.tournamentSize], &rng)
                    for j in child.indices where rng.uniform() < 0.5 { child[j] = other[j] }
                }
                return mutate(child, transform, rate: rate, &rng)
            }
            let chosen = draws.distinct(&rng, breed: breeding ? breed : nil)
            suggestions.append(Suggestion(
                point: chosen,
                trialName: TrialNaming.name(experiment: experiment, code: Self.trialCode, fields: [youngest + 1 + slot])))
        }
        return SamplerOutput(suggestions: suggestions)
    }

    /// The best (lowest loss; on ties the younger) of `size` members drawn with replacement.
    private func tournament(_ population: [(age: (Int, Int), point: Point, loss: Double)], _ size: Int,
                            _ rng: inout SeededRandom) -> Point {
        var best = rng.index(below: population.count)
        for _ in 1..<max(1, size) {
            let i = rng.index(below: population.count)
            if population[i].loss < population[best].loss || (population[i].loss == population[best].loss && i > best) { best = i }
        }
        return population[best].point
    }

    /// `point` with each parameter mutated with probability `rate`, at least one (see the type's
    /// comment). Parameters that do not mutate keep their exact value (no trip through the cube, whose
    /// round trip is exact only up to rounding for continuous numbers).
    /// In a conditional space only active parameters mutate, and the child is made canonical (a
    /// mutated parent may switch children on or off).
    private func mutate(_ point: Point, _ transform: SearchSpaceTransform, rate: Double, _ rng: inout SeededRandom) -> Point {
        let space = transform.space
        let active = space.activity(point)
        var chosen = point.indices.filter { j in active[j] && rng.uniform() < rate }
        if chosen.isEmpty {
            let candidates = point.indices.filter { active[$0] }
            chosen = [candidates[rng.index(below: candidates.count)]]
        }
        // Index encoding: parameter j is cube dimension j.
        var u = transform.encode(point)
        for j in chosen { u[j] = mutateDimension(u[j], transform.dimensions[j].kind, &rng) }
        let moved = transform.decode(u)
        var child = point
        for j in chosen { child[j] = moved[j] }
        return space.canonical(child)
    }

    private func mutateDimension(_ t: Double, _ kind: SearchSpaceTransform.DimensionKind, _ rng: inout SeededRandom) -> Double {
        switch kind {
        case .continuous, .oneHot:
            return Self.reflect(t + Self.mutationScale * rng.normal())
        case .stepped(let n), .ordinal(let n):
            guard n > 1 else { return t }
            let cell = SearchSpaceTransform.cell(t, n)
            var moved = SearchSpaceTransform.cell(Self.reflect(t + Self.mutationScale * rng.normal()), n)
            if moved == cell { moved = cell == 0 ? 1 : cell == n - 1 ? n - 2 : cell + (rng.uniform() < 0.5 ? -1 : 1) }
            return (Double(moved) + 0.5) / Double(n)
        case .categorical(let n):
            guard n > 1 else { return t }
            let cell = SearchSpaceTransform.cell(t, n)
            let other = rng.index(below: n - 1)
            return (Double(other < cell ? other : other + 1) + 0.5) / Double(n)
        }
    }

    /// x folded into [0, 1] by reflection at both ends.
    static func reflect(_ x: Double) -> Double {
        guard x.isFinite else { return 0.5 }
        var y = x.truncatingRemainder(dividingBy: 2)
        if y < 0 { y += 2 }
        return y <= 1 ? y : 2 - y
    }
}

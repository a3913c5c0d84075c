import SuggestionAPI

/// `cmaes`: CMA-ES (`CMAES`) over the unit cube of the numeric parameters, with no state in the
/// process: every generation is rebuilt from the trial history on each call.
///
/// Generations: the trials this sampler creates are named `<experiment>-cmaes-<r>-<g>-<i>-<q>` (run
/// r, generation g, member i, sequence q; `TrialNaming`), label
/// `cmaes.suggestion.katib.kubeflow.org/generation`. Replaying from run 0, generation 0: when members
/// 0 … λ−1 of a generation have all finished (FAILED, KILLED and metric-less trials rank last), the
/// generation is told with the points read back from the trials; the first generation that has not
/// finished is the open one. Each call issues the open generation's members not issued yet (member i
/// is drawn from a generator seeded by `random_state` or the experiment name, r, g and i); slots left
/// over while the generation waits for results get extra members i >= λ, drawn from the same
/// distribution, which never enter the update (so a replay is the same whatever they return).
/// Trials of other names (another algorithm, Katib's random names) are ignored.
///
/// Mapping: INT, stepped DOUBLE and DISCRETE parameters are searched continuously on their cube cells
/// and decoded to the cell's value, with the margin of CMA-ES with margin (`Margin`, Hamano et al.
/// 2022) so that a coordinate keeps a chance of at least α/2 = 1/(2nλ) per side to leave its cell
/// after σ has shrunk below it. Samples whose continuous coordinates leave the cube are redrawn (up
/// to 100 times, then clipped); discrete ones outside it fall in the edge cells. A generation is told
/// the raw samples, regenerated from each member's seed (`rawSample`). CATEGORICAL parameters are
/// outside CMA-ES (their order means nothing): they come from an independent TPE over the history
/// (`CategoricalChoices`; Optuna's `CmaEsSampler` hands them to an independent sampler too). A point
/// equal to a taken one is redrawn (32 times), then drawn as `random` (a free point of a small
/// finite space when that draw is taken too).
///
/// Settings: `sigma` (initial step size in the units of the narrowest numeric parameter, as Katib's
/// goptuna service reads it; default 1/6 of that range), `restart_strategy` (`none`, `ipop`: restart
/// with twice the population when a run stalls; `bipop`: alternate large and small populations,
/// Hansen 2009), `random_state`. A run stalls when σ·√(largest eigenvalue) < 1e-10 (cube units), the
/// condition number of C exceeds 1e14, or the best loss of the last 10 + ⌈30n/λ⌉ generations varies by
/// less than 1e-12.
public struct CMAESSampler: Sampler {
    public init() {}

    public var name: String { "cmaes" }

    static let sigma = Setting<Double?>(
        "sigma", .real(min: 0, minOpen: true), default: nil,
        help: "Initial step size in the units of the narrowest numeric parameter (default: its range / 6).")
    static let restartStrategy = Setting<String>(
        "restart_strategy", .choice(["none", "None", "ipop", "bipop"]), default: "none",
        help: "Restart a stalled run: none, ipop (double the population) or bipop (alternate large and small).")

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: [Self.sigma.spec, Self.restartStrategy.spec, Setting.randomState.spec, WarmStart.points.spec])
    }

    /// Most numeric parameters accepted: every generation of the replay decomposes an n×n covariance.
    static let maxDimensions = 100

    public func validate(_ problem: SearchProblem) throws(RPCError) {
        let numeric = problem.space.parameters.filter { if case .categorical = $0.domain { return false } else { return true } }.count
        guard numeric > 0 else {
            throw .invalidArgument("cmaes needs at least one INT, DOUBLE or DISCRETE parameter; every parameter of this experiment is CATEGORICAL (use tpe or random)")
        }
        guard numeric <= Self.maxDimensions else {
            throw .invalidArgument("cmaes supports at most \(Self.maxDimensions) INT, DOUBLE or DISCRETE parameters; this experiment has \(numeric) (use tpe or random)")
        }
    }

    public func suggest(_ context: SamplerContext, plan: Void) throws(RPCError) -> SamplerOutput {
        let transform = SearchSpaceTransform(context.space, categoricalEncoding: .index)
        let numeric = transform.dimensions.indices.filter {
            if case .categorical = transform.dimensions[$0].kind { return false }
            return true
        }
        let n = numeric.count
        let base = context.experimentSeed(purpose: "generations")
        let strategy = context.settings[Self.restartStrategy]
        let sigma0 = initialSigma(context)
        let lambda0 = CMAES.defaultPopulation(n)

        let history = MultiFidelityHistory(context, code: "cmaes", fieldCount: 4)
        var members: [[Int]: TaggedTrial] = [:]   // [r, g, i] -> the latest trial of that member
        for t in history.trials { members[Array(t.fields.prefix(3))] = t }

        // Replay.
        var run = 0, generation = 0
        var cma = CMAES(mean: [Double](repeating: 0.5, count: n), sigma: sigma0, populationSize: lambda0)
        let cells: @Sendable (Int, Double) -> (lower: Double?, upper: Double?)? = { j, t in
            transform.cellBoundaries(dimension: numeric[j], at: t)
        }
        var margin = Margin(dimensions: n, populationSize: cma.lambda, cells: cells)
        var bests: [Double] = []
        var budget = (large: 0, small: 0), largeRestarts = 0, lastLarge = lambda0, inSmall = false
        replay: while true {
            try Cancellation.check()
            var solutions: [(x: [Double], loss: Double)] = []
            for i in 0..<cma.lambda {
                guard let t = members[[run, generation, i]], !t.isPending, let p = t.record.point else { break replay }
                var rng = SeededRandom(seed: Self.mix(base, [run, generation, i]))
                solutions.append((rawSample(of: p, cma, margin, numeric, transform, &rng), t.loss ?? .infinity))
            }
            cma.tell(solutions)
            margin.correct(&cma)
            if inSmall { budget.small += cma.lambda } else { budget.large += cma.lambda }
            bests.append(solutions.map(\.loss).min()!)
            generation += 1
            guard strategy == "ipop" || strategy == "bipop", stalled(cma, bests, solutions) else { continue }
            run += 1
            generation = 0
            bests = []
            var rng = SeededRandom(seed: Self.mix(base, [run, -1]))
            let mean = (0..<n).map { _ in rng.uniform() }
            if strategy == "ipop" || budget.large <= budget.small {
                largeRestarts += 1
                lastLarge = lambda0 << Swift.min(largeRestarts, 20)
                inSmall = false
                cma = CMAES(mean: mean, sigma: sigma0, populationSize: lastLarge)
                margin = Margin(dimensions: n, populationSize: cma.lambda, cells: cells)
            } else {
                let u = rng.uniform()
                let size = Swift.max(lambda0, Int((Double(lambda0) * Math.power(Double(lastLarge) / Double(2 * lambda0), u * u)).rounded(.down)))
                inSmall = true
                cma = CMAES(mean: mean, sigma: sigma0 * Math.power(10, -2 * u), populationSize: size)
                margin = Margin(dimensions: n, populationSize: cma.lambda, cells: cells)
            }
        }

        // Issue the open generation's members, then extras.
        let categories = CategoricalChoices(context, transform)
        var taken = context.history.takenPoints
        var free: [Int]? = nil   // see RandomSampler.freePoint
        var sequence = history.nextSequence
        var suggestions: [Suggestion] = []
        var index = 0
        var extra = cma.lambda
        while members[[run, generation, extra]] != nil { extra += 1 }
        while suggestions.count < context.requestCount {
            try Cancellation.check()
            let member: Int
            if index < cma.lambda {
                member = index
                index += 1
                if members[[run, generation, member]] != nil { continue }
            } else {
                member = extra
                extra += 1
            }
            var rng = SeededRandom(seed: Self.mix(base, [run, generation, member]))
            var categoricalRNG = SeededRandom(seed: Self.mix(base, [run, generation, member, -2]))
            var point = draw(cma, margin, numeric, transform, categories, &rng, &categoricalRNG)
            var attempts = 0
            while taken.contains(point) && attempts < Self.redraws {
                point = draw(cma, margin, numeric, transform, categories, &rng, &categoricalRNG)
                attempts += 1
            }
            if taken.contains(point) {
                point = RandomSampler.draw(transform, &rng)
                if taken.contains(point), let f = RandomSampler.freePoint(context.space, taken, &free, &rng) { point = f }
            }
            taken.insert(point)
            suggestions.append(Suggestion(
                point: point,
                trialName: TrialNaming.name(experiment: context.problem.experimentName, code: "cmaes", fields: [run, generation, member, sequence]),
                labels: ["cmaes.suggestion.katib.kubeflow.org/generation": "\(generation)"]))
            sequence += 1
        }
        return SamplerOutput(suggestions: suggestions)
    }

    /// Redraws of a candidate equal to a taken point before a `random` draw replaces it.
    static let redraws = 32

    /// A raw CMA-ES sample x ~ N(m, σ²C) whose continuous coordinates lie in the cube (redrawn up to
    /// 100 times, then clipped), and the numeric cube coordinates it is evaluated at (discrete
    /// coordinates scaled by the margin, then clipped to the cube: the edge cells).
    func sample(_ cma: CMAES, _ margin: Margin, _ numeric: [Int], _ transform: SearchSpaceTransform,
                _ rng: inout SeededRandom) -> (raw: [Double], cube: [Double]) {
        let continuous = numeric.map { if case .continuous = transform.dimensions[$0].kind { return true } else { return false } }
        var x = cma.mean
        for attempt in 0..<100 {
            x = cma.candidate((0..<cma.n).map { _ in rng.normal() })
            if (0..<cma.n).allSatisfy({ !continuous[$0] || (x[$0] >= 0 && x[$0] <= 1) }) { break }
            if attempt == 99 { x = (0..<cma.n).map { continuous[$0] ? Swift.min(Swift.max(x[$0], 0), 1) : x[$0] } }
        }
        let cube = margin.scaled(x, mean: cma.mean).map { Swift.min(Swift.max($0, 0), 1) }
        return (x, cube)
    }

    /// One candidate: numeric dimensions from `sample`, CATEGORICAL ones from `categories` (with
    /// their own generator, so that the numeric draws of a member can be replayed without them).
    func draw(_ cma: CMAES, _ margin: Margin, _ numeric: [Int], _ transform: SearchSpaceTransform,
              _ categories: CategoricalChoices, _ rng: inout SeededRandom, _ categoricalRNG: inout SeededRandom) -> Point {
        let cube = sample(cma, margin, numeric, transform, &rng).cube
        var u = categories.draw(&categoricalRNG)
        for (k, d) in numeric.enumerated() { u[d] = cube[k] }
        return transform.decode(u)
    }

    /// The raw sample a finished member was evaluated from, for `tell`: the member's draws are
    /// replayed from its seed (the first of the up to 1 + `redraws` attempts whose numeric values
    /// decode to the trial's); when none does (the trial's point was a `random` fallback or was not
    /// made by this sampler), the trial's cube point with the margin's scaling undone.
    func rawSample(of point: Point, _ cma: CMAES, _ margin: Margin, _ numeric: [Int], _ transform: SearchSpaceTransform,
                   _ rng: inout SeededRandom) -> [Double] {
        let encoded = transform.encode(point)
        for _ in 0...Self.redraws {
            let (raw, cube) = sample(cma, margin, numeric, transform, &rng)
            var u = encoded
            for (k, d) in numeric.enumerated() { u[d] = cube[k] }
            if transform.decode(u) == point { return raw }
        }
        return margin.raw(numeric.map { encoded[$0] }, mean: cma.mean)
    }

    func stalled(_ cma: CMAES, _ bests: [Double], _ solutions: [(x: [Double], loss: Double)]) -> Bool {
        if cma.largestDeviation < 1e-10 || cma.conditionNumber > 1e14 { return true }
        let losses = solutions.map(\.loss).filter(\.isFinite)
        if losses.count == solutions.count, let lo = losses.min(), let hi = losses.max(), hi - lo == 0 { return true }
        let window = 10 + Int((30 * Double(cma.n) / Double(cma.lambda)).rounded(.up))
        guard bests.count >= window else { return false }
        let recent = bests.suffix(window).filter(\.isFinite)
        guard let lo = recent.min(), let hi = recent.max() else { return false }
        return hi - lo < 1e-12
    }

    /// σ₀ in cube units: `sigma` divided by the narrowest numeric range (linear units), at most 1;
    /// 1/6 without the setting.
    func initialSigma(_ context: SamplerContext) -> Double {
        guard let sigma = context.settings[Self.sigma] else { return 1.0 / 6 }
        var narrowest = Double.infinity
        for p in context.space.parameters {
            switch p.domain {
            case .double(let r), .int(let r): narrowest = Swift.min(narrowest, r.high - r.low)
            case .discrete(_, let values): narrowest = Swift.min(narrowest, (values.max() ?? 0) - (values.min() ?? 0))
            case .categorical: break
            }
        }
        guard narrowest.isFinite, narrowest > 0 else { return 1.0 / 6 }
        return Swift.min(sigma / narrowest, 1)
    }

    static func mix(_ base: UInt64, _ fields: [Int]) -> UInt64 {
        var h = StableHasher()
        h.combine(base)
        for f in fields { h.combine(Int64(f)) }
        return h.finalize()
    }
}

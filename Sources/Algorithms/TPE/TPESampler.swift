import SuggestionAPI

/// `tpe` (univariate) and `multivariate-tpe` (joint): the tree-structured Parzen estimator over the
/// shared unit-cube transform (`ParzenEstimator`).
///
/// Each call, with the completed trials' losses (smaller is better):
/// 1. Fewer than `n_startup_trials` completed trials: the batch is drawn as `random` draws.
/// 2. Otherwise the n_below best completed trials form l(x) and the rest form g(x), with
///    n_below = min(⌈0.1·n⌉, 25) (Optuna's default) or, when `gamma` is set, hyperopt's
///    min(⌈gamma·√n⌉, 25). Pending trials, and the points already chosen for this batch, join g as
///    if they had the worst result (a constant liar), so the points of a parallel batch spread out.
/// 3. `n_ei_candidates` draws from l; the one with the largest ln l(x) − ln g(x) wins (per
///    dimension for `tpe`, jointly for `multivariate-tpe`). A winner equal to a taken point
///    (completed, pending, or earlier in the batch) is replaced by the best untaken candidate, then
///    by a fresh draw round, and finally by a `random` draw.
/// Categorical parameters are index-encoded with categorical kernels; INT, stepped DOUBLE and DISCRETE
/// parameters are modelled on their cube cells (continuous kernels, decoded to the cell's value).
/// Conditional spaces (`tpe` only): each parameter's l and g are fitted on the trials where it is
/// active (Optuna's univariate TPE does the same), so no placeholder enters a model; an inactive
/// parameter's draw is replaced by its placeholder when the point is decoded.
///
/// Settings: both vocabularies Katib's services accept for these names: hyperopt's (`gamma`,
/// `prior_weight`, `n_EI_candidates`) and Optuna's (`n_startup_trials`, `n_ei_candidates`), and
/// `random_state`. Trials are unordered in Katib's requests, so every observation weighs the same
/// (Optuna down-weights old trials beyond 25).
public struct TPESampler: Sampler {
    public let multivariate: Bool

    public init(multivariate: Bool) {
        self.multivariate = multivariate
    }

    public var name: String { multivariate ? "multivariate-tpe" : "tpe" }
    /// Without history it draws its first points at random (or from the sequence): no model.
    public var isCheapWithoutHistory: Bool { true }

    /// Slots of one call chosen by the model; further ones are `random` draws (bounds a call's cost).
    static let maxModelSlots = 256

    static let startupTrials = Setting<Int>(
        "n_startup_trials", .integer(min: 0, max: 1_000_000), default: 10,
        help: "Completed trials before the model is used; until then draws are random.")
    static let eiCandidates = Setting<Int>(
        "n_ei_candidates", .integer(min: 1, max: 10_000), default: 24,
        help: "Candidates drawn from l(x) per suggestion.", aliases: ["n_EI_candidates"])
    static let gamma = Setting<Double?>(
        "gamma", .real(min: 0, max: 1, minOpen: true, maxOpen: true), default: nil,
        help: "hyperopt's split: the best ⌈gamma·√n⌉ (at most 25) form l(x). Unset: Optuna's ⌈0.1·n⌉.")
    static let priorWeight = Setting<Double>(
        "prior_weight", .real(min: 0, max: 1_000_000, minOpen: true), default: 1,
        help: "Weight of the prior kernel against each observation's.")

    public var settingsSchema: SettingsSchema {
        // Conditions: the univariate model fits each parameter on the trials where it is active; the
        // joint one has no such split (Optuna's group decomposition is not built), so it refuses them.
        SettingsSchema(algorithm: name, specs: [Self.startupTrials.spec, Self.eiCandidates.spec, Self.gamma.spec,
                                                Self.priorWeight.spec, Setting.randomState.spec, WarmStart.points.spec]
                                                + (multivariate ? [] : [Conditions.setting.spec]))
    }

    public func suggest(_ context: SamplerContext, plan: Void) throws(RPCError) -> SamplerOutput {
        let s = context.settings
        let startup = s[Self.startupTrials]
        let candidates = s[Self.eiCandidates]
        let priorWeight = s[Self.priorWeight]
        let transform = SearchSpaceTransform(context.space, categoricalEncoding: .index)
        let kinds: [ParzenEstimator.Kind] = transform.dimensions.map { dim in
            if case .categorical(let c) = dim.kind { return .categorical(c) }
            return .numeric(normalPrior: dim.prior == .normal)
        }
        var rng = SeededRandom(seed: context.seed)
        var taken = context.history.takenPoints

        let space = context.space
        // In a conditional space, inactive coordinates are NaN: `Model` leaves them out of each fit.
        func observation(_ p: Point) -> [Double] {
            var x = Self.vector(transform.encode(p), transform)
            if !space.conditions.isEmpty {
                for (j, on) in space.activity(p).enumerated() where !on { x[j] = .nan }
            }
            return x
        }
        var (completed, pending) = context.history.encodedObservations(observation)
        if completed.count < Swift.max(startup, 1) {
            return SamplerOutput(points: randomBatch(context, transform, &taken, &rng))
        }
        completed.sort { $0.loss < $1.loss }
        let n = completed.count
        let nBelow: Int
        if let gamma = s[Self.gamma] {
            nBelow = Swift.min(Int((gamma * Double(n).squareRoot()).rounded(.up)), 25)
        } else {
            nBelow = Swift.min(Int((0.1 * Double(n)).rounded(.up)), 25)
        }
        let below = completed.prefix(Swift.max(nBelow, 1)).map(\.x)
        var above = completed.dropFirst(Swift.max(nBelow, 1)).map(\.x) + pending
        let conditional = !space.conditions.isEmpty
        let l = Model(below, kinds, joint: multivariate, conditional: conditional, priorWeight: priorWeight)

        var points: [Point] = []
        for slot in 0..<context.requestCount {
            try Cancellation.check()
            if slot >= Self.maxModelSlots {
                let p = RandomSampler.distinctDraw(transform, taken, &rng)
                taken.insert(p)
                points.append(p)
                continue
            }
            let g = Model(above, kinds, joint: multivariate, conditional: conditional, priorWeight: priorWeight)
            var chosen: Point? = nil
            for _ in 0..<4 where chosen == nil {
                for u in rankedCandidates(l, g, count: candidates, &rng) {
                    let p = transform.decode(Self.cube(u, transform))
                    if !taken.contains(p) {
                        chosen = p
                        break
                    }
                }
            }
            let point = chosen ?? RandomSampler.draw(transform, &rng)
            taken.insert(point)
            above.append(observation(point))
            points.append(point)
        }
        return SamplerOutput(points: points)
    }

    /// Candidate vectors drawn from l, best first by ln l − ln g. Univariate: each dimension's
    /// candidates are ranked separately and the i-th vector combines every dimension's i-th best.
    func rankedCandidates(_ l: Model, _ g: Model, count: Int, _ rng: inout SeededRandom) -> [[Double]] {
        let d = l.dimensionCount
        if multivariate {
            let (l, g) = (l.estimators[0], g.estimators[0])
            var scored: [(score: Double, x: [Double])] = []
            scored.reserveCapacity(count)
            for _ in 0..<count {
                let k = l.sampleKernel(&rng)
                let x = (0..<d).map { l.sample(dimension: $0, kernel: k, &rng) }
                scored.append((l.logDensity(x) - g.logDensity(x), x))
            }
            return scored.enumerated().sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }.map(\.element.x)
        }
        var perDimension: [[Double]] = []
        for j in 0..<d {
            var scored: [(score: Double, v: Double)] = []
            scored.reserveCapacity(count)
            for _ in 0..<count {
                let v = l.sample(j, &rng)
                scored.append((l.logDensity(j, v) - g.logDensity(j, v), v))
            }
            perDimension.append(scored.enumerated().sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }.map(\.element.v))
        }
        return (0..<count).map { i in (0..<d).map { perDimension[$0][i] } }
    }

    /// l(x) or g(x): one `ParzenEstimator` over every dimension, or, in a conditional space, one per
    /// dimension fitted on the observations where that dimension is active (not NaN).
    struct Model {
        let estimators: [ParzenEstimator]
        let perDimension: Bool
        let dimensionCount: Int

        init(_ observations: [[Double]], _ kinds: [ParzenEstimator.Kind], joint: Bool, conditional: Bool, priorWeight: Double) {
            dimensionCount = kinds.count
            perDimension = conditional
            if conditional {
                estimators = kinds.indices.map { j in
                    ParzenEstimator(observations: observations.compactMap { $0[j].isNaN ? nil : [$0[j]] }, kinds: [kinds[j]],
                                    joint: false, priorWeight: priorWeight)
                }
            } else {
                estimators = [ParzenEstimator(observations: observations, kinds: kinds, joint: joint, priorWeight: priorWeight)]
            }
        }

        func sample(_ j: Int, _ rng: inout SeededRandom) -> Double {
            let (e, k) = perDimension ? (estimators[j], 0) : (estimators[0], j)
            return e.sample(dimension: k, kernel: e.sampleKernel(&rng), &rng)
        }

        func logDensity(_ j: Int, _ v: Double) -> Double {
            perDimension ? estimators[j].logDensity(dimension: 0, v) : estimators[0].logDensity(dimension: j, v)
        }
    }

    func randomBatch(_ context: SamplerContext, _ transform: SearchSpaceTransform, _ taken: inout Set<Point>,
                     _ rng: inout SeededRandom) -> [Point] {
        var points: [Point] = []
        for _ in 0..<context.requestCount {
            let p = RandomSampler.distinctDraw(transform, taken, &rng)
            taken.insert(p)
            points.append(p)
        }
        return points
    }

    /// Cube coordinates with index-encoded categorical dimensions turned into their category index.
    static func vector(_ u: [Double], _ transform: SearchSpaceTransform) -> [Double] {
        transform.dimensions.enumerated().map { d, dim in
            if case .categorical(let c) = dim.kind { return Double(SearchSpaceTransform.cell(u[d], c)) }
            return u[d]
        }
    }

    /// The inverse of `vector`: a category index becomes the centre of its cell.
    static func cube(_ x: [Double], _ transform: SearchSpaceTransform) -> [Double] {
        transform.dimensions.enumerated().map { d, dim in
            if case .categorical(let c) = dim.kind { return (x[d] + 0.5) / Double(c) }
            return x[d]
        }
    }
}

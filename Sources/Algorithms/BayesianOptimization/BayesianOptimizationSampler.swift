import SuggestionAPI

/// `bayesianoptimization`: Gaussian-process Bayesian optimisation (`GaussianProcess`) with Katib's
/// scikit-optimize settings, stateless.
///
/// Each call:
/// 1. Fewer than `n_initial_points` completed trials: `random` draws.
/// 2. Inputs: the unit cube of the shared transform, CATEGORICAL one-hot (argmax decodes), INT and
///    stepped values on their cells. Outputs: losses standardised. At most 300 observations enter
///    the model (the 150 best and 150 others chosen by the seed), and the kernel's hyperparameters
///    are fitted on at most 100 of them (the 50 best and 50 others), by maximising the marginal
///    likelihood times a Gamma(3, 6) prior on each length scale, from two starts; beyond 300 trials the model is this subset, which keeps a call
///    bounded (O(300³)) however long the history.
/// 3. Pending trials, then each point chosen for the batch, join the model with the best observed
///    loss (skopt's "cl_min" constant liar), so a batch spreads out; at most 100 such points join,
///    and a call's first 64 slots come from the model, any further ones are `random` draws.
/// 4. The acquisition (loss is minimised; ξ = 0.01, κ = 1.96 as skopt): `EI`, `PI`, `LCB`, or
///    `gp_hedge` (skopt's default): each of the three proposes a point and one is chosen with
///    probability softmax(−μ(proposal)/σ_y) — Hedge's rule with the gains it would have accumulated
///    replaced by the current model's view, since nothing persists between calls. `EIps` and `PIps`
///    (per-second variants) act as `EI` and `PI`: Katib trials carry no training time to divide by.
/// 5. Evaluated at the point a cube coordinate decodes to (lattice values, argmax category), and
///    optimised by dense random sampling (between 256 and 2000 candidates, fewer for larger models)
///    plus, unless `acq_optimizer` is `sampling`, a local search from the 3 best candidates
///    (coordinate steps halving from 0.1, at most 20 rounds; inputs wider than 64 dimensions step
///    along 64 seeded coordinates per round). Taken points are skipped. Spaces wider than 1,000
///    encoded dimensions are refused.
///
/// `base_estimator`: `GP` (above), or the tree ensembles skopt offers (`RegressionTrees.swift`): `RF`
/// and `ET` (100 trees, min_samples_leaf 3; mean and spread over the trees) and `GBRT` (quantile
/// boosting at 0.16 / 0.5 / 0.84). Tree models are refitted for each liar and their acquisition is
/// optimised by 10,000 random candidates, as skopt does for models without gradients.
public struct BayesianOptimizationSampler: Sampler {
    public init() {}

    public var name: String { "bayesianoptimization" }

    static let baseEstimator = Setting<String>(
        "base_estimator", .choice(["GP", "RF", "ET", "GBRT"]), default: "GP",
        help: "Surrogate model: GP (Gaussian process), RF (random forest), ET (extra trees) or GBRT (gradient-boosted quantile trees).")
    static let initialPoints = Setting<Int>(
        "n_initial_points", .integer(min: 0, max: 1_000_000), default: 10,
        help: "Completed trials before the model is used; until then draws are random.")
    static let acquisitionFunction = Setting<String>(
        "acq_func", .choice(["gp_hedge", "EI", "PI", "LCB", "EIps", "PIps"]), default: "gp_hedge",
        help: "Acquisition function.")
    static let acquisitionOptimizer = Setting<String>(
        "acq_optimizer", .choice(["auto", "sampling", "lbfgs"]), default: "auto",
        help: "sampling: dense sampling only; auto and lbfgs add a local search.")

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: [Self.baseEstimator.spec, Self.initialPoints.spec, Self.acquisitionFunction.spec,
                                                Self.acquisitionOptimizer.spec, Setting.randomState.spec, WarmStart.points.spec, Conditions.setting.spec])
    }

    public func validate(_ problem: SearchProblem) throws(RPCError) {
        let d = SearchSpaceTransform(problem.space, categoricalEncoding: .oneHot).dimensionCount
        guard d <= Self.maxModelDimensions else {
            throw .invalidArgument("bayesianoptimization models at most \(Self.maxModelDimensions) dimensions (one per numeric parameter, one per CATEGORICAL value); this search space has \(d). Use fewer CATEGORICAL values, or tpe or random for very wide spaces")
        }
    }

    /// Random candidates the acquisition is evaluated at for tree surrogates (skopt's `n_points`).
    static let treeCandidates = 10_000

    /// The GP's cost grows with the square of its input dimension (the ARD kernel's gradient and the
    /// acquisition search), and a CATEGORICAL parameter takes one dimension per value; beyond this a
    /// call would take seconds even with few trials.
    static let maxModelDimensions = 1000
    /// The local search steps along every coordinate while the input has at most this many; wider
    /// inputs step along this many coordinates per round, drawn by the seed (the search would
    /// otherwise cost rounds × d model predictions per start).
    static let maxLocalSearchCoordinates = 64

    static let maxModelSize = 300
    static let maxFitSize = 100
    /// Pending and batch points that may join the model as liars, and the slots of one call the
    /// model proposes (the rest are `random` draws): both bound a call's cost for any request.
    static let maxLiarPoints = 100
    static let maxModelSlots = 64
    static let xi = 0.01
    static let kappa = 1.96

    public func suggest(_ context: SamplerContext, plan: Void) throws(RPCError) -> SamplerOutput {
        let s = context.settings
        let initial = s[Self.initialPoints]
        let acquisition = s[Self.acquisitionFunction]
        let local = s[Self.acquisitionOptimizer] != "sampling"
        let transform = SearchSpaceTransform(context.space, categoricalEncoding: .oneHot)
        var rng = SeededRandom(seed: context.seed)
        var taken = context.history.takenPoints

        var (completed, pending) = context.history.encodedObservations { Self.modelInput($0, transform) }
        let indexTransform = SearchSpaceTransform(context.space, categoricalEncoding: .index)
        let randomDraw = { (rng: inout SeededRandom, taken: inout Set<Point>) -> Point in
            RandomSampler.distinctDraw(indexTransform, taken, &rng)
        }
        guard completed.count >= Swift.max(initial, 2) else {
            var points: [Point] = []
            for _ in 0..<context.requestCount {
                let p = randomDraw(&rng, &taken)
                taken.insert(p)
                points.append(p)
            }
            return SamplerOutput(points: points)
        }

        // The model's observations: the best half and a seeded sample of the rest, when too many.
        completed.sort { $0.loss < $1.loss }
        var model = completed
        if model.count > Self.maxModelSize {
            var rest = Array(completed.dropFirst(Self.maxModelSize / 2))
            rng.shuffle(&rest)
            model = Array(completed.prefix(Self.maxModelSize / 2)) + rest.prefix(Self.maxModelSize / 2)
        }
        let losses = model.map(\.loss)
        let mean = losses.reduce(0, +) / Double(losses.count)
        var sd = (losses.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(losses.count)).squareRoot()
        if !(sd > 1e-12) { sd = 1 }
        var xs = model.map(\.x)
        var ys = losses.map { ($0 - mean) / sd }
        let bestY = ys.min()!

        let estimator = Estimator(rawValue: s[Self.baseEstimator]) ?? .gp
        var hyper: GaussianProcess.Hyperparameters? = nil
        if estimator == .gp {
            let fitCount = Swift.min(xs.count, Self.maxFitSize)
            let fitX = Array(xs.prefix(fitCount / 2)) + xs.dropFirst(xs.count - (fitCount - fitCount / 2))
            let fitY = Array(ys.prefix(fitCount / 2)) + ys.dropFirst(ys.count - (fitCount - fitCount / 2))
            let d = transform.dimensionCount
            let starts = [[Double](repeating: Math.ln(0.3), count: d) + [0, Math.ln(1e-2)],
                          (0..<d).map { _ in Math.ln(0.05 + rng.uniform()) } + [Math.ln(0.5 + rng.uniform()), Math.ln(1e-3)]]
            hyper = GaussianProcess.fit(fitX, fitY, starts: starts)
            try Cancellation.check()
        }

        for p in pending.prefix(Self.maxLiarPoints) { xs.append(p); ys.append(bestY) }
        var points: [Point] = []
        var current: (model: Surrogate?, n: Int)? = nil
        for _ in 0..<Swift.min(context.requestCount, Self.maxModelSlots) {
            try Cancellation.check()
            if current == nil || current!.n != xs.count {
                current = (Surrogate.fit(estimator, xs, ys, hyper: hyper, &rng), xs.count)
            }
            guard let model = current?.model ?? nil else { break }
            // Tree models are piecewise constant: skopt optimises their acquisition by sampling alone.
            let candidates = try proposals(model, bestY: bestY, acquisition: acquisition, local: local && estimator == .gp,
                                           transform, &rng, taken)
            var chosen: Point? = nil
            if acquisition == "gp_hedge", candidates.count == 3 {
                let means = candidates.map { model.predict(Self.modelInput($0, transform)).mean }
                let top = means.map { -$0 }.max()!
                let weights = means.map { Math.exponential(-$0 - top) }
                var u = rng.uniform() * weights.reduce(0, +)
                for (i, w) in weights.enumerated() {
                    u -= w
                    if u <= 0 { chosen = candidates[i]; break }
                }
                chosen = chosen ?? candidates.last
            } else {
                chosen = candidates.first
            }
            let point = chosen.flatMap { taken.contains($0) ? nil : $0 } ?? randomDraw(&rng, &taken)
            taken.insert(point)
            points.append(point)
            if xs.count < Self.maxModelSize + Self.maxLiarPoints {
                xs.append(Self.modelInput(point, transform))
                ys.append(bestY)
            }
        }
        while points.count < context.requestCount {
            let p = randomDraw(&rng, &taken)
            taken.insert(p)
            points.append(p)
        }
        return SamplerOutput(points: points)
    }

    /// Where the surrogate sees a point: its cube coordinates, except that in a conditional space every
    /// cube dimension of an inactive parameter is `inactiveCoordinate`, outside the cube, so trials
    /// where a parameter is inactive neither look like trials at its placeholder nor pull its length
    /// scale (SMAC imputes inactive hyperparameters outside their range the same way).
    static func modelInput(_ point: Point, _ transform: SearchSpaceTransform) -> [Double] {
        var u = transform.encode(point)
        let space = transform.space
        guard !space.conditions.isEmpty else { return u }
        for (j, on) in space.activity(point).enumerated() where !on {
            let end = j + 1 < space.parameters.count ? transform.firstDimension[j + 1] : transform.dimensionCount
            for d in transform.firstDimension[j] ..< end { u[d] = inactiveCoordinate }
        }
        return u
    }

    static let inactiveCoordinate = -1.0

    /// The best untaken point for each acquisition function in play (one for EI, PI, LCB; three for
    /// gp_hedge, in that order).
    func proposals(_ model: Surrogate, bestY: Double, acquisition: String, local: Bool,
                   _ transform: SearchSpaceTransform, _ rng: inout SeededRandom, _ taken: Set<Point>) throws(RPCError) -> [Point] {
        let kinds: [String]
        switch acquisition {
        case "gp_hedge": kinds = ["EI", "PI", "LCB"]
        case "EIps": kinds = ["EI"]
        case "PIps": kinds = ["PI"]
        default: kinds = [acquisition]
        }
        // The acquisition is evaluated where a cube point decodes to (INT and stepped values on their
        // lattice, the argmax category one-hot), not at the relaxed point (Garrido-Merchán and
        // Hernández-Lobato 2020, "Dealing with categorical and integer-valued variables in Bayesian
        // optimization with Gaussian processes", Neurocomputing): otherwise a fractional one-hot
        // vector far from every observation looks uncertain, wins, and decodes to a category that
        // was already tried.
        func snap(_ u: [Double]) -> [Double] { Self.modelInput(transform.decode(u), transform) }
        func score(_ kind: String, _ u: [Double]) -> Double { value(kind, model.predict(snap(u))) }
        func value(_ kind: String, _ prediction: (mean: Double, variance: Double)) -> Double {
            let m = prediction.mean
            let sigma = prediction.variance.squareRoot()
            switch kind {
            case "LCB": return -(m - Self.kappa * sigma)
            case "PI": return Math.normalCDF((bestY - m - Self.xi) / sigma)
            default:
                let improvement = bestY - m - Self.xi
                let z = improvement / sigma
                return improvement * Math.normalCDF(z) + sigma * Math.normalDensity(z)
            }
        }
        // GP: fewer candidates for larger models (a prediction costs O(n²)); trees: skopt's 10,000 (a
        // prediction costs a walk down each tree). At most 4 million candidate coordinates in memory.
        let wanted: Int
        if case .gp(let gp) = model {
            wanted = Swift.min(2000, Swift.max(256, 20_000_000 / Swift.max(gp.n * gp.n, 1)))
        } else {
            wanted = Self.treeCandidates
        }
        let count = Swift.max(16, Swift.min(wanted, 4_000_000 / Swift.max(transform.dimensionCount, 1)))
        let samples = (0..<count).map { _ in (0..<transform.dimensionCount).map { _ in rng.uniform() } }
        let predictions = samples.map { model.predict(snap($0)) }
        var result: [Point] = []
        for kind in kinds {
            var scored = zip(predictions, samples).map { (value(kind, $0), $1) }
            scored.sort { $0.0 > $1.0 }
            var best: (Double, [Double])? = nil
            for (value, u) in scored.prefix(local ? 3 : 1) {
                var current = (value, u)
                if local {
                    var step = 0.1
                    for _ in 0..<20 {
                        try Cancellation.check()
                        var improved = false
                        let coordinates = u.count <= Self.maxLocalSearchCoordinates ? Array(0..<u.count)
                            : (0..<Self.maxLocalSearchCoordinates).map { _ in rng.index(below: u.count) }
                        for j in coordinates {
                            for sign in [-1.0, 1.0] {
                                var trial = current.1
                                trial[j] = Swift.min(Swift.max(trial[j] + sign * step, 0), 1)
                                let v = score(kind, trial)
                                if v > current.0 { current = (v, trial); improved = true }
                            }
                        }
                        if !improved { step *= 0.5 }
                        if step < 1e-4 { break }
                    }
                }
                if best == nil || current.0 > best!.0 { best = current }
            }
            // The best point that is not taken: the optimum, else the best sampled untaken candidate.
            var point = transform.decode(best!.1)
            if taken.contains(point), let free = scored.lazy.map({ transform.decode($0.1) }).first(where: { !taken.contains($0) }) {
                point = free
            }
            result.append(point)
        }
        return result
    }
}

/// The surrogate model of one call (`base_estimator`).
enum Estimator: String {
    case gp = "GP", randomForest = "RF", extraTrees = "ET", boosting = "GBRT"
}

enum Surrogate {
    case gp(GaussianProcess)
    case forest(TreeForest)
    case boosting(QuantileBoosting)

    /// Fits the model to inputs in the unit cube and standardised losses; `hyper` is the GP's
    /// fitted kernel (nil for the tree models, which draw their randomness from `rng`). Nil when the
    /// GP's covariance cannot be factorised (the remaining slots are then random draws).
    static func fit(_ estimator: Estimator, _ xs: [[Double]], _ ys: [Double], hyper: GaussianProcess.Hyperparameters?,
                    _ rng: inout SeededRandom) -> Surrogate? {
        switch estimator {
        case .gp: return hyper.flatMap { GaussianProcess(x: xs, y: ys, hyper: $0) }.map { .gp($0) }
        case .randomForest: return .forest(TreeForest.fit(xs, ys, extraTrees: false, &rng))
        case .extraTrees: return .forest(TreeForest.fit(xs, ys, extraTrees: true, &rng))
        case .boosting: return .boosting(QuantileBoosting.fit(xs, ys, &rng))
        }
    }

    func predict(_ u: [Double]) -> SurrogatePrediction {
        switch self {
        case .gp(let gp): return gp.predict(u)
        case .forest(let f): return f.predict(u)
        case .boosting(let b): return b.predict(u)
        }
    }
}

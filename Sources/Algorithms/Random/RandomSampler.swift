import SuggestionAPI

/// `random`: independent draws from each parameter's prior, through the shared unit-cube transform.
///
/// Per cube dimension (see `SearchSpaceTransform`):
/// - uniform prior (UNIFORM, LOG_UNIFORM, unspecified) and every DISCRETE/CATEGORICAL: u ~ U[0, 1), so
///   every lattice point and list entry has equal mass (log-scaled: equal mass per unit of ln value);
/// - normal prior (NORMAL, LOG_NORMAL): u ~ N(0.5, (1/6)²) truncated to [0, 1], i.e. centred on the middle
///   of the range (of ln range for LOG_NORMAL) with σ = (max − min)/6 as Katib's hyperopt service uses,
///   but truncated so that values stay inside [min, max] (hyperopt's are unbounded).
///
/// Distinctness: a draw that equals a point of the batch or of a pending or completed trial is redrawn
/// (up to 64 times). If that fails and the space is finite with at most 1 000 000 points, the free
/// points are enumerated and one is chosen uniformly; when no free point is left, repeats are allowed
/// rather than failing (the reply must carry exactly the requested count).
///
/// Settings: `random_state` (see `SeedDerivation`).
public struct RandomSampler: Sampler {
    public init() {}

    public var name: String { "random" }
    public var isCheapWithoutHistory: Bool { true }

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: [Setting.randomState.spec, WarmStart.points.spec, Conditions.setting.spec, Objectives.setting.spec])
    }

    /// Largest finite space whose free points are enumerated when rejection fails.
    static let enumerationLimit = 1_000_000
    static let redraws = 64

    public func suggest(_ context: SamplerContext, plan: Void) throws(RPCError) -> SamplerOutput {
        var rng = SeededRandom(seed: context.seed)
        var draws = ConfigurationDraws(space: context.space, resource: nil, history: context.history)
        var points: [Point] = []
        points.reserveCapacity(context.requestCount)
        for _ in 0..<context.requestCount {
            try Cancellation.check()
            points.append(draws.draw(resourceValue: nil, &rng))
        }
        return SamplerOutput(points: points)
    }

    /// When rejection fails: a uniformly chosen point of a finite space of at most `enumerationLimit`
    /// points that is not in `taken`, removed from `free` (the finite indices of free points, built on
    /// first need and kept by the caller for the rest of its batch); nil when none is free or the
    /// space is too large to enumerate. Points taken since `free` was built are skipped.
    static func freePoint(_ space: SearchSpace, _ taken: Set<Point>, _ free: inout [Int]?,
                          _ rng: inout SeededRandom) -> Point? {
        guard let (counts, total) = space.finiteCounts, total <= enumerationLimit else { return nil }
        if free == nil {
            // In a conditional space only canonical points are points (see `Conditions`).
            free = (0..<total).filter { i in
                let p = space.point(atFiniteIndex: i, counts: counts)
                return space.isCanonical(p) && !taken.contains(p)
            }
        }
        while let count = free?.count, count > 0 {
            let i = rng.index(below: count)
            let point = space.point(atFiniteIndex: free![i], counts: counts)
            free!.swapAt(i, count - 1)
            free!.removeLast()
            if !taken.contains(point) { return point }
        }
        return nil
    }

    /// A draw from the prior that is not in `taken` (up to `redraws` tries; the last try otherwise).
    static func distinctDraw(_ transform: SearchSpaceTransform, _ taken: Set<Point>, _ rng: inout SeededRandom) -> Point {
        var p = draw(transform, &rng)
        var attempts = 1
        while taken.contains(p) && attempts < redraws {
            p = draw(transform, &rng)
            attempts += 1
        }
        return p
    }

    /// One independent draw from the prior (see the type's comment).
    static func draw(_ transform: SearchSpaceTransform, _ rng: inout SeededRandom) -> Point {
        var u = [Double](repeating: 0, count: transform.dimensionCount)
        for (d, dim) in transform.dimensions.enumerated() {
            if dim.prior == .normal {
                u[d] = rng.truncatedNormal(mean: 0.5, standardDeviation: 1.0 / 6, lower: 0, upper: 1)
            } else {
                u[d] = rng.uniform()
            }
        }
        return transform.decode(u)
    }
}

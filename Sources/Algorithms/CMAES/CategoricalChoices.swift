/// How `cmaes` fills CATEGORICAL parameters, which CMA-ES cannot model (their order means nothing).
/// Optuna's `CmaEsSampler` hands them to an independent sampler; this is the independent TPE it
/// recommends for that role (`ParzenEstimator`, one estimator per parameter, Optuna's defaults):
/// with fewer than `startup` completed trials a value is uniform; after, the best ⌈0.1·n⌉ (at most 25)
/// completed trials of any name form l and the rest g, and each draw is the best of 24 candidates
/// from l by ln l − ln g. The choice uses only the history, so a call's categorical values never
/// change a generation's replay.
struct CategoricalChoices: Sendable {
    static let startup = 10
    static let candidates = 24

    /// Per cube dimension of the transform: nil for numeric ones; the estimators of a CATEGORICAL one
    /// (nil pair before `startup` completed trials).
    let models: [(count: Int, below: ParzenEstimator?, above: ParzenEstimator?)?]

    init(_ context: SamplerContext, _ transform: SearchSpaceTransform) {
        var completed: [(u: [Double], loss: Double)] = []
        for r in context.history.records {
            if let p = r.point, let loss = r.loss { completed.append((transform.encode(p), loss)) }
        }
        completed.sort { $0.loss < $1.loss }
        let nBelow = Swift.max(1, Swift.min(Int((0.1 * Double(completed.count)).rounded(.up)), 25))
        models = transform.dimensions.enumerated().map { d, dim in
            guard case .categorical(let c) = dim.kind else { return nil }
            guard completed.count >= Self.startup else { return (c, nil, nil) }
            let values = completed.map { [Double(SearchSpaceTransform.cell($0.u[d], c))] }
            return (c, ParzenEstimator(observations: Array(values.prefix(nBelow)), kinds: [.categorical(c)], joint: false, priorWeight: 1),
                    ParzenEstimator(observations: Array(values.dropFirst(nBelow)), kinds: [.categorical(c)], joint: false, priorWeight: 1))
        }
    }

    /// A cube point whose CATEGORICAL coordinates are drawn (cell centres) and numeric ones 0.5.
    func draw(_ rng: inout SeededRandom) -> [Double] {
        models.map { model in
            guard let (c, below, above) = model else { return 0.5 }
            guard let l = below, let g = above else { return (Double(rng.index(below: c)) + 0.5) / Double(c) }
            var best = (score: -Double.infinity, value: 0.0)
            for _ in 0..<Self.candidates {
                let v = l.sample(dimension: 0, kernel: l.sampleKernel(&rng), &rng)
                let score = l.logDensity(dimension: 0, v) - g.logDensity(dimension: 0, v)
                if score > best.score { best = (score, v) }
            }
            return (best.value + 0.5) / Double(c)
        }
    }
}

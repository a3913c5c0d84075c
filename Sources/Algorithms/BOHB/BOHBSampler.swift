import SuggestionAPI

/// `bohb`: Hyperband's schedule (`HyperbandSchedule`, `HyperbandEngine`) with new configurations
/// proposed by a density model (Falkner, Klein and Hutter 2018, "BOHB: robust and efficient
/// hyperparameter optimization at scale", ICML, Algorithm 2).
///
/// Model: every SUCCEEDED trial with a result (any name, so results of other algorithms count too) is
/// an observation at the budget its resource parameter carries (EARLYSTOPPED trials ran for less).
/// The model uses the largest budget with at least N_min + 2 observations, N_min = d + 1 (d = number
/// of configuration cube dimensions). There, the best n_good = max(N_min, ⌊γ·n⌋) observations form
/// l(x), the worst n_bad = max(N_min, n − n_good) form g(x) (`KernelDensity` over the configuration's unit cube, categorical parameters by index).
/// A proposal is the best l(x)/g(x) of `num_samples` draws from l with bandwidths × `bandwidth_factor`.
/// With probability `random_fraction`, or while no budget has enough observations, the configuration
/// is drawn from the prior instead (as `random`). Proposals equal to a taken configuration are
/// redrawn (up to 8 times), then replaced by a prior draw. The slots of one call are proposed
/// independently (the model does not change within a call).
///
/// Settings: Hyperband's, and the model's declared below (defaults the paper's; `top_fraction` is γ).
/// Trial names `<experiment>-bohb-<b>-<c>-<i>-<q>`.
public struct BOHBSampler: Sampler {
    public init() {}

    public var name: String { "bohb" }

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: HyperbandSampler.scheduleSpecs + [
            Self.randomFraction.spec, Self.bandwidthFactor.spec, Self.samples.spec, Self.topFraction.spec, Self.minBandwidth.spec,
        ], requiredHint: HyperbandSampler.requiredHint)
    }

    static let randomFraction = Setting<Double>(
        "random_fraction", .real(min: 0, max: 1), default: 1.0 / 3,
        help: "Share of new configurations drawn from the prior instead of the model.")
    static let bandwidthFactor = Setting<Double>(
        "bandwidth_factor", .real(min: 0, minOpen: true), default: 3,
        help: "Bandwidth multiplier for drawing candidates from the good-configuration density.")
    static let samples = Setting<Int>(
        "num_samples", .integer(min: 1, max: 10_000), default: 64,
        help: "Candidates drawn per proposal; the one with the best l(x)/g(x) is chosen.")
    static let topFraction = Setting<Double>(
        "top_fraction", .real(min: 0, max: 1, minOpen: true, maxOpen: true), default: 0.15,
        help: "Fraction of observations (at the model's budget) that count as good.")
    static let minBandwidth = Setting<Double>(
        "min_bandwidth", .real(min: 0, minOpen: true), default: 0.001,
        help: "Lower bound of every kernel bandwidth (unit-cube units).")

    public func validate(_ problem: SearchProblem) throws(RPCError) -> HyperbandEngine {
        try HyperbandSampler.engine(problem, code: "bohb")
    }

    public func suggest(_ context: SamplerContext, plan engine: HyperbandEngine) throws(RPCError) -> SamplerOutput {
        let model = BOHBModel(context, resource: engine.resource)
        let s = context.settings
        let randomFraction = s[Self.randomFraction]
        let suggestions = try engine.suggest(context) { (count, _, draws, rng) throws(RPCError) in
            var points: [Point] = []
            fill: for _ in 0..<count {
                try Cancellation.check()
                if let model, rng.uniform() >= randomFraction {
                    for _ in 0..<8 {
                        let p = model.propose(samples: s[Self.samples], widen: s[Self.bandwidthFactor], &rng)
                        if !draws.isTaken(p) {
                            draws.take(p)
                            points.append(p)   // the engine sets the resource value
                            continue fill
                        }
                    }
                }
                points.append(draws.draw(resourceValue: nil, &rng))
            }
            return points
        }
        return SamplerOutput(suggestions: suggestions)
    }
}

/// The good and bad densities of BOHB at one budget, over the configuration parameters.
struct BOHBModel {
    let configSpace: SearchSpace
    let transform: SearchSpaceTransform
    let resourceIndex: Int
    let kinds: [KernelDensity.Kind]
    let good: KernelDensity
    let bad: KernelDensity

    /// nil when no budget has enough observations.
    init?(_ context: SamplerContext, resource: ResourceParameter) {
        let space = context.space
        resourceIndex = resource.index
        configSpace = SearchSpace(parameters: space.parameters.enumerated().filter { $0.offset != resource.index }.map(\.element))
        transform = SearchSpaceTransform(configSpace, categoricalEncoding: .index)
        kinds = transform.dimensions.map { d in
            if case .categorical(let c) = d.kind { return .categorical(c) }
            return .continuous
        }
        let nMin = kinds.count + 1
        var byBudget: [Double: [(x: [Double], loss: Double)]] = [:]
        for r in context.history.records where r.condition == .succeeded {
            guard let point = r.point, let loss = r.loss else { continue }
            var config = point
            let budget = resource.resource(of: point)
            config.remove(at: resource.index)
            byBudget[budget, default: []].append((Self.vector(transform.encode(config), transform), loss))
        }
        guard let budget = byBudget.keys.filter({ byBudget[$0]!.count >= nMin + 2 }).max() else { return nil }
        let observations = byBudget[budget]!.sorted { $0.loss < $1.loss }
        let gamma = context.settings[BOHBSampler.topFraction]
        let minBandwidth = context.settings[BOHBSampler.minBandwidth]
        let n = observations.count
        let nGood = Swift.max(nMin, Int((gamma * Double(n)).rounded(.down)))
        let nBad = Swift.max(nMin, n - nGood)
        good = KernelDensity(data: observations.prefix(nGood).map(\.x), kinds: kinds, minBandwidth: minBandwidth)
        bad = KernelDensity(data: observations.suffix(nBad).map(\.x), kinds: kinds, minBandwidth: minBandwidth)
    }

    /// Cube coordinates with categorical dimensions turned into their index.
    static func vector(_ u: [Double], _ transform: SearchSpaceTransform) -> [Double] {
        transform.dimensions.enumerated().map { d, dim in
            if case .categorical(let c) = dim.kind { return Double(SearchSpaceTransform.cell(u[d], c)) }
            return u[d]
        }
    }

    /// The best of `samples` candidates by ln l(x) − ln g(x), as a full point (resource value to be set).
    func propose(samples: Int, widen: Double, _ rng: inout SeededRandom) -> Point {
        var best: [Double] = []
        var bestScore = -Double.infinity
        for _ in 0..<samples {
            let x = good.sample(widen: widen, &rng)
            let score = good.logDensity(x) - bad.logDensity(x)
            if best.isEmpty || score > bestScore {
                best = x
                bestScore = score
            }
        }
        let u = transform.dimensions.enumerated().map { d, dim in
            if case .categorical(let c) = dim.kind { return (best[d] + 0.5) / Double(c) }
            return best[d]
        }
        var point = transform.decode(u)
        point.insert(.integer(0), at: resourceIndex)
        return point
    }
}

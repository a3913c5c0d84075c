import SuggestionAPI

/// `sobol`: successive points of a Sobol sequence (`SobolSequence`), one per trial, so that the
/// trials of an experiment cover the space evenly in any number of calls.
///
/// - Dimensions: one per parameter, in **sorted parameter-name order** (as Katib's goptuna service
///   assigns them), CATEGORICAL index-encoded; at most `SobolDirections.dimensions` parameters.
/// - Mapping: through the shared transform, so every value is reachable, the upper bound of an INT
///   included (Katib's never produces it); NORMAL and LOG_NORMAL parameters map u through the
///   quantile of their truncated-normal prior (as `random` draws them).
/// - Continuation: a request with t trials (any state) continues at point t + 1 (point 0, the
///   origin, is skipped as goptuna does), so successive calls continue the sequence without state.
///   A point equal to a taken one (possible on finite spaces) is skipped for the next, up to 1024
///   times.
/// - `scramble` (default false): a digital shift drawn from `random_state` (or the experiment
///   name), the same on every call of the experiment.
public struct SobolSampler: Sampler {
    public init() {}

    public var name: String { "sobol" }
    public var isCheapWithoutHistory: Bool { true }

    static let scramble = Setting<Bool>(
        "scramble", .boolean, default: false,
        help: "Apply a random digital shift (seeded by random_state or the experiment name).")

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: [Self.scramble.spec, Setting.randomState.spec, WarmStart.points.spec, Conditions.setting.spec, Objectives.setting.spec])
    }

    public func validate(_ problem: SearchProblem) throws(RPCError) {
        guard problem.space.parameters.count <= SobolDirections.dimensions else {
            throw .invalidArgument("sobol supports at most \(SobolDirections.dimensions) parameters; the experiment has \(problem.space.parameters.count)")
        }
    }

    public func suggest(_ context: SamplerContext, plan: Void) throws(RPCError) -> SamplerOutput {
        let transform = SearchSpaceTransform(context.space, categoricalEncoding: .index)
        let order = context.space.parameters.indices.sorted { context.space.parameters[$0].name < context.space.parameters[$1].name }
        let sequence = SobolSequence(dimensions: Swift.max(order.count, 1))
        var shift: [UInt32]? = nil
        if context.settings[Self.scramble] {
            var rng = SeededRandom(seed: context.experimentSeed(purpose: "digital-shift"))
            shift = (0..<order.count).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
        }
        var taken = context.history.takenPoints
        var index = UInt64(context.history.records.count) + 1
        var points: [Point] = []
        for _ in 0..<context.requestCount {
            try Cancellation.check()
            var candidate: Point? = nil
            for _ in 0..<1024 {
                let p = decode(sequence.point(index, shift: shift), order, transform)
                index += 1
                if !taken.contains(p) {
                    candidate = p
                    break
                }
                candidate = candidate ?? p
            }
            taken.insert(candidate!)
            points.append(candidate!)
        }
        return SamplerOutput(points: points)
    }

    func decode(_ s: [Double], _ order: [Int], _ transform: SearchSpaceTransform) -> Point {
        var u = [Double](repeating: 0.5, count: transform.dimensionCount)
        for (k, parameter) in order.enumerated() {
            let d = transform.firstDimension[parameter]
            u[d] = transform.dimensions[d].prior == .normal ? Self.normalQuantile(s[k]) : s[k]
        }
        return transform.decode(u)
    }

    /// The t ∈ [0, 1] whose mass under N(0.5, (1/6)²) truncated to [0, 1] is p (bisection on Φ).
    static func normalQuantile(_ p: Double) -> Double {
        let low = Math.normalCDF(-3), high = Math.normalCDF(3)
        let target = low + p * (high - low)
        var a = -3.0, b = 3.0
        for _ in 0..<60 {
            let m = 0.5 * (a + b)
            if Math.normalCDF(m) < target { a = m } else { b = m }
        }
        return 0.5 + 0.5 * (a + b) / 6
    }
}

import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct ParzenEstimatorTests {
    // Reference: Optuna 4.5.0, optuna.samplers._tpe.parzen_estimator._ParzenEstimator with
    // prior_weight=1.0, consider_magic_clip=True, consider_endpoints=False, weights=default_weights,
    // observations x = [0.1, 0.35, 0.4, 0.9] on FloatDistribution(0, 1) and c = [0, 2, 2, 1] on
    // CategoricalDistribution(["a", "b", "c"]); log_pdf at x = [0.05, 0.3, 0.5, 0.95], c = [0, 1, 2, 2].
    static let x: [Double] = [0.1, 0.35, 0.4, 0.9]
    static let c: [Double] = [0, 2, 2, 1]
    static let xs: [Double] = [0.05, 0.3, 0.5, 0.95]
    static let cs: [Double] = [0, 1, 2, 2]

    @Test func univariateNumericMatchesOptuna() {
        let e = ParzenEstimator(observations: Self.x.map { [$0] }, kinds: [.numeric(normalPrior: false)], joint: false, priorWeight: 1)
        let expected = [-0.0786414490001992, 0.3461605882862837, 0.21896975925713513, -0.5997526861806914]
        for (v, want) in zip(Self.xs, expected) { #expect(abs(e.logDensity(dimension: 0, v) - want) < 1e-9) }
    }

    @Test func categoricalMatchesOptuna() {
        let e = ParzenEstimator(observations: Self.c.map { [$0] }, kinds: [.categorical(3)], joint: false, priorWeight: 1)
        let expected = [-1.2321436812926323, -1.2321436812926323, -0.8754687373538996, -0.8754687373538996]
        for (v, want) in zip(Self.cs, expected) { #expect(abs(e.logDensity(dimension: 0, v) - want) < 1e-9) }
    }

    @Test func jointMatchesOptunaMultivariate() {
        let e = ParzenEstimator(observations: zip(Self.x, Self.c).map { [$0, $1] },
                                kinds: [.numeric(normalPrior: false), .categorical(3)], joint: true, priorWeight: 1)
        let expected = [-0.5897988661055422, -1.524957198755518, -0.4700252863684595, -1.9399011557608228]
        for i in 0..<4 { #expect(abs(e.logDensity([Self.xs[i], Self.cs[i]]) - expected[i]) < 1e-9) }
    }

    @Test func densityIntegratesToOneOnTheCube() {
        let e = ParzenEstimator(observations: Self.x.map { [$0] }, kinds: [.numeric(normalPrior: false)], joint: false, priorWeight: 1)
        let n = 20_000
        let integral = (0..<n).reduce(0.0) { s, i in s + Math.exponential(e.logDensity(dimension: 0, (Double(i) + 0.5) / Double(n))) } / Double(n)
        #expect(abs(integral - 1) < 1e-6)
    }
}

@Suite struct TPESamplerTests {
    static let space = [param("x", .double, "-5", "10"), param("y", .double, "0", "15")]

    /// Branin (minimum 0.397887 at three points).
    static func branin(_ p: [String: Double]) -> Double {
        let x = p["x"]!, y = p["y"]!
        let b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, t = 1 / (8 * Double.pi)
        let u = y - b * x * x + c * x - 6
        return u * u + 10 * (1 - t) * Math.cos(x) + 10
    }

    @Test(arguments: ["tpe", "multivariate-tpe"])
    func findsBetterPointsThanRandomOnBranin(_ algorithm: String) throws {
        var ours: [Double] = [], random: [Double] = []
        for seed in 0..<5 {
            ours.append(try closedLoop(algorithm, Self.space, settings: [("random_state", "\(seed)")], budget: 60, Self.branin))
            random.append(try closedLoop("random", Self.space, settings: [("random_state", "\(seed)")], budget: 60, Self.branin))
        }
        #expect(median(ours) < median(random), "\(algorithm) \(ours) vs random \(random)")
        #expect(median(ours) < 1.0, "\(ours)")
    }

    @Test func constantLiarSpreadsABatch() throws {
        let exp = experiment(Self.space, algorithm: "multivariate-tpe", objective: .minimize, metric: "loss")
        var trials: [Trial] = []
        for i in 0..<20 {
            let x = -5 + 15 * Double(i) / 19, y = 15 * Double((i * 7) % 20) / 19
            trials.append(trial("s\(i)", [("x", ValueFormatting.formatDouble(x)), ("y", ValueFormatting.formatDouble(y))],
                                metric: "loss", value: ValueFormatting.formatDouble(Self.branin(["x": x, "y": y]))))
        }
        let reply = try AlgorithmService().suggestions(request(exp, trials: trials, count: 8))
        let points = reply.parameterAssignments.map { pa in pa.assignments.map { Double($0.value)! } }
        #expect(Set(points.map { $0.map(\.bitPattern) }).count == 8)
        var closest = Double.infinity
        for i in 0..<8 { for j in (i + 1)..<8 {
            closest = Swift.min(closest, ((points[i][0] - points[j][0]) / 15).magnitude + ((points[i][1] - points[j][1]) / 15).magnitude)
        } }
        #expect(closest > 1e-3, "batch points are not piled on one spot: closest L1 distance \(closest)")
    }

    @Test func startupTrialsAreRandomThenTheModelTakesOver() throws {
        let exp = experiment(Self.space, algorithm: "tpe", settings: [("n_startup_trials", "5"), ("random_state", "3")])
        let random = experiment(Self.space, algorithm: "random", settings: [("random_state", "3")])
        _ = try AlgorithmService().suggestions(request(exp, count: 3))
        // With no history both are valid draws; with 5 completed trials tpe must use its model.
        var trials: [Trial] = []
        for i in 0..<5 { trials.append(trial("t\(i)", [("x", "\(i)"), ("y", "\(i)")], value: "\(i)")) }
        let a = try AlgorithmService().suggestions(request(exp, trials: trials, count: 2))
        let b = try AlgorithmService().suggestions(request(exp, trials: trials, count: 2))
        #expect(pairs(a) == pairs(b), "deterministic")
        _ = try AlgorithmService().suggestions(request(random, trials: trials, count: 2))
    }

    @Test func settingsOfBothVocabularies() {
        for settings in [[("gamma", "0.25"), ("prior_weight", "1.0"), ("n_EI_candidates", "24"), ("random_state", "1")],
                         [("n_startup_trials", "5"), ("n_ei_candidates", "10"), ("random_state", "0")]] {
            #expect(rpcError { () throws(RPCError) in try AlgorithmService().resolve(experiment(Self.space, algorithm: "tpe", settings: settings)) } == nil)
        }
        expectInvalid(experiment(Self.space, algorithm: "tpe", settings: [("gamma", "1")]), mentions: "gamma")
        expectInvalid(experiment(Self.space, algorithm: "tpe", settings: [("prior_weight", "0")]), mentions: "prior_weight")
        expectInvalid(experiment(Self.space, algorithm: "tpe", settings: [("n_EI_candidates", "0")]), mentions: "n_EI_candidates")
        expectInvalid(experiment(Self.space, algorithm: "multivariate-tpe", settings: [("n_startup_trials", "-1")]), mentions: "n_startup_trials")
        expectInvalid(experiment(Self.space, algorithm: "multivariate-tpe", settings: [("seed", "1")]), mentions: "unknown setting seed")
        expectInvalid(experiment(Self.space, algorithm: "tpe", settings: [("n_ei_candidates", "5"), ("n_EI_candidates", "6")]), mentions: "two names")
    }
}

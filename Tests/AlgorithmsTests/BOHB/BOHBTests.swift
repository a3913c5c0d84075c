import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct BOHBTests {
    @Test func kernelDensityMatchesAHandComputedValue() {
        // Two observations in 1 continuous + 1 categorical(3) dimension.
        let kde = KernelDensity(data: [[0.2, 0], [0.6, 2]], kinds: [.continuous, .categorical(3)], minBandwidth: 1e-3)
        // h = 1.06·σ·n^(−1/6), σ(0.2, 0.6) = 0.2, σ(0, 2) = 1 → categorical 0.94, clipped to 2/3.
        let h0 = 1.06 * 0.2 * Math.exponential(-Math.ln(2) / 6)
        #expect(close(kde.bandwidths[0], h0))
        #expect(close(kde.bandwidths[1], 2.0 / 3))
        let phi = { (z: Double) in Math.exponential(-0.5 * z * z) / (2 * Double.pi).squareRoot() }
        let x = [0.3, 0.0]
        let expected = 0.5 * (phi((0.3 - 0.2) / h0) / h0 * (1 - 2.0 / 3) + phi((0.3 - 0.6) / h0) / h0 * (2.0 / 3 / 2))
        #expect(close(kde.logDensity(x), Math.ln(expected), 1e-12))
    }

    @Test func kernelDensityMatchesStatsmodels() {
        // statsmodels 0.14.5: KDEMultivariate(data, var_type="cu", bw="normal_reference");
        // kde.bw and np.log(kde.pdf(x)) (every category present in the data, so its
        // Aitchison–Aitken level count equals ours).
        let data: [[Double]] = [[0.1, 0], [0.35, 1], [0.4, 2], [0.8, 0], [0.55, 1], [0.2, 2], [0.9, 1], [0.15, 0]]
        let kde = KernelDensity(data: data, kinds: [.continuous, .categorical(3)], minBandwidth: 1e-3)
        #expect(close(kde.bandwidths[0], 0.20860862, 1e-7))
        #expect(close(kde.bandwidths[1], 0.58510416, 1e-7))
        #expect(close(kde.logDensity([0.3, 0]), -0.9869850096794962, 1e-12))
        #expect(close(kde.logDensity([0.6, 1]), -1.237023943205816, 1e-12))
        #expect(close(kde.logDensity([0.95, 2]), -1.984232046157083, 1e-12))
    }

    @Test func proposalsConcentrateWhereGoodResultsAre() throws {
        // 30 results at budget 9: small x is good. The model's proposals should mostly have small x.
        let params = [param("x", .double, "0", "1"), param("epochs", .int, "1", "9")]
        var trials: [Trial] = []
        var rng = SeededRandom(seed: 3)
        for i in 0..<30 {
            let x = rng.uniform()
            trials.append(trial("foreign-\(i)", [("x", String(x)), ("epochs", "9")], .succeeded, value: String(-x)))
        }
        let exp = experiment(params, algorithm: "bohb", settings: [("r_l", "9"), ("resource_name", "epochs"), ("random_fraction", "0")])
        let reply = try AlgorithmService().suggestions(request(exp, trials: trials, count: 20))
        let xs = reply.parameterAssignments.map { Double($0.assignments[0].value)! }
        #expect(xs.filter { $0 < 0.3 }.count >= 15, "\(xs)")
        // Without the model (random_fraction 1) they spread out.
        let prior = experiment(params, algorithm: "bohb", settings: [("r_l", "9"), ("resource_name", "epochs"), ("random_fraction", "1")])
        let ys = try AlgorithmService().suggestions(request(prior, trials: trials, count: 20)).parameterAssignments.map { Double($0.assignments[0].value)! }
        #expect(ys.filter { $0 < 0.3 }.count < 15)
    }

    @Test(arguments: [1, 3, 9])
    func simulatedExperimentRunsToBudget(parallel: Int) throws {
        var sim = SimulatedKatib(params: multiFidelityParams, algorithm: "bohb",
                                 settings: [("r_l", "27"), ("resource_name", "epochs")],
                                 parallel: parallel, maxTrials: 120, seed: UInt64(parallel) + 99, metric: multiFidelityAccuracy)
        try sim.run()
        #expect(sim.finished >= 120)
        // Same promotion rule as hyperband.
        HyperbandTests().checkPromotions(sim, eta: 3, schedule: HyperbandSchedule(maxResource: 27, eta: 3), code: "bohb")
    }
}

import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct GaussianProcessTests {
    // Reference: scikit-learn 1.7.2, GaussianProcessRegressor(kernel=ConstantKernel(1.3) *
    // Matern(length_scale=[0.4, 0.7], nu=2.5) + WhiteKernel(0.01), alpha=0, optimizer=None) fitted on
    // X, y below; predict(Q, return_std=True) (its variance includes the white noise) and
    // log_marginal_likelihood(theta, eval_gradient=True) with theta = ln(1.3, 0.4, 0.7, 0.01).
    static let X: [[Double]] = [[0.1, 0.2], [0.4, 0.9], [0.8, 0.3], [0.5, 0.5], [0.95, 0.05]]
    static let y: [Double] = [0.3, -1.2, 0.8, 0.1, 1.5]
    static let hyper = GaussianProcess.Hyperparameters(lengthScales: [0.4, 0.7], signalVariance: 1.3, noiseVariance: 0.01)

    @Test func posteriorMatchesScikitLearn() throws {
        let gp = try #require(GaussianProcess(x: Self.X, y: Self.y, hyper: Self.hyper))
        let Q: [[Double]] = [[0.3, 0.3], [0.7, 0.8], [0.0, 1.0]]
        let mean = [0.29826554932029853, -0.35551185171564115, -0.666729943581639]
        let variance = [0.17449907280966673, 0.40375921801453807, 0.8286667989717956]
        for i in 0..<3 {
            let p = gp.predict(Q[i])
            #expect(abs(p.mean - mean[i]) < 1e-10)
            #expect(abs(p.variance + 0.01 - variance[i]) < 1e-10)
        }
        #expect(gp.jitter == 0)
    }

    @Test func marginalLikelihoodAndGradientMatchScikitLearn() throws {
        let r = try #require(GaussianProcess.logMarginalLikelihood(Self.X, Self.y, Self.hyper.vector))
        #expect(abs(r.value - -6.200894399993383) < 1e-10)
        // scikit-learn's order: ln s², ln ℓ1, ln ℓ2, ln σ²; ours: ln ℓ1, ln ℓ2, ln s², ln σ².
        let sk = [-0.131168806071585, 1.2653422727456536, -0.932534555229488, 0.004504645733758875]
        let ours = [r.gradient[2], r.gradient[0], r.gradient[1], r.gradient[3]]
        for (a, b) in zip(ours, sk) { #expect(abs(a - b) < 1e-9, "\(a) vs \(b)") }
    }

    /// The gradient `objective` returns at θ against central differences (step 1e-6).
    static func expectGradientMatchesFiniteDifferences(_ theta: [Double],
                                                       _ objective: ([Double]) -> (value: Double, gradient: [Double])?) throws {
        let r = try #require(objective(theta))
        for k in 0..<theta.count {
            var up = theta, down = theta
            up[k] += 1e-6
            down[k] -= 1e-6
            let numeric = (try #require(objective(up)).value - (try #require(objective(down))).value) / 2e-6
            #expect(abs(numeric - r.gradient[k]) < 1e-6, "θ\(k): \(numeric) vs \(r.gradient[k])")
        }
    }

    @Test func gradientMatchesFiniteDifferences() throws {
        try Self.expectGradientMatchesFiniteDifferences([Math.ln(0.25), Math.ln(1.5), Math.ln(0.8), Math.ln(0.05)]) {
            GaussianProcess.logMarginalLikelihood(Self.X, Self.y, $0)
        }
    }

    @Test func lengthScalePriorMatchesSciPy() throws {
        // Reference: scipy.stats.gamma.logpdf(ℓ, 3, scale=1/6) + ln ℓ (the density of θ = ln ℓ),
        // summed over ℓ = 0.4, 0.7 (SciPy 1.16.2).
        let prior = GaussianProcess.logPrior(Self.hyper.vector)
        #expect(abs(prior.value - -1.0546345731902234) < 1e-12)
        #expect(abs(prior.gradient[0] - (3 - 6 * 0.4)) < 1e-12)
        #expect(prior.gradient[2] == 0 && prior.gradient[3] == 0)
    }

    @Test func posteriorGradientMatchesFiniteDifferences() throws {
        try Self.expectGradientMatchesFiniteDifferences([Math.ln(0.05), Math.ln(3), Math.ln(0.8), Math.ln(0.05)]) {
            GaussianProcess.logPosterior(Self.X, Self.y, $0)
        }
    }

    @Test func fittingIncreasesThePosteriorAndStaysInBounds() throws {
        let start = [Math.ln(0.3), Math.ln(0.3), 0, Math.ln(1e-2)]
        let fitted = GaussianProcess.fit(Self.X, Self.y, starts: [start])
        let before = GaussianProcess.logPosterior(Self.X, Self.y, start)!.value
        let after = GaussianProcess.logPosterior(Self.X, Self.y, fitted.vector)!.value
        #expect(after > before)
        for (v, (lo, hi)) in zip(fitted.vector, GaussianProcess.bounds(2)) { #expect(v >= lo - 1e-12 && v <= hi + 1e-12) }
    }

    @Test func duplicateInputsWithoutNoiseNeedJitterAndStillFactor() throws {
        let h = GaussianProcess.Hyperparameters(lengthScales: [0.5], signalVariance: 1, noiseVariance: 1e-300)
        let gp = try #require(GaussianProcess(x: [[0.5], [0.5], [0.2]], y: [1, 1, 0], hyper: h))
        #expect(gp.jitter > 0)
        #expect(gp.predict([0.5]).mean.isFinite)
    }
}

@Suite struct BayesianOptimizationSamplerTests {
    static let space = [param("x", .double, "-5", "10"), param("y", .double, "0", "15")]

    @Test func findsBetterPointsThanRandomOnBranin() throws {
        var ours: [Double] = [], random: [Double] = []
        for seed in 0..<3 {
            ours.append(try closedLoop("bayesianoptimization", Self.space, settings: [("random_state", "\(seed)")], budget: 30,
                                       TPESamplerTests.branin))
            random.append(try closedLoop("random", Self.space, settings: [("random_state", "\(seed)")], budget: 30, TPESamplerTests.branin))
        }
        #expect(median(ours) < median(random), "gp \(ours) vs random \(random)")
        #expect(median(ours) < 1.5, "\(ours)")
    }

    @Test(arguments: ["EI", "PI", "LCB", "EIps", "gp_hedge"])
    func everyAcquisitionGivesADistinctBatch(_ acq: String) throws {
        let exp = experiment(Self.space + [param("c", .categorical, list: ["a", "b", "c"]), param("k", .int, "1", "8")],
                             algorithm: "bayesianoptimization", settings: [("acq_func", acq), ("n_initial_points", "5")],
                             objective: .minimize, metric: "loss")
        var trials: [Trial] = []
        for i in 0..<8 {
            trials.append(trial("t\(i)", [("x", "\(Double(i) - 4)"), ("y", "\(i)"), ("c", ["a", "b", "c"][i % 3]), ("k", "\(i + 1)")],
                                metric: "loss", value: "\(Double((i * 5) % 8))"))
        }
        trials.append(trial("p0", [("x", "1"), ("y", "1"), ("c", "a"), ("k", "1")], .running))
        let reply = try AlgorithmService().suggestions(request(exp, trials: trials, count: 4))
        #expect(reply.parameterAssignments.count == 4)
        #expect(Set(pairs(reply)).count == 4)
        #expect(pairs(reply) == pairs(try AlgorithmService().suggestions(request(exp, trials: trials.reversed(), count: 4))))
    }

    /// Katib's scikit-optimize service accepts RF, ET and GBRT; so does this one, with every
    /// acquisition function, pending trials as liars, and batches without duplicates.
    @Test(arguments: ["RF", "ET", "GBRT"])
    func treeSurrogatesServeEveryAcquisition(_ estimator: String) throws {
        let space = Self.space + [param("c", .categorical, list: ["a", "b", "c"]), param("k", .int, "1", "8")]
        var trials: [Trial] = []
        for i in 0..<12 {
            trials.append(trial("t\(i)", [("x", "\(Double(i) - 4)"), ("y", "\(i)"), ("c", ["a", "b", "c"][i % 3]), ("k", "\(i % 8 + 1)")],
                                metric: "loss", value: "\(Double((i * 5) % 8))"))
        }
        trials.append(trial("p0", [("x", "1"), ("y", "1"), ("c", "a"), ("k", "1")], .running))
        for acq in ["gp_hedge", "EI", "PI", "LCB"] {
            let exp = experiment(space, algorithm: "bayesianoptimization",
                                 settings: [("base_estimator", estimator), ("acq_func", acq), ("n_initial_points", "5")],
                                 objective: .minimize, metric: "loss")
            let reply = try AlgorithmService().suggestions(request(exp, trials: trials, count: 3))
            #expect(Set(pairs(reply)).count == 3, "\(estimator)/\(acq): a batch without duplicates")
            #expect(pairs(reply) == pairs(try AlgorithmService().suggestions(request(exp, trials: trials.reversed(), count: 3))))
        }
    }

    /// Katib's examples/v1beta1/hp-tuning/bayesian-optimization.yaml (random_state 10, parallel 3,
    /// 12 trials) with each base_estimator, through the controller simulation (failures, vanishing
    /// trials, restarts between calls); n_initial_points 3 so that the surrogate proposes most trials.
    @Test(arguments: ["GP", "RF", "ET", "GBRT"])
    func katibsExampleRunsWithEveryBaseEstimator(_ estimator: String) throws {
        let params = [param("lr", .double, "0.01", "0.03"), param("num-layers", .int, "2", "5"),
                      param("optimizer", .categorical, list: ["sgd", "adam", "ftrl"])]
        var sim = SimulatedKatib(params: params, algorithm: "bayesianoptimization",
                                 settings: [("random_state", "10"), ("base_estimator", estimator), ("n_initial_points", "3")],
                                 parallel: 3, maxTrials: 12) { a, _ in
            Double(a["lr"]!)! * 10 + Double(a["num-layers"]!)! / 10 + (a["optimizer"] == "adam" ? 0.2 : 0)
        }
        try sim.run()
        #expect(sim.finished >= 12)
    }

    /// A sanity check of the loop, not a benchmark (that is benchmarks/quality.py): kept small because
    /// a debug build fits 100 trees and scores 10,000 candidates per slot.
    @Test(arguments: ["RF", "ET", "GBRT"])
    func treeSurrogatesBeatRandomOnBranin(_ estimator: String) throws {
        var ours: [Double] = [], random: [Double] = []
        for seed in 0..<3 {
            ours.append(try closedLoop("bayesianoptimization", Self.space,
                                       settings: [("random_state", "\(seed)"), ("base_estimator", estimator), ("n_initial_points", "6")],
                                       budget: 18, TPESamplerTests.branin))
            random.append(try closedLoop("random", Self.space, settings: [("random_state", "\(seed)")], budget: 18, TPESamplerTests.branin))
        }
        #expect(median(ours) < median(random), "\(estimator) \(ours) vs random \(random)")
    }

    @Test func settings() {
        for s in [[("base_estimator", "GP"), ("n_initial_points", "0"), ("acq_func", "PIps"), ("acq_optimizer", "lbfgs"),
                   ("random_state", "3")]] {
            #expect(rpcError { () throws(RPCError) in
                try AlgorithmService().resolve(experiment(Self.space, algorithm: "bayesianoptimization", settings: s)) } == nil)
        }
        expectInvalid(experiment(Self.space, algorithm: "bayesianoptimization", settings: [("base_estimator", "XGB")]), mentions: "base_estimator")
        expectInvalid(experiment(Self.space, algorithm: "bayesianoptimization", settings: [("acq_func", "UCB")]), mentions: "acq_func")
        expectInvalid(experiment(Self.space, algorithm: "bayesianoptimization", settings: [("n_initial_points", "-1")]), mentions: "n_initial_points")
        expectInvalid(experiment(Self.space, algorithm: "bayesianoptimization", settings: [("acq_optimizer", "adam")]), mentions: "acq_optimizer")
    }
}

import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct CMAESCoreTests {
    // Reference: cmaes 0.12.0, CMA(mean=np.full(n, 0.5), sigma=1/6, seed=1): population_size, _mu,
    // _mu_eff, _c1, _cmu, _cc, _c_sigma, _d_sigma, _chi_n, _weights[:mu].
    @Test(arguments: [
        (2, 6, 3, 2.0286114646100617, 0.1548153998964136, 0.057859085071916304, 0.6245545390268264, 0.44620498737831715,
         1.4462049873783172, 1.254272742818995, [0.6370425712412168, 0.28457025743803294, 0.07838717132075033]),
        (10, 10, 5, 3.1672992814107026, 0.015283824524751714, 0.02015428276120838, 0.29499038303562225, 0.2844285879463675,
         1.2844285879463675, 3.0847265651690123, [0.45627264690340597, 0.2707530970017852, 0.1622311171586698,
                                                  0.08523354710016448, 0.025509591835974777]),
    ])
    func constantsMatchTheCmaesPackage(_ n: Int, _ lambda: Int, _ mu: Int, _ muEff: Double, _ c1: Double, _ cMu: Double,
                                       _ cC: Double, _ cSigma: Double, _ dSigma: Double, _ chiN: Double, _ weights: [Double]) {
        let c = CMAES(mean: [Double](repeating: 0.5, count: n), sigma: 1.0 / 6)
        #expect(c.lambda == lambda && c.mu == mu)
        for (a, b) in [(c.muEff, muEff), (c.c1, c1), (c.cMu, cMu), (c.cC, cC), (c.cSigma, cSigma), (c.dSigma, dSigma), (c.chiN, chiN)] {
            #expect(abs(a - b) < 1e-12 * max(1, abs(b)), "\(a) vs \(b)")
        }
        for (a, b) in zip(c.weights, weights) { #expect(abs(a - b) < 1e-12) }
    }

    /// Reference: cmaes 0.12.0, CMA(mean=[0.5]*3, sigma=0.2, seed=1), one tell of the seven points
    /// below with f(x) = (x0−0.3)² + 2(x1−0.6)² + 0.5(x2−0.4)²; then _mean, _sigma, _C, _pc, _p_sigma.
    @Test func oneGenerationMatchesTheCmaesPackage() {
        var c = CMAES(mean: [0.5, 0.5, 0.5], sigma: 0.2)
        #expect(c.lambda == 7)
        let xs: [[Double]] = [[0.3, 0.6, 0.5], [0.7, 0.4, 0.45], [0.5, 0.5, 0.9], [0.2, 0.2, 0.2], [0.65, 0.55, 0.35],
                              [0.45, 0.8, 0.6], [0.55, 0.35, 0.7]]
        func f(_ x: [Double]) -> Double { (x[0] - 0.3) * (x[0] - 0.3) + 2 * (x[1] - 0.6) * (x[1] - 0.6) + 0.5 * (x[2] - 0.4) * (x[2] - 0.4) }
        c.tell(xs.map { ($0, f($0)) })
        let mean = [0.38645970207060576, 0.6524878936392089, 0.5110524042901854]
        let C = [[0.911672449726183, -0.0970905712111916, -0.052840618863760194],
                 [-0.0970905712111916, 1.011860359840275, -0.018233049322141415],
                 [-0.052840618863760194, -0.018233049322141415, 0.8755959363960167]]
        let pc = [-0.765008286749669, 1.0274281853262293, 0.07446854574714358]
        let ps = [-0.6913198508141901, 0.9284624913278171, 0.06729545918384428]
        for i in 0..<3 {
            #expect(abs(c.mean[i] - mean[i]) < 1e-12)
            #expect(abs(c.pC[i] - pc[i]) < 1e-12)
            #expect(abs(c.pSigma[i] - ps[i]) < 1e-12)
            for j in 0..<3 { #expect(abs(c.C[i][j] - C[i][j]) < 1e-10, "C[\(i)][\(j)] \(c.C[i][j])") }
        }
        #expect(abs(c.sigma - 0.18456548562141828) < 1e-12)
    }

    /// Reference: cmaes 0.12.0, CMAwM(mean=[0.5, 0.4], sigma=0.05, bounds=[[0, 1], [0.125, 0.875]],
    /// steps=[0, 0.25], seed=1) (its second dimension has the cells of a 4-value INT in the unit cube),
    /// two tells of the six points below (shifted by (0.01, −0.01) in the second) with
    /// f(x) = (x0 − 0.3)² + (x1 − 0.2)²; after each, _cma._mean, _A and _cma._sigma.
    @Test func marginMatchesTheCmaesPackage() {
        var c = CMAES(mean: [0.5, 0.4], sigma: 0.05)
        #expect(c.lambda == 6)
        var margin = Margin(dimensions: 2, populationSize: 6) { j, t in
            j == 0 ? nil : (t < 0.25 ? nil : (Double(Int(t * 4)) / 4), t >= 0.75 ? nil : Double(Int(t * 4) + 1) / 4)
        }
        #expect(abs(margin.alpha - 1.0 / 12) < 1e-15)
        let xs: [[Double]] = [[0.52, 0.41], [0.47, 0.43], [0.55, 0.36], [0.50, 0.45], [0.44, 0.39], [0.58, 0.42]]
        let expected: [(mean: [Double], A: Double, sigma: Double)] = [
            ([0.45715969656842353, 0.375], 1.6878786007194297, 0.04715806177776427),
            ([0.46715969656842354, 0.375], 2.1555669630816574, 0.03907347128810463),
        ]
        for (g, e) in expected.enumerated() {
            let shifted = xs.map { [$0[0] + 0.01 * Double(g), $0[1] - 0.01 * Double(g)] }
            c.tell(shifted.map { ($0, ($0[0] - 0.3) * ($0[0] - 0.3) + ($0[1] - 0.2) * ($0[1] - 0.2)) })
            margin.correct(&c)
            for j in 0..<2 { #expect(abs(c.mean[j] - e.mean[j]) < 1e-12, "generation \(g) mean[\(j)] \(c.mean[j])") }
            #expect(margin.A[0] == 1)
            #expect(abs(margin.A[1] - e.A) < 1e-9, "generation \(g) A \(margin.A[1])")
            #expect(abs(c.sigma - e.sigma) < 1e-12)
        }
    }

    @Test func marginMovesAMeanStuckInAnEdgeCell() {
        // A tiny σ in the first of four cells: the probability of reaching the second cell is ~0, so
        // the mean moves to where it is α.
        var c = CMAES(mean: [0.1], sigma: 1e-4)
        var margin = Margin(dimensions: 1, populationSize: c.lambda) { _, t in
            t < 0.25 ? (nil, 0.25) : nil
        }
        margin.correct(&c)
        let crossing = 1 - Math.normalCDF((0.25 - c.mean[0]) / (c.sigma * c.C[0][0].squareRoot()))
        #expect(abs(crossing - margin.alpha) < 1e-9, "\(crossing)")
        #expect(c.mean[0] < 0.25)
    }

    @Test func normalQuantileInvertsTheDistribution() {
        for p in [1e-12, 1e-4, 0.025, 0.5, 0.9, 1 - 1e-9] {
            #expect(abs(Math.normalCDF(Math.normalQuantile(p)) - p) < 1e-12 * max(1, p / 1e-3))
        }
        #expect(abs(Math.normalQuantile(0.975) - 1.959963984540054) < 1e-12)
    }

    @Test func jacobiReconstructsTheMatrix() {
        let a = [[4.0, 1, -2, 0.5], [1, 3, 0.25, 0], [-2, 0.25, 5, 1], [0.5, 0, 1, 2]]
        let (values, v) = symmetricEigen(a)
        for i in 0..<4 { for j in 0..<4 {
            let r = (0..<4).reduce(0.0) { $0 + v[i][$1] * values[$1] * v[j][$1] }
            #expect(abs(r - a[i][j]) < 1e-12)
            let o = (0..<4).reduce(0.0) { $0 + v[$1][i] * v[$1][j] }
            #expect(abs(o - (i == j ? 1 : 0)) < 1e-12)
        } }
    }
}

@Suite struct CMAESSamplerTests {
    static let space = [param("x1", .double, "-3", "3"), param("x2", .double, "-3", "3"), param("x3", .double, "-3", "3"),
                        param("x4", .double, "-3", "3")]

    static func sphere(_ p: [String: Double]) -> Double {
        p.values.reduce(0) { $0 + ($1 - 1) * ($1 - 1) }
    }

    @Test func convergesOnAShiftedSphereAndBeatsRandom() throws {
        var ours: [Double] = [], random: [Double] = []
        for seed in 0..<3 {
            ours.append(try closedLoop("cmaes", Self.space, settings: [("random_state", "\(seed)")], budget: 120, batch: 4, Self.sphere))
            random.append(try closedLoop("random", Self.space, settings: [("random_state", "\(seed)")], budget: 120, batch: 4, Self.sphere))
        }
        #expect(median(ours) < median(random) / 5, "cmaes \(ours) vs random \(random)")
    }

    @Test func generationsAreRebuiltFromTrialNames() throws {
        let exp = experiment(Self.space, algorithm: "cmaes", settings: [("random_state", "2")], name: "cma-exp", objective: .minimize, metric: "loss")
        let first = try AlgorithmService().suggestions(request(exp, count: 8))
        let names = first.parameterAssignments.map(\.trialName)
        #expect(names.count == 8 && Set(names).count == 8)
        #expect(names.allSatisfy { $0.hasPrefix("cma-exp-cmaes-0-0-") })
        // λ = 8 for 4 dimensions: one whole generation. While it runs, slots get extra members.
        let running = zip(names, first.parameterAssignments).map { trial($0, $1.assignments, .running) }
        let waiting = try AlgorithmService().suggestions(request(exp, trials: running, count: 2))
        #expect(waiting.parameterAssignments.map(\.trialName).allSatisfy { $0.hasPrefix("cma-exp-cmaes-0-0-") })
        // When the generation has finished, the next one starts.
        let done = zip(names, first.parameterAssignments).enumerated().map { k, e in
            trial(e.0, e.1.assignments, metric: "loss", value: "\(Double(k))")
        }
        let next = try AlgorithmService().suggestions(request(exp, trials: done, count: 3))
        #expect(next.parameterAssignments.map(\.trialName).allSatisfy { $0.hasPrefix("cma-exp-cmaes-0-1-") })
        #expect(pairs(next) == pairs(try AlgorithmService().suggestions(request(exp, trials: done.reversed(), count: 3))),
                "trial order does not matter")
    }

    @Test func settings() {
        for s in [[("sigma", "0.5"), ("restart_strategy", "ipop"), ("random_state", "1")], [("restart_strategy", "bipop")],
                  [("restart_strategy", "None")]] {
            #expect(rpcError { () throws(RPCError) in try AlgorithmService().resolve(experiment(Self.space, algorithm: "cmaes", settings: s)) } == nil)
        }
        expectInvalid(experiment(Self.space, algorithm: "cmaes", settings: [("sigma", "0")]), mentions: "sigma")
        expectInvalid(experiment(Self.space, algorithm: "cmaes", settings: [("restart_strategy", "lpop")]), mentions: "restart_strategy")
        expectInvalid(experiment([param("c", .categorical, list: ["a", "b"])], algorithm: "cmaes"), mentions: "CATEGORICAL")
        expectInvalid(experiment((0..<101).map { param("x\($0)", .double, "0", "1") }, algorithm: "cmaes"), mentions: "at most 100")
    }

    @Test func categoricalParametersFollowTheResults() throws {
        // CATEGORICAL values come from an independent TPE: once results exist, the best category
        // dominates the draws (uniform draws would give it a quarter of them).
        let params = [param("x", .double, "-3", "3"), param("c", .categorical, list: ["a", "b", "c", "d"])]
        let exp = experiment(params, algorithm: "cmaes", settings: [("random_state", "4")], name: "cat", objective: .minimize, metric: "loss")
        var trials: [Trial] = []
        var late: [String] = []
        while trials.count < 80 {
            let reply = try AlgorithmService().suggestions(request(exp, trials: trials, count: 4))
            for pa in reply.parameterAssignments {
                let x = Double(pa.assignments.first { $0.name == "x" }!.value)!
                let c = pa.assignments.first { $0.name == "c" }!.value
                if trials.count >= 40 { late.append(c) }
                let y = (x - 0.5) * (x - 0.5) + (c == "c" ? 0 : 1)
                trials.append(trial(pa.trialName, pa.assignments, metric: "loss", value: ValueFormatting.formatDouble(y)))
            }
        }
        let share = Double(late.filter { $0 == "c" }.count) / Double(late.count)
        #expect(share > 0.6, "best category in \(share) of the last 40 trials")
    }

    @Test func ipopRestartsWithALargerPopulationOnADiscreteSpace() throws {
        // A tiny INT space makes runs stall quickly; ipop must keep producing valid, distinct points.
        let params = [param("a", .int, "0", "3"), param("b", .int, "0", "3")]
        let best = try closedLoop("cmaes", params, settings: [("restart_strategy", "ipop")], budget: 16, batch: 2) { p in
            (p["a"]! - 2) * (p["a"]! - 2) + (p["b"]! - 1) * (p["b"]! - 1)
        }
        #expect(best == 0)
    }
}

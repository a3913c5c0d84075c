import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct HyperbandTests {
    static let settings = [("r_l", "27"), ("resource_name", "epochs"), ("eta", "3")]

    @Test func scheduleMatchesTheHyperbandPaper() {
        // Li et al. 2018, Table 1 / Section 3.3: R = 81, η = 3.
        let s = HyperbandSchedule(maxResource: 81, eta: 3)
        #expect(s.sMax == 4)
        #expect(s.rungSizes(s: 4) == [81, 27, 9, 3, 1])
        #expect(s.rungResources(s: 4) == [1, 3, 9, 27, 81])
        #expect(s.rungSizes(s: 3) == [34, 11, 3, 1])
        #expect(s.rungResources(s: 3) == [3, 9, 27, 81])
        #expect(s.rungSizes(s: 2) == [15, 5, 1])
        #expect(s.rungSizes(s: 1) == [8, 2])
        #expect(s.rungSizes(s: 0) == [5])
        #expect(s.s(bracket: 0) == 4 && s.s(bracket: 4) == 0 && s.s(bracket: 5) == 4)
        // Katib's int(ln 243 / ln 3) is 4; the exact answer is 5.
        #expect(HyperbandSchedule(maxResource: 243, eta: 3).sMax == 5)
        #expect(HyperbandSchedule(maxResource: 1000, eta: 10).sMax == 3)
        #expect(HyperbandSchedule(maxResource: 9, eta: 3).trialsPerIteration == 22)
    }

    @Test func validation() {
        let params = [param("lr", .double, "0.01", "0.1"), param("epochs", .int, "1", "9")]
        expectInvalid(experiment(params, algorithm: "hyperband", settings: [("r_l", "9")]), mentions: "r_l and resource_name must be set")
        expectInvalid(experiment(params, algorithm: "hyperband", settings: [("resource_name", "epochs")]), mentions: "r_l and resource_name must be set")
        for bad in ["x", "-1", "0", "nan", "inf"] {
            expectInvalid(experiment(params, algorithm: "hyperband", settings: [("r_l", bad), ("resource_name", "epochs")]), mentions: "r_l")
        }
        for bad in ["1", "0", "-3", "abc", "0.5"] {
            expectInvalid(experiment(params, algorithm: "hyperband", settings: [("r_l", "9"), ("resource_name", "epochs"), ("eta", bad)]), mentions: "eta")
        }
        expectInvalid(experiment(params, algorithm: "hyperband", settings: [("r_l", "9"), ("resource_name", "nope")]),
                      mentions: "value of resource_name setting must be in parameters")
        expectInvalid(experiment(params + [param("opt", .categorical, list: ["a"])], algorithm: "hyperband",
                                 settings: [("r_l", "9"), ("resource_name", "opt")]), mentions: "INT or DOUBLE")
        // The resource alone is accepted (Katib accepts it too).
        #expect(rpcError { () throws(RPCError) in try AlgorithmService().resolve(experiment([param("epochs", .int, "1", "9")],
            algorithm: "hyperband", settings: [("r_l", "9"), ("resource_name", "epochs")])) } == nil)
        // Katib's state settings are accepted (an experiment moved from Katib's service).
        let moved = experiment(params, algorithm: "hyperband", settings: [("r_l", "9"), ("resource_name", "epochs"),
            ("current_s", "-1"), ("evaluating_trials", "3"), ("b_l", "27.0")], parallel: 1)
        #expect(rpcError { () throws(RPCError) in try AlgorithmService().resolve(moved) } == nil)
    }

    /// Katib's examples/v1beta1/hp-tuning/hyperband.yaml: r_l 2, η 2, num-epochs INT [1, 1]; the rungs
    /// (1, 2) are clamped into the range, so every trial trains one epoch, as on Katib.
    @Test func katibsHyperbandExampleRunsToMaxTrialCount() throws {
        let params = [param("lr", .double, "0.01", "0.03"), param("num-layers", .int, "2", "5"),
                      param("optimizer", .categorical, list: ["sgd", "adam", "ftrl"]), param("num-epochs", .int, "1", "1")]
        let settings = [("resource_name", "num-epochs"), ("eta", "2"), ("r_l", "2")]
        #expect(rpcError { () throws(RPCError) in try AlgorithmService().validate(experiment(params, algorithm: "hyperband", settings: settings, maxTrials: 2, parallel: 2)) } == nil)
        for (parallel, maxTrials) in [(2, 2), (3, 12)] {
            var sim = SimulatedKatib(params: params, algorithm: "hyperband", settings: settings, parallel: parallel, maxTrials: maxTrials) { a, _ in
                Double(a["lr"]!)! * 10 + Double(a["num-layers"]!)!
            }
            try sim.run()
            #expect(sim.finished >= maxTrials)
            #expect(sim.runs.allSatisfy { $0.assignments["num-epochs"] == "1" })
        }
        // Only the resource, and a range narrower than the rungs: clamped (1, 3, 5 for R 9, η 3 on [1, 5]).
        var only = SimulatedKatib(params: [param("epochs", .int, "1", "5")], algorithm: "hyperband",
                                  settings: [("r_l", "9"), ("resource_name", "epochs")], parallel: 4, maxTrials: 30) { a, _ in Double(a["epochs"]!)! }
        try only.run()
        #expect(Set(only.runs.compactMap { $0.assignments["epochs"] }).isSubset(of: ["1", "3", "5"]))
        #expect(only.runs.contains { $0.assignments["epochs"] == "5" })
    }

    @Test func firstBracketWithKatibsExampleShape() throws {
        // Katib HB-FLOW-1: r_l 9, η 3 → bracket 9 @1 → 3 @3 → 1 @9, then 5 @3 → 1 @9, then 3 @9.
        let params = [param("lr", .double, "0.01", "0.03"), param("epochs", .int, "1", "9")]
        var sim = SimulatedKatib(params: params, algorithm: "hyperband", settings: [("r_l", "9"), ("resource_name", "epochs")],
                                 parallel: 9, maxTrials: 22) { a, _ in Double(a["lr"]!)! * Double(a["epochs"]!)! }
        // Parallel 9, every call answered after all running trials succeed: the paper's order exactly.
        var perCall: [[String]] = []
        while sim.finished < 22 {
            let new = try sim.call(Swift.min(9, 22 - sim.finished) - sim.active)
            perCall.append(new.map { $0.assignments["epochs"]! })
            sim.settle()
        }
        #expect(perCall[0] == Array(repeating: "1", count: 9))
        // Rung 0 of bracket 0 is closed: its 3 best move to 3 epochs; the 6 other slots start bracket 1 (s = 1, 5 configs @3)
        // and bracket 2 (s = 0, 3 configs @9, one of them here).
        #expect(perCall[1].sorted() == ["3", "3", "3", "3", "3", "3", "3", "3", "9"])
        // The three promoted are the three best lr (metric lr·epochs, maximised).
        let rung0 = sim.runs.prefix(9).sorted { Double($0.assignments["lr"]!)! > Double($1.assignments["lr"]!)! }
        let promotedLR = Set(sim.runs[9..<12].map { $0.assignments["lr"]! })
        #expect(promotedLR == Set(rung0.prefix(3).map { $0.assignments["lr"]! }))
    }

    @Test(arguments: [1, 3, 9])
    func simulatedExperimentRunsToBudget(parallel: Int) throws {
        for objective in [ObjectiveType.maximize, .minimize] {
            var sim = SimulatedKatib(params: multiFidelityParams, algorithm: "hyperband", settings: Self.settings,
                                     parallel: parallel, maxTrials: 120, seed: UInt64(parallel)) { a, rng in
                let v = multiFidelityAccuracy(a, &rng)
                return objective == .maximize ? v : -v
            }
            sim.objective = objective
            try sim.run()
            #expect(sim.finished >= 120)
            checkPromotions(sim, eta: 3, schedule: HyperbandSchedule(maxResource: 27, eta: 3))
        }
    }

    /// Every rung's promotions are exactly the best of the rung below (as many as the schedule allows),
    /// and no rung is larger than the schedule says.
    func checkPromotions(_ sim: SimulatedKatib, eta: Double, schedule: HyperbandSchedule, code: String = "hb",
                         sourceLocation: SourceLocation = #_sourceLocation) {
        var byRung: [[Int]: [SimulatedKatib.Run]] = [:]   // [b, i] → runs
        for r in sim.runs {
            guard let f = nameFields(r.name, experiment: sim.experimentName, code: code, count: 4) else {
                Issue.record("foreign name \(r.name)", sourceLocation: sourceLocation); continue
            }
            byRung[[f[0], f[2]], default: []].append(r)
            let s = schedule.s(bracket: f[0])
            let resource = schedule.rungResources(s: s)[f[2]]
            #expect(r.assignments["epochs"] == String(Int(resource.rounded())), sourceLocation: sourceLocation)
        }
        var checkedPromotions = 0
        for (key, runs) in byRung {
            let (b, i) = (key[0], key[1])
            let sizes = schedule.rungSizes(s: schedule.s(bracket: b))
            #expect(Set(runs.filter { !$0.vanished }.map { $0.assignments.filter { $0.key != "epochs" } }).count <= sizes[i], sourceLocation: sourceLocation)
            guard let next = byRung[[b, i + 1]] else { continue }
            let visible = runs.filter { !$0.vanished }
            guard !visible.contains(where: { $0.condition == .running }) else {
                Issue.record("rung \(i + 1) of bracket \(b) started before rung \(i) finished", sourceLocation: sourceLocation); continue
            }
            let better: (Double, Double) -> Bool = sim.objective == .maximize ? { $0 > $1 } : { $0 < $1 }
            let ranked = visible.filter { $0.value != nil }.sorted { better($0.value!, $1.value!) }
            let m = Swift.min(sizes[i + 1], ranked.count)
            let config = { (r: SimulatedKatib.Run) in r.assignments.filter { $0.key != "epochs" } }
            let promoted = Set(next.map(config))
            #expect(promoted.isSubset(of: Set(ranked.prefix(m).map(config))), "bracket \(b) rung \(i)", sourceLocation: sourceLocation)
            if let best = ranked.first { #expect(promoted.contains(config(best)), "best promoted", sourceLocation: sourceLocation) }
            checkedPromotions += 1
        }
        #expect(checkedPromotions > 0, sourceLocation: sourceLocation)
    }
}


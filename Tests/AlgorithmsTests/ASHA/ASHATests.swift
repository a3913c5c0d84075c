import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct ASHATests {
    static let settings = [("resource_name", "epochs"), ("eta", "3")]

    func suggest(_ params: [ParameterSpec], _ settings: [(String, String)], trials: [Trial] = [], count: Int32,
                 name: String = "exp") throws(RPCError) -> GetSuggestionsReply {
        try AlgorithmService().suggestions(request(experiment(params, algorithm: "asha", settings: settings, name: name),
                                                   trials: trials, count: count))
    }

    @Test func rungsAreGeometricFromTheTop() throws {
        // min 1, max 27, η 3: rungs 1, 3, 9, 27; min 2, max 27: 3, 9, 27 (the top gets exactly max).
        let params = [param("x", .double, "0", "1"), param("epochs", .int, "1", "100")]
        let plan = try ASHASampler().validate(AlgorithmService().resolve(experiment(params, algorithm: "asha",
            settings: [("resource_name", "epochs"), ("max_resource", "27")])).1)
        #expect(plan.rungResources == [1, 3, 9, 27])
        let plan2 = try ASHASampler().validate(AlgorithmService().resolve(experiment(params, algorithm: "asha",
            settings: [("resource_name", "epochs"), ("min_resource", "2"), ("max_resource", "27")])).1)
        #expect(plan2.rungResources == [3, 9, 27])
    }

    @Test func validation() {
        let params = [param("x", .double, "0", "1"), param("epochs", .int, "0", "27")]
        expectInvalid(experiment(params, algorithm: "asha"), mentions: "resource_name")
        expectInvalid(experiment(params, algorithm: "asha", settings: [("resource_name", "epochs")]), mentions: "min_resource must be > 0")
        expectInvalid(experiment(params, algorithm: "asha", settings: [("resource_name", "epochs"), ("min_resource", "9"), ("max_resource", "3")]),
                      mentions: "max_resource")
        expectInvalid(experiment(params, algorithm: "asha", settings: [("resource_name", "epochs"), ("min_resource", "1"), ("max_resource", "81")]),
                      mentions: "widen its feasible_space")
        expectInvalid(experiment(params, algorithm: "asha", settings: [("resource_name", "epochs"), ("min_resource", "1"), ("eta", "1")]),
                      mentions: "eta")
        #expect(rpcError { () throws(RPCError) in try AlgorithmService().resolve(experiment([param("x", .double, "0.1", "1")],
            algorithm: "asha", settings: [("resource_name", "x"), ("eta", "3")])) } == nil, "the resource may be the only parameter")
    }

    @Test func promotesTheBestThirdAsSoonAsResultsAllowIt() throws {
        let params = [param("x", .double, "0", "1"), param("epochs", .int, "1", "9")]
        let first = try suggest(params, Self.settings, count: 5)
        #expect(first.parameterAssignments.allSatisfy { $0.assignments[1].value == "1" })
        // Three results at rung 0 (one trial still running, one failed): ⌊3/3⌋ = 1 promotion, the best.
        let values = ["0.5", "0.9", "0.7"]
        var trials = first.parameterAssignments.prefix(3).enumerated().map { i, pa in
            trial(pa.trialName, pa.assignments, .succeeded, value: values[i])
        }
        trials.append(trial(first.parameterAssignments[3].trialName, first.parameterAssignments[3].assignments, .running))
        trials.append(trial(first.parameterAssignments[4].trialName, first.parameterAssignments[4].assignments, .failed))
        let second = try suggest(params, Self.settings, trials: trials, count: 2)
        #expect(second.parameterAssignments[0].assignments == [ParameterAssignment(name: "x", value: first.parameterAssignments[1].assignments[0].value),
                                                               ParameterAssignment(name: "epochs", value: "3")])
        #expect(second.parameterAssignments[0].labels["asha.suggestion.katib.kubeflow.org/rung"] == "1")
        // The second slot has nothing to promote: a fresh configuration at rung 0.
        #expect(second.parameterAssignments[1].assignments[1].value == "1")
        #expect(Set(first.parameterAssignments.map(\.trialName) + second.parameterAssignments.map(\.trialName)).count == 7)
    }

    @Test func earlyStoppedTrialsAreNeverPromoted() throws {
        let params = [param("x", .double, "0", "1"), param("epochs", .int, "1", "9")]
        let first = try suggest(params, Self.settings, count: 4)
        // The early-stopped trial reports the best metric, from a shorter run: it must not be promoted,
        // and it does not count towards the quota (3 results → 1 promotion).
        let outcomes: [(TrialStatus.TrialConditionType, String)] = [(.earlystopped, "0.99"), (.succeeded, "0.5"),
                                                                    (.succeeded, "0.8"), (.succeeded, "0.6")]
        let trials = first.parameterAssignments.enumerated().map { i, pa in
            trial(pa.trialName, pa.assignments, outcomes[i].0, value: outcomes[i].1)
        }
        let next = try suggest(params, Self.settings, trials: trials, count: 2).parameterAssignments
        #expect(next[0].assignments == [first.parameterAssignments[2].assignments[0], ParameterAssignment(name: "epochs", value: "3")])
        #expect(next[1].assignments[1].value == "1")
    }

    @Test(arguments: [1, 3, 9])
    func simulatedExperimentRunsToBudget(parallel: Int) throws {
        var sim = SimulatedKatib(params: multiFidelityParams, algorithm: "asha", settings: Self.settings,
                                 parallel: parallel, maxTrials: 150, seed: UInt64(parallel) + 7, metric: multiFidelityAccuracy)
        try sim.run()
        #expect(sim.finished >= 150)
        // Drain: finish everything, then ask one slot at a time until ASHA starts a fresh configuration,
        // i.e. nothing is promotable any more.
        sim.settle()
        while true {
            let new = try sim.call(1)
            if new[0].assignments["epochs"] == "1" { break }   // left running: it has no result yet
            sim.settle()
        }
        // Now every rung's top ⌊n/η⌋ (n = configurations with a result) has reached the next rung.
        var rungs: [Int: [SimulatedKatib.Run]] = [:]
        for r in sim.runs where !r.vanished {
            let f = try #require(nameFields(r.name, experiment: sim.experimentName, code: "asha", count: 3))
            #expect(r.assignments["epochs"] == ["1", "3", "9", "27"][f[1]])
            rungs[f[1], default: []].append(r)
        }
        let config = { (r: SimulatedKatib.Run) in r.assignments.filter { $0.key != "epochs" } }
        for k in 0..<3 {
            let ranked = (rungs[k] ?? []).filter { $0.value != nil }.sorted { $0.value! > $1.value! }
            let quota = ranked.count / 3
            let above = Set((rungs[k + 1] ?? []).map(config))
            for r in ranked.prefix(quota) where !above.contains(config(r)) {
                Issue.record("rung \(k) top \(quota) not promoted: \(r.name) \(r.value!); all runs of it: \(sim.runs.filter { config($0) == config(r) }.map { "\($0.name) \($0.condition) \($0.vanished)" })")
            }
            // Nothing reaches rung k+1 without a result at rung k.
            #expect(above.isSubset(of: Set(ranked.map(config))))
        }
        #expect((rungs[3] ?? []).count >= 1, "some configuration reached the maximum resource")
    }
}

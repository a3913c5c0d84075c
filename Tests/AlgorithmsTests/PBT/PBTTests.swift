import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct PBTTests {
    static let settings = [("suggestion_trial_dir", "/var/log/katib/checkpoints/"), ("n_population", "5"),
                           ("truncation_threshold", "0.2")]
    static let params = [param("lr", .double, "0.0001", "0.02", step: "0.0001"), param("n", .int, "1", "5"),
                         param("c", .categorical, list: ["a", "b", "c"])]
    static let gen = PBTSampler.generationLabel
    static let parent = PBTSampler.parentLabel

    func suggest(_ trials: [Trial] = [], count: Int32, settings: [(String, String)] = settings,
                 name: String = "simple-pbt") throws(RPCError) -> GetSuggestionsReply {
        try AlgorithmService().suggestions(request(experiment(Self.params, algorithm: "pbt", settings: settings, name: name),
                                                   trials: trials, count: count))
    }

    @Test func validation() {
        let e = { (s: [(String, String)]) in experiment(Self.params, algorithm: "pbt", settings: s) }
        expectInvalid(e([("n_population", "40")]), mentions: "Required params missing: suggestion_trial_dir, truncation_threshold")
        expectInvalid(e([]), mentions: "Required params missing: suggestion_trial_dir, n_population, truncation_threshold")
        expectInvalid(e([("suggestion_trial_dir", "/x"), ("n_population", "4"), ("truncation_threshold", "0.2")]), mentions: "n_population")
        expectInvalid(e([("suggestion_trial_dir", "/x"), ("n_population", "5.0"), ("truncation_threshold", "0.2")]), mentions: "n_population")
        expectInvalid(e([("suggestion_trial_dir", "/x"), ("n_population", "5"), ("truncation_threshold", "1.2")]), mentions: "truncation_threshold")
        expectInvalid(e(Self.settings + [("resample_probability", "1.5")]), mentions: "resample_probability")
        // Katib's service rejects every resample_probability (it compares a string with numbers).
        #expect(rpcError { () throws(RPCError) in try AlgorithmService().resolve(e(Self.settings + [("resample_probability", "0.5")])) } == nil)
    }

    @Test func firstGenerationNamesAndLabels() throws {
        let longName = String(repeating: "x", count: 40)
        let reply = try suggest(count: 7, name: longName)
        #expect(reply.parameterAssignments.count == 7)
        for (i, pa) in reply.parameterAssignments.enumerated() {
            #expect(pa.trialName.utf8.count <= 63 && isDNSLabel(pa.trialName), "\(pa.trialName)")
            #expect(pa.labels == [Self.gen: "0"])
            let f = try #require(nameFields(pa.trialName, experiment: longName, code: "pbt", count: 4))
            #expect(f[0] == 0 && f[1] == i && f[2] == 0 && f[3] == i, "slots 0…4, then the population grows")
        }
    }

    /// Five finished generation-0 members with losses ordered by `values` (maximised accuracy).
    func population(_ values: [Double]) throws -> [Trial] {
        let first = try suggest(count: 5)
        return first.parameterAssignments.enumerated().map { i, pa in
            trial(pa.trialName, pa.assignments, .succeeded, value: String(values[i]))
        }
    }

    @Test func worstMemberExploitsTheBestAndInheritsItsCheckpoint() throws {
        let trials = try population([0.5, 0.9, 0.1, 0.6, 0.7])
        let reply = try suggest(trials, count: 5)
        let next = reply.parameterAssignments
        // Members in sequence order: member 2 (0.1) is below quantile 0.2; the donors are those >= quantile 0.8 (0.9 only).
        let byMember = Dictionary(uniqueKeysWithValues: try next.map { pa in
            (try #require(nameFields(pa.trialName, experiment: "simple-pbt", code: "pbt", count: 4))[1], pa) })
        let poor = try #require(byMember[2])
        #expect(poor.assignments == trials[1].spec!.parameterAssignments!.assignments, "copies the good member's values")
        #expect(poor.labels == [Self.gen: "1", Self.parent: trials[1].name], "and its checkpoint")
        for j in [0, 1, 3, 4] {
            let pa = try #require(byMember[j])
            #expect(pa.labels == [Self.gen: "1", Self.parent: trials[j].name], "explores from its own checkpoint")
            let old = Dictionary(uniqueKeysWithValues: trials[j].spec!.parameterAssignments!.assignments.map { ($0.name, $0.value) })
            let new = Dictionary(uniqueKeysWithValues: pa.assignments.map { ($0.name, $0.value) })
            #expect(old != new, "perturbed")
            let n = try #require(Int(new["n"]!), "INT stays an integer string")
            #expect((1...5).contains(n))
            let lr = try #require(Double(new["lr"]!))
            let k = (lr - 0.0001) / 0.0001
            #expect(abs(k - k.rounded()) < 1e-9 && lr >= 0.0001 && lr <= 0.02, "on the step lattice: \(lr)")
            #expect(["a", "b", "c"].contains(new["c"]!) && new["c"] != old["c"])
        }
    }

    @Test func failedTrialsAreRetriedABoundedNumberOfTimes() throws {
        var trials = try population([0.5, 0.9, 0.1, 0.6, 0.7])
        let gen1 = try suggest(trials, count: 5).parameterAssignments
        // Member 2's generation-1 trial fails three times (max_retries 2): retried twice with the same
        // assignments and parent, then replaced by an exploit step.
        let m2 = gen1.first { $0.labels[Self.parent] == trials[1].name && $0.trialName.contains("-pbt-1-2-") }!
        trials += gen1.filter { $0.trialName != m2.trialName }.map { trial($0.trialName, $0.assignments, .running) }
        var failing = m2
        for attempt in 0..<3 {
            trials.append(trial(failing.trialName, failing.assignments, .failed))
            let r = try suggest(trials, count: 1).parameterAssignments[0]
            if attempt < 2 {
                #expect(r.assignments == m2.assignments && r.labels == m2.labels, "retry \(attempt + 1)")
                #expect(r.trialName != failing.trialName)
            } else {
                #expect(r.labels[Self.parent] == trials[1].name, "replaced: exploits the best member again")
                #expect(r.trialName.contains("-pbt-1-2-"))
            }
            failing = r
        }
    }

    @Test(arguments: [1, 3, 9])
    func simulatedExperimentImprovesOverGenerations(parallel: Int) throws {
        // Katib's simple-pbt toy, reduced: each trial continues its parent's checkpoint and adds a gain
        // that is largest for lr near 0.01 (and for c = "b").
        let params = [param("lr", .double, "0.0001", "0.02", step: "0.0001"), param("n", .int, "1", "5"),
                      param("c", .categorical, list: ["a", "b", "c"])]
        var values: [String: Double] = [:]
        var sim = SimulatedKatib(params: params, algorithm: "pbt", settings: [
            ("suggestion_trial_dir", "/ckpt"), ("n_population", "6"), ("truncation_threshold", "0.25")],
            parallel: parallel, maxTrials: 90, seed: UInt64(parallel)) { _, _ in 0 }
        sim.failureRate = 0.08
        sim.vanishRate = 0.02
        while sim.finished < sim.maxTrials {
            let toAdd = Swift.min(sim.parallel, sim.maxTrials - sim.finished) - sim.active
            if toAdd > 0 { _ = try sim.call(toAdd) }
            var running = sim.runs.indices.filter { sim.runs[$0].condition == .running }
            sim.rng.shuffle(&running)
            for i in running.prefix(1 + sim.rng.index(below: running.count)) {
                sim.finish(i)
                guard sim.runs[i].condition == .succeeded else { continue }
                let r = sim.runs[i]
                let base = r.labels[Self.parent].map { values[$0]! } ?? 0
                let lr = Double(r.assignments["lr"]!)!
                let gain = 1 - abs(lr - 0.01) / 0.01 + (r.assignments["c"] == "b" ? 0.5 : 0)
                sim.runs[i].value = base + gain
                values[r.name] = base + gain
            }
        }
        // Lineage: every parent is an earlier succeeded trial, generation = parent's + 1.
        let byName = Dictionary(uniqueKeysWithValues: sim.runs.map { ($0.name, $0) })
        var generations: [Int: [Double]] = [:]
        var exploits = 0
        for r in sim.runs {
            let g = try #require(Int(r.labels[Self.gen] ?? ""))
            if let p = r.labels[Self.parent] {
                let parent = try #require(byName[p])
                #expect(parent.condition == .succeeded)
                #expect(Int(parent.labels[Self.gen]!)! + 1 == g)
                let own = nameFields(r.name, experiment: sim.experimentName, code: "pbt", count: 4)![1]
                let theirs = nameFields(p, experiment: sim.experimentName, code: "pbt", count: 4)![1]
                if own != theirs { exploits += 1 }
            } else {
                #expect(g == 0)
            }
            if let v = r.value { generations[g, default: []].append(v) }
        }
        #expect(exploits > 0, "some member took over a better checkpoint")
        let top = generations.keys.max()!
        #expect(top >= 3)
        #expect(generations[top]!.max()! > generations[0]!.max()!, "later generations beat the first")
    }
}

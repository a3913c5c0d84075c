// Drives an algorithm through AlgorithmService the way Katib's controller does: requests sized
// min(parallel, max − finished) − active, total_request_number = suggestions made so far + request,
// settings merged with the state of earlier replies, trials finishing in random order, some failing,
// some vanishing (MetricsUnavailable trials are left out of requests). Every call is made on a fresh
// service from the request alone (a restarted server), and repeated with the trial list reversed.
import Testing
import SuggestionAPI
@testable import Algorithms

struct SimulatedKatib {
    struct Run {
        var name: String
        var assignments: [String: String]
        var condition: TrialStatus.TrialConditionType
        var value: Double?
        var labels: [String: String]
        var vanished = false
    }

    let experimentName: String
    let params: [ParameterSpec]
    let algorithm: String
    let settings: [(String, String)]
    let parallel: Int
    let maxTrials: Int
    var failureRate = 0.1
    var vanishRate = 0.03
    var objective: ObjectiveType = .maximize
    /// The metric of a finished trial from its assignments.
    let metric: ([String: String], inout SeededRandom) -> Double
    var rng = SeededRandom(seed: 12345)
    var runs: [Run] = []
    var suggestionCount = 0
    var state: [AlgorithmSetting] = []
    var calls = 0

    init(name: String = "sim-exp", params: [ParameterSpec], algorithm: String, settings: [(String, String)],
         parallel: Int, maxTrials: Int, seed: UInt64 = 12345,
         metric: @escaping ([String: String], inout SeededRandom) -> Double) {
        experimentName = name
        self.params = params
        self.algorithm = algorithm
        self.settings = settings
        self.parallel = parallel
        self.maxTrials = maxTrials
        self.metric = metric
        rng = SeededRandom(seed: seed)
    }

    var experiment: Experiment {
        var merged = settings.map { AlgorithmSetting(name: $0.0, value: $0.1) }
        for s in state {
            if let i = merged.firstIndex(where: { $0.name == s.name }) { merged[i].value = s.value } else { merged.append(s) }
        }
        var e = simulatedExperiment(params, algorithm: algorithm, name: experimentName, objective: objective,
                                      maxTrials: Int32(maxTrials), parallel: Int32(parallel))
        e.spec!.algorithm!.algorithmSettings = merged
        return e
    }

    var requestTrials: [Trial] {
        runs.filter { !$0.vanished }.map { r in
            trial(r.name, r.assignments.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, r.condition,
                  value: r.value.map { String($0) })
        }
    }

    var active: Int { runs.filter { $0.condition == .running }.count }
    var finished: Int { runs.count - active }

    /// One GetSuggestions call of `count` assignments, checked like Katib's controller checks it.
    mutating func call(_ count: Int) throws -> [Run] {
        var trials = requestTrials
        rng.shuffle(&trials)
        let req = GetSuggestionsRequest(experiment: experiment, trials: trials, currentRequestNumber: Int32(count),
                                        totalRequestNumber: Int32(suggestionCount + count))
        let reply = try AlgorithmService().suggestions(req)
        var reversed = req
        reversed.trials.reverse()
        #expect(try AlgorithmService().suggestions(reversed) == reply, "same history, same reply")
        try #require(reply.parameterAssignments.count == count, "count mismatch: Katib would retry forever")
        calls += 1
        suggestionCount += count
        if let a = reply.algorithm { for s in a.algorithmSettings {
            if let i = state.firstIndex(where: { $0.name == s.name }) { state[i].value = s.value } else { state.append(s) }
        } }
        var names = Set(runs.map(\.name))
        var new: [Run] = []
        for pa in reply.parameterAssignments {
            // Katib names the trial itself when the service does not (`<experiment>-<random>`).
            let name = pa.trialName.isEmpty ? "\(experimentName)-k\(String(runs.count + new.count, radix: 36))" : pa.trialName
            #expect(!name.isEmpty && name.utf8.count <= 63 && isDNSLabel(name), "trial name \(name)")
            #expect(names.insert(name).inserted, "trial name \(name) reused")
            for (k, v) in pa.labels { #expect(v.utf8.count <= 63 && k.utf8.count <= 253, "label \(k)=\(v)") }
            new.append(Run(name: name, assignments: Dictionary(uniqueKeysWithValues: pa.assignments.map { ($0.name, $0.value) }),
                           condition: .running, value: nil, labels: pa.labels))
        }
        runs += new
        return new
    }

    /// Finishes `run` with success (its metric), failure, or a vanishing MetricsUnavailable.
    mutating func finish(_ i: Int, reliable: Bool = false) {
        let u = rng.uniform()
        if !reliable && u < failureRate {
            runs[i].condition = .failed
        } else if !reliable && u < failureRate + vanishRate {
            runs[i].condition = .metricsunavailable
            runs[i].vanished = true
        } else {
            runs[i].condition = .succeeded
            runs[i].value = metric(runs[i].assignments, &rng)
        }
    }

    /// Runs the experiment to max_trial_count like Katib's controller.
    mutating func run() throws {
        while finished < maxTrials {
            let toAdd = Swift.min(parallel, maxTrials - finished) - active
            if toAdd > 0 { _ = try call(toAdd) }
            // Some running trials finish, in random order.
            var running = runs.indices.filter { runs[$0].condition == .running }
            rng.shuffle(&running)
            let n = 1 + rng.index(below: running.count)
            for i in running.prefix(n) { finish(i) }
        }
    }

    /// Finishes every running trial successfully.
    mutating func settle() {
        for i in runs.indices where runs[i].condition == .running { finish(i, reliable: true) }
    }
}

func isDNSLabel(_ s: String) -> Bool {
    guard let f = s.unicodeScalars.first, let l = s.unicodeScalars.last else { return false }
    func alnum(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "0" && c <= "9") }
    return alnum(f) && alnum(l) && s.unicodeScalars.allSatisfy { alnum($0) || $0 == "-" }
}

/// `experiment` from Support.swift under a name that the struct property does not shadow.
func simulatedExperiment(_ params: [ParameterSpec], algorithm: String, name: String, objective: ObjectiveType,
                           maxTrials: Int32, parallel: Int32) -> Experiment {
    experiment(params, algorithm: algorithm, name: name, objective: objective, maxTrials: maxTrials, parallel: parallel)
}

/// Fields of a trial name made by `TrialNaming` (nil for foreign names).
func nameFields(_ name: String, experiment: String, code: String, count: Int) -> [Int]? {
    TrialNaming.parse(name, experiment: experiment, code: code, fieldCount: count)
}

/// A multi-fidelity test function: x in [0, 1] (parameter `x`) and a categorical `c`; the true value
/// 1 − (x − 0.3)² (+0.1 for c = "b") is reached as the resource `epochs` grows, with noise that shrinks
/// like 1/epochs. Maximised.
func multiFidelityAccuracy(_ a: [String: String], _ rng: inout SeededRandom) -> Double {
    let x = Double(a["x"] ?? "0") ?? 0
    let bonus = a["c"] == "b" ? 0.1 : 0
    let epochs = Double(a["epochs"] ?? "1") ?? 1
    let truth = 1 - (x - 0.3) * (x - 0.3) + bonus
    return truth * (1 - 0.5 / epochs) + 0.02 * rng.normal() / epochs
}

let multiFidelityParams = [param("x", .double, "0", "1"), param("c", .categorical, list: ["a", "b", "c"]),
                           param("epochs", .int, "1", "27")]

// The runnable examples under examples/, read as `tune` reads them (the Experiment Katib's controller
// would send), driven through the suggestion service the way Katib's controller drives it: requests of
// min(parallel, max − finished) − active assignments with the whole history in a shuffled order, a
// fresh service per call, trials finishing in random order, some failing; every metric the experiment
// declares reported. Each example's feature is checked on the way.
import Foundation
import Testing
import SuggestionAPI
import Algorithms
@testable import LocalRunner

@Suite struct ExampleExperimentsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let examples = ["ridge", "evolution", "warm-start", "conditional", "multi-objective"]

    static func load(_ name: String) throws -> LocalExperiment {
        let text = try String(contentsOf: root.appendingPathComponent("examples/\(name)/experiment.yaml"), encoding: .utf8)
        return try LocalExperiment.load(try YAML.parse(text))
    }

    /// Runs `e` to maxTrialCount; returns every suggestion's assignments in order, with its trial name.
    static func drive(_ e: LocalExperiment, seed: UInt64) throws -> [(name: String, values: [String: String])] {
        var rng = SeededRandom(seed: seed)
        var trials: [Trial] = []
        var suggested: [(name: String, values: [String: String])] = []
        let metrics = [e.objectiveMetric] + e.additionalMetrics
        while trials.filter({ $0.status?.condition != .running }).count < e.maxTrialCount {
            let finished = trials.filter { $0.status?.condition != .running }.count
            let active = trials.count - finished
            let want = Swift.min(e.parallelTrialCount, e.maxTrialCount - finished) - active
            if want > 0 {
                rng.shuffle(&trials)
                let reply = try AlgorithmService().suggestions(GetSuggestionsRequest(
                    experiment: e.experiment, trials: trials, currentRequestNumber: Int32(want),
                    totalRequestNumber: Int32(suggested.count + want)))
                try #require(reply.parameterAssignments.count == want, "Katib retries a short reply forever")
                for pa in reply.parameterAssignments {
                    let name = pa.trialName.isEmpty ? "\(e.name)-\(suggested.count)" : pa.trialName
                    #expect(!suggested.contains { $0.name == name }, "trial name \(name) reused")
                    suggested.append((name, Dictionary(uniqueKeysWithValues: pa.assignments.map { ($0.name, $0.value) })))
                    trials.append(Trial(name: name, spec: TrialSpec(parameterAssignments: .init(assignments: pa.assignments)),
                                        status: TrialStatus(condition: .running)))
                }
            }
            // Some running trials finish, in random order; one in ten fails.
            var running = trials.indices.filter { trials[$0].status?.condition == .running }
            rng.shuffle(&running)
            for i in running.prefix(1 + rng.index(below: running.count)) {
                if rng.uniform() < 0.1 {
                    trials[i].status = TrialStatus(condition: .failed)
                } else {
                    trials[i].status = TrialStatus(condition: .succeeded, observation: Observation(metrics: metrics.map {
                        Metric(name: $0, value: ValueFormatting.formatDouble(rng.uniform()))
                    }))
                }
            }
        }
        return suggested
    }

    @Test(arguments: examples)
    func runsToMaxTrialCountLikeKatib(example: String) throws {
        let e = try Self.load(example)
        let suggested = try Self.drive(e, seed: 7)
        #expect(suggested.count >= e.maxTrialCount)
        let space = try SearchSpace.parse(e.experiment.spec!.parameterSpecs!.parameters)
        for s in suggested {
            let point = space.map(space.names.map { ParameterAssignment(name: $0, value: s.values[$0] ?? "") })
            #expect(point?.isExact == true, "\(example): \(s.values) is not a point of the space")
        }
        switch example {
        case "evolution":
            #expect(suggested.allSatisfy { $0.name.contains("-evo-") })
        case "warm-start":
            #expect(suggested[0].values == ["lr": "0.05", "l2": "0.01", "batch_size": "16", "momentum": "0.9"])
            #expect(suggested[1].values == ["lr": "0.02", "l2": "0", "batch_size": "32", "momentum": "0.5"])
        case "conditional":
            for s in suggested {
                if s.values["optimizer"] == "adam" { #expect(s.values["momentum"] == "0", "\(s.values)") }
                if s.values["optimizer"] == "sgd" { #expect(s.values["beta2"] == "0.99", "\(s.values)") }
            }
            #expect(Set(suggested.map { $0.values["optimizer"] }) == ["sgd", "adam"])
        case "multi-objective":
            #expect(e.objectives.map(\.metricName) == ["validation-loss", "weight-norm"])
        default:
            break
        }
    }
}

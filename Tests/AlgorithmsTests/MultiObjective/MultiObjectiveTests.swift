import Foundation
import Testing
import SuggestionAPI
@testable import Algorithms

/// ZDT1 (Zitzler, Deb & Thiele 2000) on [0, 1]^d, both objectives minimised; the Pareto front is
/// f2 = 1 − √f1 at x2 … xd = 0. Returned with the hypervolume helpers the tests use.
enum ZDT1 {
    static func objectives(_ x: [Double]) -> (Double, Double) {
        let f1 = x[0]
        let g = 1 + 9 * x.dropFirst().reduce(0, +) / Double(x.count - 1)
        return (f1, g * (1 - (f1 / g).squareRoot()))
    }

    /// The area dominated by `points` (minimisation) and bounded by `reference`.
    static func hypervolume(_ points: [(Double, Double)], reference: (Double, Double)) -> Double {
        let front = points.filter { $0.0 < reference.0 && $0.1 < reference.1 }.sorted { $0 < $1 }
        var area = 0.0, bestY = reference.1
        for (x, y) in front where y < bestY {
            area += (reference.0 - x) * (bestY - y)
            bestY = y
        }
        return area
    }
}

@Suite struct MultiObjectiveTests {
    static let params = (1...4).map { param("x\($0)", .double, "0", "1") }

    static func exp(_ algorithm: String, _ objectives: String = "f1:minimize,f2:minimize", extra: [(String, String)] = []) -> Experiment {
        var e = experiment(params, algorithm: algorithm, settings: [("objectives", objectives)] + extra, objective: .minimize, metric: "f1")
        e.spec!.objective!.additionalMetricNames = ["f2"]
        return e
    }

    static func zdtTrial(_ name: String, _ assignments: [ParameterAssignment]) -> Trial {
        let x = assignments.map { Double($0.value)! }
        let (f1, f2) = ZDT1.objectives(x)
        return Trial(name: name, spec: TrialSpec(parameterAssignments: .init(assignments: assignments)),
                     status: TrialStatus(condition: .succeeded, observation: Observation(metrics: [
                        Metric(name: "f1", value: ValueFormatting.formatDouble(f1)), Metric(name: "f2", value: ValueFormatting.formatDouble(f2))])))
    }

    /// A closed loop on ZDT1; returns the hypervolume of what was found (reference point (1.1, 11)).
    static func loop(_ algorithm: String, seed: Int, budget: Int, batch: Int = 4, extra: [(String, String)] = []) throws -> Double {
        var trials: [Trial] = []
        var found: [(Double, Double)] = []
        while trials.count < budget {
            let reply = try AlgorithmService().suggestions(request(exp(algorithm, extra: [("random_state", "\(seed)")] + extra), trials: trials, count: Int32(batch)))
            for pa in reply.parameterAssignments {
                let t = zdtTrial(pa.trialName.isEmpty ? "t\(trials.count)" : pa.trialName, pa.assignments)
                found.append(ZDT1.objectives(pa.assignments.map { Double($0.value)! }))
                trials.append(t)
            }
        }
        return ZDT1.hypervolume(found, reference: (1.1, 11))
    }

    @Test func theAcceptingAlgorithms() {
        #expect(AlgorithmRegistry.multiObjectiveNames == ["motpe", "nsga2", "random", "sobol"])
    }

    @Test(arguments: [
        ("f1", "write metric:minimize"),
        ("f1:down", "must be minimize or maximize"),
        ("f1:minimize,latency:minimize", "latency, which is neither the objective metric nor an additional metric"),
        ("f1:minimize,f1:maximize", "names f1 twice"),
        (" , ", "names no metric"),
    ])
    func badObjectivesAreRefusedByBothMethods(text: String, needle: String) {
        expectInvalid(Self.exp("motpe", text), mentions: needle)
    }

    @Test func singleObjectiveAlgorithmsSaySo() {
        expectInvalid(Self.exp("tpe"), mentions: "algorithm tpe optimises one objective and cannot take objectives")
    }

    @Test func frontsAndCrowding() {
        let points: [[Double]] = [[1, 5], [2, 3], [3, 4], [4, 1], [5, 5], [2, 3]]
        #expect(Pareto.fronts(points) == [[0, 1, 3, 5], [2], [4]])
        #expect(Pareto.dominates([1, 1], [1, 2]) && !Pareto.dominates([1, 2], [1, 2]) && !Pareto.dominates([1, 3], [2, 2]))
        let c = Pareto.crowding(points, front: [0, 1, 3, 5])
        #expect(c[0] == .infinity && c[3] == .infinity)
        // Neighbours by index on ties: index 1 sits between 0 and its twin 5, the twin between 1 and 3.
        #expect(close(c[1]!, (2.0 - 1) / 3 + (3.0 - 1) / 4) && close(c[5]!, (4.0 - 2) / 3 + (5.0 - 3) / 4))
        let order = Pareto.order(points).order
        #expect(Array(order.prefix(2)) == [0, 3] && order.last == 4)
    }

    @Test func historyNormalisesEveryObjective() throws {
        let s = try space(Self.params)
        let metrics = [Metric(name: "f1", value: "0.3"), Metric(name: "acc", value: "0.9")]
        let t = Trial(name: "t", spec: TrialSpec(parameterAssignments: .init(assignments: Self.params.map { ParameterAssignment(name: $0.name, value: "0.5") })),
                      status: TrialStatus(condition: .succeeded, observation: Observation(metrics: metrics)))
        var missing = t
        missing.status!.observation!.metrics = [Metric(name: "f1", value: "0.3")]
        let objectives = [Objective(metricName: "f1", direction: .minimize), Objective(metricName: "acc", direction: .maximize)]
        let h = TrialHistory(table: TrialTable([t, missing]), space: s, objective: objectives[0], objectives: objectives)
        #expect(h.records.map(\.objectiveLosses) == [[0.3, -0.9], nil])
        #expect(h.records.allSatisfy { $0.loss == 0.3 }, "the experiment's objective still classifies the trial")
    }

    @Test func nsga2NamesTrialsByGenerationAndBreedsFromTheElite() throws {
        let e = Self.exp("nsga2", extra: [("population_size", "4")])
        let fresh = try AlgorithmService().suggestions(request(e, count: 4))
        let names = fresh.parameterAssignments.map(\.trialName)
        #expect(names == (0..<4).map { TrialNaming.name(experiment: "exp", code: "nsga2", fields: [$0]) })
        // Generation 1 with mutation off and crossover on: every child's values come from generation 0.
        let trials = fresh.parameterAssignments.map { Self.zdtTrial($0.trialName, $0.assignments) }
        let parentValues = Set(fresh.parameterAssignments.flatMap { $0.assignments.map { "\($0.name)=\($0.value)" } })
        let next = try AlgorithmService().suggestions(request(Self.exp("nsga2", extra: [("population_size", "4"), ("mutation_prob", "0")]),
                                                              trials: trials, count: 4))
        for pa in next.parameterAssignments {
            #expect(pa.assignments.allSatisfy { parentValues.contains("\($0.name)=\($0.value)") }, "\(pa.assignments)")
        }
    }

    @Test(arguments: AlgorithmRegistry.multiObjectiveNames)
    func closedLoopRepliesAreValidAndNew(algorithm: String) throws {
        let s = try space(Self.params)
        var trials: [Trial] = []
        var seen = Set<[String]>()
        for _ in 0..<8 {
            let reply = try AlgorithmService().suggestions(request(Self.exp(algorithm, extra: algorithm == "motpe" ? [("n_startup_trials", "4")] : []),
                                                                   trials: trials, count: 3))
            #expect(reply.parameterAssignments.count == 3)
            for pa in reply.parameterAssignments {
                #expect(s.map(pa.assignments)?.isExact == true)
                #expect(seen.insert(pa.assignments.map(\.value)).inserted)
                trials.append(Self.zdtTrial(pa.trialName.isEmpty ? "t\(trials.count)" : pa.trialName, pa.assignments))
            }
        }
    }

    /// Both multi-objective algorithms cover more of ZDT1's front than random draws (median
    /// hypervolume over 5 seeds, 80 trials in batches of 4).
    @Test func motpeAndNSGA2BeatRandomOnZDT1() throws {
        func median(_ algorithm: String, _ extra: [(String, String)] = []) throws -> Double {
            AlgorithmsTests.median(try (0..<5).map { try Self.loop(algorithm, seed: $0, budget: 80, extra: extra) })
        }
        let random = try median("random")
        let motpe = try median("motpe", [("n_startup_trials", "10")])
        let nsga2 = try median("nsga2", [("population_size", "12")])
        #expect(motpe > random, "motpe \(motpe) vs random \(random)")
        #expect(nsga2 > random, "nsga2 \(nsga2) vs random \(random)")
    }
}

import Foundation
import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct EvolutionSamplerTests {
    let params = [param("x", .double, "-3", "7"), param("n", .int, "1", "50"),
                  param("c", .categorical, list: ["a", "b", "c", "d"]), param("lr", .double, "1e-5", "1e-1", dist: .logUniform)]

    func evo(_ settings: [(String, String)] = []) -> Experiment {
        experiment(params, algorithm: "evolution", settings: settings, name: "evo-test", objective: .minimize, metric: "loss")
    }

    func named(_ n: Int) -> String { TrialNaming.name(experiment: "evo-test", code: "evo", fields: [n]) }

    @Test func namesCountUpFromTheYoungestTrial() throws {
        let fresh = try AlgorithmService().suggestions(request(evo(), count: 3))
        #expect(fresh.parameterAssignments.map(\.trialName) == [named(0), named(1), named(2)])
        let later = try AlgorithmService().suggestions(request(evo(), trials: [
            trial("katib-named", [("x", "1"), ("n", "3"), ("c", "a"), ("lr", "0.01")], metric: "loss", value: "1"),
            trial(named(40), [("x", "2"), ("n", "3"), ("c", "a"), ("lr", "0.01")], .running),
        ], count: 2))
        #expect(later.parameterAssignments.map(\.trialName) == [named(41), named(42)])
    }

    /// Once the population is complete, every child differs from some member in few parameters: with
    /// mutation_rate 0.01 and no crossover, exactly one parameter (the forced mutation).
    @Test func childrenAreOneMutationAwayFromTheYoungestMembers() throws {
        var rng = SeededRandom(seed: 5)
        var trials: [Trial] = []
        for i in 0..<30 {
            let a = [("x", ValueFormatting.formatDouble(-3 + 10 * rng.uniform())), ("n", String(1 + rng.index(below: 50))),
                     ("c", ["a", "b", "c", "d"][rng.index(below: 4)]), ("lr", ValueFormatting.formatDouble(1e-3 * (1 + rng.uniform())))]
            trials.append(trial(named(i), a, metric: "loss", value: String(i % 7)))
        }
        let reply = try AlgorithmService().suggestions(request(
            evo([("population_size", "10"), ("tournament_size", "3"), ("mutation_rate", "0.01")]), trials: trials, count: 20))
        // The population is the 10 youngest (names 20 ... 29); older trials are never parents.
        let members = trials.suffix(10).map { $0.spec!.parameterAssignments!.assignments.map(\.value) }
        for pa in reply.parameterAssignments {
            let child = pa.assignments.map(\.value)
            let distances = members.map { m in zip(m, child).filter { $0 != $1 }.count }
            #expect(distances.min() == 1, "child \(child) is not one mutation from a member: \(distances)")
        }
    }

    @Test func tournamentsPreferLowLoss() throws {
        // Population of 20: one member with loss 0, the others 1 ... 19. With tournaments of 20 drawn with
        // replacement, the best member is a parent of about 1 − (19/20)^20 ≈ 64 % of the children.
        var trials: [Trial] = []
        for i in 0..<20 {
            trials.append(trial(named(i), [("x", String(i - 3)), ("n", String(2 * i + 1)), ("c", "b"), ("lr", "0.001")],
                                metric: "loss", value: String(i == 7 ? 0 : i + 1)))
        }
        let reply = try AlgorithmService().suggestions(request(
            evo([("population_size", "20"), ("tournament_size", "20"), ("mutation_rate", "0.01")]), trials: trials, count: 200))
        let fromBest = reply.parameterAssignments.filter { pa in
            let v = pa.assignments.map(\.value)
            return [v[0] == "4", v[1] == "15", v[2] == "b", v[3] == "0.001"].filter { $0 }.count == 3
        }.count
        #expect(fromBest > 100, "only \(fromBest) of 200 children descend from the best member")
    }

    @Test func crossoverMixesTwoParents() throws {
        let a = trial(named(0), [("x", "1"), ("n", "10"), ("c", "a"), ("lr", "0.01")], metric: "loss", value: "1")
        let b = trial(named(1), [("x", "5"), ("n", "40"), ("c", "d"), ("lr", "0.0001")], metric: "loss", value: "1")
        let reply = try AlgorithmService().suggestions(request(
            evo([("population_size", "2"), ("tournament_size", "1"), ("crossover_rate", "1"), ("mutation_rate", "0.01")]),
            trials: [a, b], count: 100))
        let mixed = reply.parameterAssignments.filter { pa in
            let v = pa.assignments.map(\.value)
            let fromA = [v[0] == "1", v[1] == "10", v[2] == "a", v[3] == "0.01"].filter { $0 }.count
            let fromB = [v[0] == "5", v[1] == "40", v[2] == "d", v[3] == "0.0001"].filter { $0 }.count
            return fromA >= 1 && fromB >= 1
        }.count
        #expect(mixed > 40, "only \(mixed) of 100 children carry values of both parents")
    }

    @Test func tournamentLargerThanThePopulationIsRefused() {
        expectInvalid(evo([("population_size", "4"), ("tournament_size", "5")]), mentions: "tournament_size")
        expectInvalid(evo([("mutation_rate", "0")]), mentions: "mutation_rate")
        expectInvalid(evo([("crossover_rate", "1.5")]), mentions: "crossover_rate")
        expectInvalid(evo([("population_size", "1")]), mentions: "population_size")
    }

    @Test func reflectionFoldsIntoTheUnitInterval() {
        #expect(EvolutionSampler.reflect(0.25) == 0.25)
        #expect(close(EvolutionSampler.reflect(1.25), 0.75))
        #expect(close(EvolutionSampler.reflect(-0.25), 0.25))
        #expect(close(EvolutionSampler.reflect(2.5), 0.5))
        #expect(EvolutionSampler.reflect(.nan) == 0.5)
    }

    @Test func findsTheMinimumOfAShiftedQuadratic() throws {
        // Optimum at x = 2.3, n = 37, lr = 3e-3: nowhere canonical (closedLoop gives lists no value).
        let f: ([String: Double]) -> Double = { v in
            let x = v["x"]!, n = v["n"]!, lr = log10(v["lr"]!)
            return (x - 2.3) * (x - 2.3) + 0.01 * (n - 37) * (n - 37) + (lr + 2.52) * (lr + 2.52)
        }
        var evolved: [Double] = []
        var random: [Double] = []
        for seed in 0..<5 {
            evolved.append(try closedLoop("evolution", params, settings: [("random_state", "\(seed)")], budget: 120, batch: 4, f))
            random.append(try closedLoop("random", params, settings: [("random_state", "\(seed)")], budget: 120, batch: 4, f))
        }
        #expect(median(evolved) < median(random), "evolution \(evolved) vs random \(random)")
    }
}

import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct GridSamplerTests {
    static let katibGrid = [param("lr", .double, "0.01", "0.05", step: "0.005"),
                            param("momentum", .double, "0.5", "0.9", step: "0.1")]

    func suggest(_ params: [ParameterSpec], trials: [Trial] = [], count: Int32, maxTrials: Int32 = 0,
                 settings: [(String, String)] = []) throws(RPCError) -> [[String]] {
        pairs(try AlgorithmService().suggestions(request(
            experiment(params, algorithm: "grid", settings: settings, maxTrials: maxTrials), trials: trials, count: count)))
    }

    @Test func lexicographicOrderLastParameterFastest() throws {
        let params = [param("n", .int, "1", "2"), param("c", .categorical, list: ["b", "a"]),
                      param("d", .discrete, list: ["3", "1"])]
        #expect(try suggest(params, count: 8) == [
            ["n=1", "c=b", "d=3"], ["n=1", "c=b", "d=1"], ["n=1", "c=a", "d=3"], ["n=1", "c=a", "d=1"],
            ["n=2", "c=b", "d=3"], ["n=2", "c=b", "d=1"], ["n=2", "c=a", "d=3"], ["n=2", "c=a", "d=1"],
        ])
    }

    @Test func katibExampleValuesAreCleanDecimals() throws {
        let all = try suggest(Self.katibGrid, count: 45, maxTrials: 45)
        #expect(Set(all).count == 45)
        #expect(Array(Set(all.map { $0[0] })).sorted { Double($0.dropFirst(3))! < Double($1.dropFirst(3))! }
                == ["lr=0.01", "lr=0.015", "lr=0.02", "lr=0.025", "lr=0.03", "lr=0.035", "lr=0.04", "lr=0.045", "lr=0.05"])
        #expect(all.prefix(5).map { $0[1] } == ["momentum=0.5", "momentum=0.6", "momentum=0.7", "momentum=0.8", "momentum=0.9"])
        #expect(try suggest([param("x", .double, "1", "5", step: "1")], count: 5).map { $0[0] }
                == ["x=1", "x=2", "x=3", "x=4", "x=5"])
    }

    @Test func logUniformWithStepIsTheLinearLatticeAndNormalIsIgnored() throws {
        #expect(try suggest([param("x", .double, "1", "3", step: "0.5", dist: .logUniform)], count: 5).map { $0[0] }
                == ["x=1", "x=1.5", "x=2", "x=2.5", "x=3"])
        #expect(try suggest([param("n", .int, "5", "100", step: "40", dist: .normal)], count: 3).map { $0[0] }
                == ["n=5", "n=45", "n=85"])
    }

    @Test func skipsPendingAndFinishedCellsAndRetriesFailedOnesLast() throws {
        let params = [param("n", .int, "1", "5")]
        let trials = [trial("a", [("n", "1")], .failed), trial("b", [("n", "2")], .running),
                      trial("c", [("n", "3")], .succeeded, value: "1"), trial("d", [("n", "4")], .created),
                      trial("e", [("n", "3.0")], .killed),              // cell 3 is done: a killed duplicate changes nothing
                      trial("f", [("n", "9")], .running),               // not a cell of this grid: ignored
                      trial("g", [("n", "5")], .succeeded, value: "unavailable")]  // no usable metric: failed
        #expect(try suggest(params, trials: trials, count: 1) == [["n=1"]])
        #expect(try suggest(params, trials: trials, count: 2) == [["n=1"], ["n=5"]])
        let katibInterop = [trial("a", [("n", "1")], .failed), trial("b", [("n", "2")], .running),
                            trial("c", [("n", "3")], .succeeded, value: "1")]
        #expect(try suggest([param("n", .int, "1", "3")], trials: katibInterop, count: 1) == [["n=1"]])
        // Fresh cells before failed ones.
        #expect(try suggest(params, trials: [trial("a", [("n", "1")], .failed)], count: 5).map { $0[0] }
                == ["n=2", "n=3", "n=4", "n=5", "n=1"])
    }

    @Test func closedLoopUntilExhausted() throws {
        var trials: [Trial] = []
        var seen = Set<[String]>()
        while trials.count < 45 {
            let n = min(4, 45 - trials.count)
            for a in try suggest(Self.katibGrid, trials: trials, count: Int32(n), maxTrials: 45) {
                #expect(seen.insert(a).inserted, "handed out \(a) twice")
                trials.append(trial("grid-\(trials.count)", a.map { kv in
                    let parts = kv.split(separator: "=", maxSplits: 1)
                    return (String(parts[0]), String(parts[1]))
                }, .succeeded, value: "0.1"))
            }
        }
        let error = rpcError { () throws(RPCError) in try suggest(Self.katibGrid, trials: trials, count: 1, maxTrials: 45) }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.message.contains("exhausted") == true && error?.message.contains("45 cells") == true,
                "\(error?.message ?? "")")
        // Exhaustion is an error, never a short reply.
        let partial = rpcError { () throws(RPCError) in try suggest(Self.katibGrid, trials: Array(trials.prefix(43)), count: 3) }
        #expect(partial?.code == .failedPrecondition && partial?.message.contains("2 cells free") == true)
    }

    @Test func maxTrialCountMustFitTheGrid() {
        let two = [param("param-1", .int, "1", "5"), param("param-2", .double, "1", "5", step: "1")]
        let e = rpcError { () throws(RPCError) in try AlgorithmService().resolve(experiment(two, algorithm: "grid", maxTrials: 26)) }
        #expect(e?.code == .invalidArgument)
        #expect(e?.message.hasPrefix("max_trial_count 26 exceeds the 25 cells of the grid") == true)
        for ok: Int32 in [25, 0] {
            #expect(rpcError { () throws(RPCError) in try AlgorithmService().resolve(experiment(two, algorithm: "grid", maxTrials: ok)) } == nil)
        }
        expectInvalid(experiment([param("c", .categorical, list: ["a", "b"]), param("d", .discrete, list: ["1", "2", "3"])],
                                 algorithm: "grid", maxTrials: 7), mentions: "max_trial_count 7 exceeds the 6 cells")
        expectInvalid(experiment([param("param-1", .double, "1", "5")], algorithm: "grid", maxTrials: 26),
                      mentions: "grid needs a step for DOUBLE parameter param-1")
        expectInvalid(experiment([param("n", .int, "1", "5", step: "0.5")], algorithm: "grid"), mentions: "n")
    }

    @Test func hugeGridsWorkLazilyByIndex() throws {
        // 100^9 = 10^18 cells: never materialised.
        let params = (0..<9).map { param("p\($0)", .int, "1", "100") }
        let pending = [trial("t", (0..<9).map { ("p\($0)", "1") }, .running)]
        let got = try suggest(params, trials: pending, count: 3)
        #expect(got.map { $0.last! } == ["p8=2", "p8=3", "p8=4"])
        // More cells than Int.max: rejected up front.
        expectInvalid(experiment((0..<10).map { param("p\($0)", .int, "1", "100") }, algorithm: "grid"), mentions: "cells")
    }

    @Test func randomStateIsAcceptedAndHasNoEffect() throws {
        let params = [param("n", .int, "1", "5")]
        #expect(try suggest(params, count: 3, settings: [("random_state", "10")]) == suggest(params, count: 3))
        expectInvalid(experiment(params, algorithm: "grid", settings: [("random_state", "-1")]), mentions: "random_state")
    }
}

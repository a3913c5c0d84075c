import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct SobolSequenceTests {
    // Reference: scipy 1.16.2, scipy.stats.qmc.Sobol(1024, scramble=False); .random(8) for the first
    // five dimensions, and fast_forward(n) then .random(1) for dimensions 0, 1, 2, 3, 7, 100, 511,
    // 1020, 1021, 1022, 1023 at n = 1023, 65537, 1000003.
    @Test func firstPointsMatchScipy() {
        let s = SobolSequence(dimensions: 5)
        let expected: [[Double]] = [[0, 0, 0, 0, 0], [0.5, 0.5, 0.5, 0.5, 0.5], [0.75, 0.25, 0.25, 0.25, 0.75],
                                    [0.25, 0.75, 0.75, 0.75, 0.25], [0.375, 0.375, 0.625, 0.875, 0.375],
                                    [0.875, 0.875, 0.125, 0.375, 0.875], [0.625, 0.125, 0.875, 0.625, 0.625],
                                    [0.125, 0.625, 0.375, 0.125, 0.125]]
        for (n, want) in expected.enumerated() { #expect(s.point(UInt64(n)) == want) }
    }

    @Test func distantPointsOfHighDimensionsMatchScipy() {
        let s = SobolSequence(dimensions: 1024)
        let dims = [0, 1, 2, 3, 7, 100, 511, 1020, 1021, 1022, 1023]
        let expected: [UInt64: [Double]] = [
            1023: [0.0009765625, 0.7529296875, 0.6123046875, 0.1455078125, 0.6181640625, 0.2373046875, 0.6142578125,
                   0.8564453125, 0.4501953125, 0.1689453125, 0.9951171875],
            65537: [0.5000228881835938, 0.9999923706054688, 0.9720077514648438, 0.38883209228515625, 0.12667083740234375,
                    0.06920623779296875, 0.6042709350585938, 0.21916961669921875, 0.22426605224609375, 0.08071136474609375,
                    0.7792282104492188],
            1000003: [0.2764749526977539, 0.5619192123413086, 0.07799625396728516, 0.4182462692260742, 0.26679325103759766,
                      0.7894201278686523, 0.5465154647827148, 0.2851552963256836, 0.8616552352905273, 0.3401365280151367,
                      0.048842430114746094],
        ]
        for (n, want) in expected {
            let p = s.point(n)
            #expect(dims.map { p[$0] } == want, "point \(n)")
        }
    }
}

@Suite struct SobolSamplerTests {
    @Test func continuesTheSequenceAcrossCallsAndReachesTheIntUpperBound() throws {
        let params = [param("a", .int, "1", "4"), param("b", .double, "0", "1")]
        let exp = experiment(params, algorithm: "sobol")
        var trials: [Trial] = []
        var seen: [[String]] = []
        for call in 0..<4 {
            let reply = try AlgorithmService().suggestions(request(exp, trials: trials, count: 2))
            for (i, pa) in reply.parameterAssignments.enumerated() {
                seen.append(pa.assignments.map(\.value))
                trials.append(trial("c\(call)-\(i)", pa.assignments, .running))
            }
        }
        // Dimension of `a` is Sobol dimension 0 (sorted names): points 1…8 are 1/2, 3/4, 1/4, 3/8, …
        #expect(seen.map { $0[0] } == ["3", "4", "2", "2", "4", "3", "1", "1"])
        #expect(Set(seen.map { $0[1] }).count == 8)
        #expect(seen.contains { $0[0] == "4" })
    }

    @Test func sameRequestSameReplyAndScrambleChangesTheSequence() throws {
        let params = [param("x", .double, "0", "1"), param("y", .double, "0", "1")]
        let plain = try AlgorithmService().suggestions(request(experiment(params, algorithm: "sobol"), count: 4))
        #expect(pairs(plain) == pairs(try AlgorithmService().suggestions(request(experiment(params, algorithm: "sobol"), count: 4))))
        #expect(pairs(plain)[0] == ["x=0.5", "y=0.5"])
        let scrambled = try AlgorithmService().suggestions(request(
            experiment(params, algorithm: "sobol", settings: [("scramble", "true"), ("random_state", "4")]), count: 4))
        #expect(pairs(scrambled) != pairs(plain))
        let again = try AlgorithmService().suggestions(request(
            experiment(params, algorithm: "sobol", settings: [("scramble", "true"), ("random_state", "4")]), count: 4))
        #expect(pairs(scrambled) == pairs(again))
        expectInvalid(experiment(params, algorithm: "sobol", settings: [("scramble", "maybe")]), mentions: "scramble")
    }
}

import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct RandomSamplerTests {
    /// `count` suggestions for a one-parameter experiment, as numbers (or list strings).
    func draw(_ p: ParameterSpec, count: Int32 = 2000, settings: [(String, String)] = []) throws -> [String] {
        let reply = try AlgorithmService().suggestions(request(experiment([p], settings: settings), count: count))
        return reply.parameterAssignments.map { $0.assignments[0].value }
    }

    @Test func uniformDoubleCoversTheRange() throws {
        let xs = try draw(param("x", .double, "-2", "2")).map { Double($0)! }
        #expect(xs.allSatisfy { $0 >= -2 && $0 <= 2 })
        let mean = xs.reduce(0, +) / Double(xs.count)
        #expect(abs(mean) < 0.1)
        #expect(xs.filter { $0 < -1.5 }.count > 200 && xs.filter { $0 > 1.5 }.count > 200, "both eighths hold ~250")
        #expect(xs.filter { $0 < -1.5 }.count < 300 && xs.filter { $0 > 1.5 }.count < 300)
    }

    @Test func normalIsCentredWithSigmaASixthOfTheRangeAndTruncated() throws {
        let xs = try draw(param("x", .double, "-1", "1", dist: .normal)).map { Double($0)! }
        #expect(xs.allSatisfy { $0 >= -1 && $0 <= 1 })
        let mean = xs.reduce(0, +) / Double(xs.count)
        let sd = (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count - 1)).squareRoot()
        #expect(abs(mean) < 0.03, "mean \(mean)")
        #expect(sd > 0.30 && sd < 0.36, "sd \(sd) vs (max − min)/6 = 0.333 (truncated at ±3σ: 0.329)")
    }

    @Test func logNormalIsCentredOnTheGeometricMidpoint() throws {
        let xs = try draw(param("x", .double, "0.01", "100", dist: .logNormal)).map { Double($0)! }
        #expect(xs.allSatisfy { $0 >= 0.01 && $0 <= 100 })
        let below = xs.filter { $0 < 1 }.count
        #expect(abs(Double(below) / Double(xs.count) - 0.5) < 0.05, "median near 1: \(below)/\(xs.count) below")
        #expect(xs.filter { $0 > 0.1 && $0 < 10 }.count > 1200, "about 68% within ±σ = one decade")
    }

    @Test func logUniformSpreadsEvenlyAcrossDecades() throws {
        let xs = try draw(param("x", .double, "1e-5", "1", dist: .logUniform)).map { Double($0)! }
        var decades = [Int](repeating: 0, count: 5)
        for x in xs {
            #expect(x >= 1e-5 && x <= 1)
            var d = 0
            var bound = 1e-4
            while x >= bound && d < 4 { d += 1; bound *= 10 }
            decades[d] += 1
        }
        #expect(decades.allSatisfy { $0 > 320 && $0 < 480 }, "\(decades)")
    }

    @Test func intEndpointsAndStepLatticeAreReachedEvenly() throws {
        var hits: [String: Int] = [:]
        for v in try draw(param("n", .int, "1", "10", step: "3")) { hits[v, default: 0] += 1 }
        #expect(Set(hits.keys) == ["1", "4", "7", "10"], "stepped INT anchored at min, both ends reachable")
        #expect(hits.values.allSatisfy { $0 > 420 && $0 < 580 }, "\(hits)")
        let small = Set(try draw(param("k", .int, "-3", "3", dist: .distributionUnspecified), count: 300))
        #expect(small == ["-3", "-2", "-1", "0", "1", "2", "3"])
        let steppedDouble = Set(try draw(param("d", .double, "0.5", "2.5", step: "0.25"), count: 400))
        #expect(steppedDouble == ["0.5", "0.75", "1", "1.25", "1.5", "1.75", "2", "2.25", "2.5"])
    }

    @Test func logIntFavoursSmallValues() throws {
        // Fewer draws than points, so that the no-duplicates rule hardly bends the distribution.
        let xs = try draw(param("n", .int, "1000", "1000000000", dist: .logUniform), count: 1000).map { Int($0)! }
        #expect(xs.allSatisfy { $0 >= 1000 && $0 <= 1_000_000_000 })
        // P(n <= 10^6) = ln(10^6/10^3) / ln(10^9/10^3) = 0.5 (half-step padding is negligible here).
        let small = xs.filter { $0 <= 1_000_000 }.count
        #expect(small > 440 && small < 560, "\(small)")
    }

    @Test func listsAreUniform() throws {
        var hits: [String: Int] = [:]
        for v in try draw(param("c", .categorical, list: ["a", "b", "c", "d"])) { hits[v, default: 0] += 1 }
        #expect(hits.count == 4 && hits.values.allSatisfy { $0 > 420 && $0 < 580 }, "\(hits)")
        let d = Set(try draw(param("d", .discrete, list: ["3", "2", "6"]), count: 100))
        #expect(d == ["3", "2", "6"], "DISCRETE entries verbatim")
    }

    @Test func randomStateFixesTheSequenceAcrossExperimentNames() throws {
        let params = ConformanceTests.mixed
        func run(_ name: String, _ settings: [(String, String)]) throws -> [[String]] {
            pairs(try AlgorithmService().suggestions(request(experiment(params, settings: settings, name: name), count: 4)))
        }
        #expect(try run("a", [("random_state", "7")]) == run("b", [("random_state", "7")]))
        #expect(try run("a", [("random_state", "7")]) != run("a", [("random_state", "8")]))
        #expect(try run("a", []) != run("b", []))
    }

    @Test func successiveCallsDiffer() throws {
        let exp = experiment(ConformanceTests.mixed)
        let first = try AlgorithmService().suggestions(request(exp, count: 3))
        let trials = first.parameterAssignments.enumerated().map { trial("t\($0)", $1.assignments, .running) }
        let second = try AlgorithmService().suggestions(request(exp, trials: trials, count: 3))
        #expect(Set(pairs(first)).isDisjoint(with: pairs(second)))
    }

    @Test func smallFiniteSpaceFillsFreePointsThenRepeats() throws {
        let params = [param("n", .int, "1", "2"), param("c", .categorical, list: ["a", "b"])]   // 4 points
        let exp = experiment(params)
        let pending = [trial("p1", [("n", "1"), ("c", "a")], .running),
                       trial("p2", [("n", "2"), ("c", "b")], .succeeded, value: "1"),
                       trial("p3", [("n", "1"), ("c", "b")], .failed)]
        let two = pairs(try AlgorithmService().suggestions(request(exp, trials: pending, count: 2)))
        #expect(Set(two) == [["n=1", "c=b"], ["n=2", "c=a"]], "the two points not pending or done, failed ones included")
        let many = pairs(try AlgorithmService().suggestions(request(exp, trials: pending, count: 9)))
        #expect(many.count == 9, "exact count even when the space is smaller than the request")
        #expect(Set(many.prefix(2)) == [["n=1", "c=b"], ["n=2", "c=a"]], "free points first")
        #expect(Set(pairs(try AlgorithmService().suggestions(request(exp, count: 4)))).count == 4)
    }
}

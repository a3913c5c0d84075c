import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct SearchSpaceTransformTests {
    static let mixed: [ParameterSpec] = [
        param("d", .double, "-1", "1"),
        param("dl", .double, "1e-5", "1", dist: .logUniform),
        param("ds", .double, "0.01", "0.05", step: "0.005"),
        param("dsl", .double, "1", "5", step: "0.5", dist: .logUniform),
        param("i", .int, "-3", "3"),
        param("il", .int, "1", "1024", dist: .logUniform),
        param("is", .int, "1", "10", step: "3", dist: .logNormal),
        param("disc", .discrete, list: ["3", "-2", "6", "0.5"]),
        param("cat", .categorical, list: ["a", "b", "c"]),
        param("one", .double, "2", "2"),
        param("zero", .double, "-0", "0"),
        param("wide", .double, "-1.7976931348623157e308", "1.7976931348623157e308"),
    ]

    @Test(arguments: [SearchSpaceTransform.CategoricalEncoding.index, .oneHot])
    func decodeOfEncodeIsIdentityOnValidPoints(encoding: SearchSpaceTransform.CategoricalEncoding) throws {
        let s = try space(Self.mixed)
        let t = SearchSpaceTransform(s, categoricalEncoding: encoding)
        #expect(t.dimensionCount == (encoding == .oneHot ? 14 : 12))
        var rng = SeededRandom(seed: 7)
        var points: [Point] = []
        // Extremes: every cube corner direction decodes to the ends of each range.
        points.append(t.decode([Double](repeating: 0, count: t.dimensionCount)))
        points.append(t.decode([Double](repeating: 1, count: t.dimensionCount)))
        for _ in 0..<2000 {
            points.append(t.decode((0..<t.dimensionCount).map { _ in rng.uniform() }))
        }
        var failures: [String] = []
        for x in points {
            for (j, v) in x.enumerated() where !s.isValid(v, forParameter: j) {
                failures.append("invalid \(s.parameters[j].name)=\(v)")
            }
            let u = t.encode(x)
            if !u.allSatisfy({ $0 >= 0 && $0 <= 1 }) { failures.append("outside the cube: \(u)") }
            let back = t.decode(u)
            for j in x.indices where !Self.roundTrips(x[j], back[j], s.parameters[j].domain) {
                failures.append("\(s.parameters[j].name): \(x[j]) → \(back[j])")
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    /// Finite parameters round-trip exactly; continuous ones within 1e-12 of the range (linear scale)
    /// or relatively (log scale).
    static func roundTrips(_ a: ParameterValue, _ b: ParameterValue, _ domain: Domain) -> Bool {
        guard case .double(let r) = domain, r.latticeCount == nil, case .real(let x) = a, case .real(let y) = b else {
            return a == b
        }
        if r.scale == .log { return close(x, y, 1e-12) }
        return abs(x - y) <= 1e-12 * (r.high / 2 - r.low / 2) * 2 || x == y
    }

    @Test func rangeEndsAreTheCubeEnds() throws {
        let s = try space(Self.mixed)
        let t = SearchSpaceTransform(s)
        let low = s.format(t.decode([Double](repeating: 0, count: t.dimensionCount))).map(\.value)
        let high = s.format(t.decode([Double](repeating: 1, count: t.dimensionCount))).map(\.value)
        #expect(low == ["-1", "0.00001", "0.01", "1", "-3", "1", "1", "-2", "a", "2", "0", "-179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"])
        #expect(Array(high.prefix(10)) == ["1", "1", "0.05", "5", "3", "1024", "10", "6", "c", "2"])
        // Out-of-range and NaN coordinates are clamped, never trap.
        let odd = t.decode([-5, .nan, 7, -.infinity, .infinity, 0.5, 2, -1, 9, .nan, 3, -3])
        for (j, v) in odd.enumerated() { #expect(s.isValid(v, forParameter: j)) }
    }

    @Test func linearLatticeCellsHaveEqualMass() throws {
        // INT 1..10 step 3 → 4 points; a uniform grid of u hits each exactly n/4 times.
        let s = try space([param("is", .int, "1", "10", step: "3"), param("disc", .discrete, list: ["3", "-2", "6"])])
        let t = SearchSpaceTransform(s)
        let n = 1200
        let ints = Dictionary(grouping: (0..<n).map { t.decode([(Double($0) + 0.5) / Double(n), 0.5])[0] }, by: { $0 })
        #expect(Set(ints.keys) == [.integer(1), .integer(4), .integer(7), .integer(10)])
        #expect(ints.values.allSatisfy { $0.count == n / 4 })
        // DISCRETE cells are ordered by value: -2, 3, 6.
        #expect(t.decode([0.5, 0.1])[1] == .choice(1))
        #expect(t.decode([0.5, 0.5])[1] == .choice(0))
        #expect(t.decode([0.5, 0.9])[1] == .choice(2))
    }

    @Test func logScaleIsLinearInTheLogarithm() throws {
        let s = try space([param("lr", .double, "1e-4", "1", dist: .logUniform)])
        let t = SearchSpaceTransform(s)
        for (u, expected) in [(0.0, 1e-4), (0.25, 1e-3), (0.5, 1e-2), (0.75, 1e-1), (1.0, 1.0)] {
            guard case .real(let v) = t.decode([u])[0] else { Issue.record("type"); continue }
            #expect(close(v, expected, 1e-12), "u=\(u) → \(v)")
            #expect(close(t.encode([.real(expected)])[0], u, 1e-12))
        }
    }

    @Test func oneHotDecodesByArgmax() throws {
        let s = try space([param("cat", .categorical, list: ["a", "b", "c"]), param("x", .double, "0", "1")])
        let t = SearchSpaceTransform(s, categoricalEncoding: .oneHot)
        #expect(t.dimensions.map(\.kind) == [.oneHot(category: 0, count: 3), .oneHot(category: 1, count: 3),
                                             .oneHot(category: 2, count: 3), .continuous])
        #expect(t.decode([0.1, 0.9, 0.3, 0.5])[0] == .choice(1))
        #expect(t.decode([0.7, 0.7, 0.3, 0.5])[0] == .choice(0), "ties go to the first entry")
        #expect(t.encode([.choice(2), .real(0.25)]) == [0, 0, 1, 0.25])
    }

    @Test func dimensionsDescribeTheBox() throws {
        let s = try space(Self.mixed)
        let kinds = SearchSpaceTransform(s).dimensions.map(\.kind)
        #expect(kinds == [.continuous, .continuous, .stepped(count: 9), .stepped(count: 9), .stepped(count: 7),
                          .stepped(count: 1024), .stepped(count: 4), .ordinal(count: 4), .categorical(count: 3),
                          .continuous, .continuous, .continuous])
        let t = SearchSpaceTransform(s)
        #expect(t.dimensions[1].scale == .log && t.dimensions[6].prior == .normal && t.dimensions[0].prior == .uniform)
    }

    @Test func signedZeroAndDegenerateRanges() throws {
        let s = try space([param("z", .double, "-0", "0"), param("p", .int, "5", "5")])
        let t = SearchSpaceTransform(s)
        #expect(t.decode([0.3, 0.9]) == [.real(0), .integer(5)])
        #expect(s.format(t.decode([0.3, 0.9])).map(\.value) == ["0", "5"])
        #expect(t.encode([.real(-0.0), .integer(5)]) == [0.5, 0.5])
    }
}

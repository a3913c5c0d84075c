import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct SearchSpaceParsingTests {
    @Test func everyTypeAndDistribution() throws {
        let s = try space([
            param("d", .double, "0.01", "0.05", step: "0.005"),
            param("dl", .double, "1e-5", "1", dist: .logUniform),
            param("i", .int, "-3", "3", dist: .distributionUnspecified),
            param("il", .int, "1", "1024", dist: .logUniform),
            param("in", .int, "5", "100", step: "5", dist: .normal),
            param("dn", .double, "0.1", "10", dist: .logNormal),
            param("disc", .discrete, list: ["3", "2", "6"]),
            param("cat", .categorical, list: ["x", "y"], dist: .logNormal),
        ])
        #expect(s.names == ["d", "dl", "i", "il", "in", "dn", "disc", "cat"])
        guard case .double(let d) = s.parameters[0].domain else { Issue.record("d"); return }
        #expect(d.latticeCount == 9 && d.step == 0.005 && d.scale == .linear && d.prior == .uniform)
        #expect((0..<9).map { ValueFormatting.formatDouble(d.latticeValue($0)) }
                == ["0.01", "0.015", "0.02", "0.025", "0.03", "0.035", "0.04", "0.045", "0.05"])
        guard case .double(let dl) = s.parameters[1].domain else { Issue.record("dl"); return }
        #expect(dl.scale == .log && dl.latticeCount == nil)
        guard case .int(let i) = s.parameters[2].domain else { Issue.record("i"); return }
        #expect(i.step == 1 && i.latticeCount == 7)
        guard case .int(let n) = s.parameters[4].domain else { Issue.record("in"); return }
        #expect(n.prior == .normal && n.latticeCount == 20)
        guard case .double(let dn) = s.parameters[5].domain else { Issue.record("dn"); return }
        #expect(dn.scale == .log && dn.prior == .normal)
        #expect(s.parameters[6].domain == .discrete(labels: ["3", "2", "6"], values: [3, 2, 6]))
        #expect(s.parameters[7].domain == .categorical(["x", "y"]))
        #expect(s.finiteSize == nil)
    }

    @Test func latticeEndpointsAndTolerance() throws {
        let s = try space([
            param("a", .double, "0.5", "0.9", step: "0.1"),     // 0.9 − 0.5 = 0.4000000000000001 in binary
            param("b", .int, "1", "10", step: "3"),
            param("c", .int, "1", "9", step: "3"),              // 9 is off the lattice: 1, 4, 7
            param("d", .double, "0", "1", step: "0.3"),         // 0, 0.3, 0.6, 0.9
            param("e", .double, "2", "2", step: "0.5"),         // one point
            param("f", .double, "1", "5", step: "1"),
        ])
        func values(_ i: Int) -> [String] {
            let d = s.parameters[i].domain
            return (0..<d.valueCount!).map { SearchSpace.format(d.value(at: $0), of: d) }
        }
        #expect(values(0) == ["0.5", "0.6", "0.7", "0.8", "0.9"])
        #expect(values(1) == ["1", "4", "7", "10"])
        #expect(values(2) == ["1", "4", "7"])
        #expect(values(3) == ["0", "0.3", "0.6", "0.9"])
        #expect(values(4) == ["2"])
        #expect(values(5) == ["1", "2", "3", "4", "5"])
        #expect(s.finiteSize == 5 * 4 * 3 * 4 * 1 * 5)
    }

    @Test func lenientNumberForms() throws {
        let s = try space([param("i", .int, "1.0", "1e2", step: " 2 "), param("d", .double, " 0.5", "1E1")])
        guard case .int(let i) = s.parameters[0].domain, case .double(let d) = s.parameters[1].domain else {
            Issue.record("types"); return
        }
        #expect(i.low == 1 && i.high == 100 && i.step == 2 && i.latticeCount == 50)
        #expect(d.low == 0.5 && d.high == 10)
    }

    static let invalid: [(String, [ParameterSpec], String)] = [
        ("no parameters", [], "parameter"),
        ("empty name", [param("", .int, "1", "2")], "#1"),
        ("duplicate name", [param("x", .int, "1", "2"), param("x", .double, "1", "2")], "x"),
        ("unknown type", [param("u", .unknownType, "1", "2")], "u"),
        ("unknown type number", [param("u", ParameterType(rawValue: 9), "1", "2")], "u"),
        ("min above max", [param("lr", .double, "0.9", "0.1")], "lr"),
        ("non-numeric min", [param("lr", .double, "abc", "0.1")], "lr"),
        ("non-numeric max", [param("lr", .double, "0", "x")], "lr"),
        ("missing min", [param("lr", .double, "", "1")], "lr"),
        ("missing max", [param("n", .int, "1", "")], "n"),
        ("no feasible space", [ParameterSpec(name: "nf", parameterType: .double)], "nf"),
        ("nan min", [param("lr", .double, "nan", "1")], "lr"),
        ("inf max", [param("lr", .double, "0", "inf")], "lr"),
        ("nan step", [param("lr", .double, "0", "1", step: "nan")], "lr"),
        ("zero step", [param("n", .int, "1", "5", step: "0")], "n"),
        ("negative step", [param("d", .double, "1", "5", step: "-0.5")], "d"),
        ("fractional INT step", [param("n", .int, "1", "5", step: "0.8")], "n"),
        ("fractional INT min", [param("n", .int, "1.5", "5")], "n"),
        ("huge INT bound", [param("n", .int, "1", "1e300")], "n"),
        ("log with zero min", [param("lr", .double, "0", "1", dist: .logUniform)], "lr"),
        ("log-normal negative min", [param("lr", .double, "-1", "1", dist: .logNormal)], "lr"),
        ("INT log zero min", [param("n", .int, "0", "8", dist: .logUniform)], "n"),
        ("unknown distribution", [param("lr", .double, "0", "1", dist: Distribution(rawValue: 7))], "lr"),
        ("list on DOUBLE", [param("lr", .double, "0", "1", list: ["0.5"])], "lr"),
        ("list on INT", [param("n", .int, "0", "1", list: ["1"])], "n"),
        ("min on CATEGORICAL", [param("c", .categorical, "1", "", list: ["a"])], "c"),
        ("step on DISCRETE", [param("d", .discrete, step: "1", list: ["1"])], "d"),
        ("empty CATEGORICAL list", [param("opt", .categorical, list: [])], "opt"),
        ("empty DISCRETE list", [param("d", .discrete, list: [])], "d"),
        ("duplicate CATEGORICAL entry", [param("opt", .categorical, list: ["a", "b", "a"])], "opt"),
        ("duplicate DISCRETE value", [param("d", .discrete, list: ["1", "1.0"])], "d"),
        ("non-numeric DISCRETE", [param("d", .discrete, list: ["1", "two"])], "d"),
        ("step too fine", [param("lr", .double, "0", "1e300", step: "1e-300")], "lr"),
        ("non-ASCII name", [param("学习率%", .double, "2", "1")], "学习率%"),
    ]

    @Test(arguments: invalid)
    func invalidSpaceIsInvalidArgumentNamingTheParameter(label: String, params: [ParameterSpec], needle: String) {
        let error = rpcError { () throws(RPCError) in try SearchSpace.parse(params) }
        #expect(error?.code == .invalidArgument, "\(label): \(String(describing: error))")
        #expect(error?.message.contains(needle) == true, "\(label): \(error?.message ?? "no error")")
        for algorithm in AlgorithmRegistry.samplerNames {
            expectInvalid(experiment(params, algorithm: algorithm), mentions: needle)
        }
    }

    @Test func messagesSayWhatIsAllowed() {
        let minMax = rpcError { () throws(RPCError) in try SearchSpace.parse([param("lr", .double, "0.9", "0.1")]) }
        #expect(minMax?.message == "DOUBLE parameter lr: min 0.9 is greater than max 0.1; min must be <= max")
        let type = rpcError { () throws(RPCError) in try SearchSpace.parse([param("u", .unknownType)]) }
        #expect(type?.message.contains("allowed: DOUBLE, INT, DISCRETE, CATEGORICAL") == true)
        let log = rpcError { () throws(RPCError) in try SearchSpace.parse([param("lr", .double, "0", "1", dist: .logUniform)]) }
        #expect(log?.message.contains("LOG_UNIFORM needs min > 0") == true)
    }
}

@Suite struct AssignmentMappingTests {
    let s: SearchSpace

    init() throws {
        s = try space([
            param("d", .double, "0", "1", step: "0.25"),
            param("c", .double, "1", "10"),
            param("i", .int, "1", "10", step: "3"),
            param("disc", .discrete, list: ["3", "2", "6"]),
            param("cat", .categorical, list: ["x", "y"]),
        ])
    }

    func assign(_ values: [(String, String)]) -> MappedPoint? {
        s.map(values.map { ParameterAssignment(name: $0.0, value: $0.1) })
    }

    @Test func exactAssignmentsRoundTrip() throws {
        let m = try #require(assign([("d", "0.5"), ("c", "2.5"), ("i", "7"), ("disc", "2"), ("cat", "y")]))
        #expect(m.isExact)
        #expect(m.point == [.real(0.5), .real(2.5), .integer(7), .choice(1), .choice(1)])
        #expect(s.format(m.point).map(\.value) == ["0.5", "2.5", "7", "2", "y"])
        for (j, v) in m.point.enumerated() { #expect(s.isValid(v, forParameter: j)) }
    }

    @Test func offSpaceValuesMapToTheNearestValidPoint() throws {
        // Values of an older search space, Katib's numpy noise, foreign formats, unknown names.
        let m = try #require(assign([("d", "0.74"), ("c", "99"), ("i", "5.2"), ("disc", "5.5"), ("cat", "x"),
                                     ("old", "1")]))
        #expect(!m.isExact)
        #expect(m.point == [.real(0.75), .real(10), .integer(4), .choice(2), .choice(0)])
        let noise = try #require(assign([("d", "0.49999999999999994"), ("c", "1"), ("i", "10"), ("disc", "6.0"), ("cat", "x")]))
        #expect(noise.isExact && noise.point[0] == .real(0.5) && noise.point[3] == .choice(2))
    }

    @Test func unreadableAssignmentsAreIgnored() {
        #expect(assign([("d", "0.5"), ("c", "2"), ("i", "4"), ("disc", "2")]) == nil)           // missing cat
        #expect(assign([("d", "abc"), ("c", "2"), ("i", "4"), ("disc", "2"), ("cat", "x")]) == nil)
        #expect(assign([("d", "0.5"), ("c", "2"), ("i", "4"), ("disc", "2"), ("cat", "z")]) == nil)
        #expect(assign([("d", "nan"), ("c", "2"), ("i", "4"), ("disc", "2"), ("cat", "x")]) == nil)
    }

    @Test func lastValueOfARepeatedNameWins() throws {
        let m = try #require(assign([("d", "0"), ("d", "1"), ("c", "2"), ("i", "4"), ("disc", "2"), ("cat", "x")]))
        #expect(m.point[0] == .real(1))
    }
}

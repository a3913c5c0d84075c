import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct TrialHistoryTests {
    let s: SearchSpace

    init() throws { s = try space([param("x", .double, "0", "1"), param("c", .categorical, list: ["a", "b"])]) }

    func history(_ trials: [Trial], direction: ObjectiveDirection = .maximize) -> TrialHistory {
        TrialHistory(trials: trials, space: s, objective: Objective(metricName: "accuracy", direction: direction))
    }

    @Test func classifiesEveryCondition() {
        let a: [(String, String)] = [("x", "0.5"), ("c", "a")]
        let h = history([
            trial("s", a, .succeeded, value: "0.9"),
            trial("e", a, .earlystopped, value: "0.7"),
            trial("cr", a, .created), trial("r", a, .running),
            trial("f", a, .failed), trial("k", a, .killed), trial("m", a, .metricsunavailable), trial("u", a, .unknown),
            trial("x9", a, TrialStatus.TrialConditionType(rawValue: 42)),
            trial("nometric", a, .succeeded),
            trial("bad", a, .succeeded, value: "unavailable"),
            trial("empty", a, .succeeded, value: ""),
            trial("nan", a, .succeeded, value: "nan"),
            trial("othermetric", a, .succeeded, metric: "loss", value: "0.1"),
            Trial(name: "nostatus", spec: TrialSpec(parameterAssignments: .init(assignments: [
                ParameterAssignment(name: "x", value: "0.1"), ParameterAssignment(name: "c", value: "b")]))),
        ])
        #expect(h.completed.map(\.name) == ["e", "s"])
        #expect(h.pending.map(\.name) == ["cr", "nostatus", "r"])
        #expect(h.failed.map(\.name) == ["bad", "empty", "f", "k", "m", "nan", "nometric", "othermetric", "u", "x9"])
        #expect(h.observations.map(\.loss) == [-0.7, -0.9], "maximize is negated into a loss")
    }

    @Test func minimizeKeepsTheSignAndLastMetricWins() {
        let t = Trial(name: "t", spec: TrialSpec(parameterAssignments: .init(assignments: [
            ParameterAssignment(name: "x", value: "0.5"), ParameterAssignment(name: "c", value: "a")])),
            status: TrialStatus(condition: .succeeded, observation: Observation(metrics: [
                Metric(name: "accuracy", value: "1"), Metric(name: "loss", value: "5"), Metric(name: "accuracy", value: "2")])))
        #expect(history([t], direction: .minimize).observations.map(\.loss) == [2])
        #expect(history([t], direction: .maximize).observations.map(\.loss) == [-2])
        #expect(ObjectiveDirection(.unknown) == .minimize)
    }

    @Test func orderOfTrialsDoesNotMatter() {
        let trials = (0..<20).map { i in trial("t\(i)", [("x", "0.\(i)"), ("c", i % 2 == 0 ? "a" : "b")], .succeeded, value: "\(i)") }
        let a = history(trials)
        let b = history(trials.reversed())
        #expect(a.records == b.records)
    }

    @Test func unreadableAssignmentsKeepTheTrialWithoutAPoint() {
        let h = history([trial("t", [("x", "0.5"), ("c", "zzz")], .succeeded, value: "1"),
                         trial("u", [("x", "7"), ("c", "a"), ("gone", "1")], .running)])
        #expect(h.records[0].point == nil && h.records[0].loss == -1)
        #expect(h.observations.isEmpty)
        #expect(h.records[1].mapped == MappedPoint(point: [.real(1), .choice(0)], isExact: false))
        #expect(h.takenPoints == [[.real(1), .choice(0)]])
    }

    /// The byte reader (`RowReader`) gives the point and digest the string path gives, on rows that
    /// take each of its branches and on rows it must hand back to the strings.
    @Test func byteReaderAgreesWithTheStringPath() throws {
        let sp = try space([
            param("x", .double, "0", "1"), param("n", .int, "1", "9", step: "2"),
            param("d", .discrete, list: ["1", "2.5", "10"]), param("c", .categorical, list: ["a", "é", "e\u{301}x"]),
        ])
        let values: [[String]] = [
            ["0.5", "3", "2.5", "a"], [" 0.25 ", "4", "2.50", "é"], ["1e-1", "0x3", "7", "e\u{301}x"],
            ["nan", "3", "1", "a"], ["0.5", "x", "1", "a"], ["0.5", "3", "1", "zzz"], ["2", "-5", "99", "é"],
            ["0.5", "3", "1", "e\u{301}"], ["0.5", "3", "1", "\u{E9}x"], ["+.5", "5.0", "10", "a"], ["", "", "", ""],
        ]
        var trials: [Trial] = []
        for (i, v) in values.enumerated() {
            trials.append(trial("t\(i)", zip(["x", "n", "d", "c"], v).map { ($0, $1) }, .running))
            trials.append(trial("r\(i)", zip(["c", "x", "n", "d"], [v[3], v[0], v[1], v[2]]).map { ($0, $1) }, .running))
        }
        trials.append(trial("short", [("x", "0.5")], .running))
        trials.append(trial("renamed", [("x", "0.5"), ("n", "3"), ("d", "1"), ("C", "a")], .running))
        // Not valid UTF-8 (a lone 0xC3, patched into the encoding over a DEL): the strings repair it
        // to U+FFFD, so the digest must be taken over the repair.
        trials.append(trial("bad-utf8", [("x", "0.5"), ("n", "3"), ("d", "1"), ("c", "\u{7F}")], .running))
        var bytes = GetSuggestionsRequest(trials: trials).serializedBytes()
        #expect(bytes.filter { $0 == 0x7F }.count == 1)
        bytes[bytes.firstIndex(of: 0x7F)!] = 0xC3
        let table = try SuggestionsRequest(serializedBytes: bytes).trials
        let reader = RowReader(sp)
        var fast = 0
        table.withRows { rows in
            for i in 0 ..< table.count {
                let assignments = table.assignments(i)
                let read = reader.read(rows, i)
                if let read {
                    fast += 1
                    #expect(read.mapped == sp.map(assignments), "trial \(table.name(i))")
                    #expect(read.digest == TrialHistory.digest(assignments), "trial \(table.name(i))")
                }
            }
        }
        #expect(fast == values.count + 1, "rows in parameter order are read from bytes, others are not")
    }
}

@Suite struct SeedDerivationTests {
    func seed(_ trials: [Trial], randomState: Int? = nil, name: String = "exp", count: Int = 3, total: Int = 10) throws -> UInt64 {
        let s = try space([param("x", .double, "0", "1")])
        let h = TrialHistory(trials: trials, space: s, objective: Objective(metricName: "accuracy", direction: .minimize))
        return SeedDerivation.seed(algorithmName: "random", experimentName: name, randomState: randomState,
                                   history: h, currentRequestNumber: count, totalRequestNumber: total)
    }

    @Test func orderIndependentButSensitiveToContent() throws {
        let trials = (0..<10).map { trial("t\($0)", [("x", "0.\($0)")], .running) }
        var rng = SeededRandom(seed: 11)
        var shuffled = trials
        rng.shuffle(&shuffled)
        let base = try seed(trials)
        #expect(try seed(shuffled) == base)
        #expect(try seed(trials.reversed()) == base)
        // Conditions and metrics do not enter the seed (a retried call gets the same answer).
        var finished = trials
        finished[3] = trial("t3", [("x", "0.3")], .succeeded, value: "1")
        #expect(try seed(finished) == base)
        // Everything else does.
        #expect(try seed(Array(trials.dropLast())) != base)
        var moved = trials
        moved[0] = trial("t0", [("x", "0.01")], .running)
        #expect(try seed(moved) != base)
        #expect(try seed(trials, count: 4) != base)
        #expect(try seed(trials, total: 11) != base)
        #expect(try seed(trials, name: "other") != base)
        #expect(try seed(trials, randomState: 1) != base)
    }

    @Test func randomStateReplacesTheExperimentName() throws {
        #expect(try seed([], randomState: 7, name: "a") == seed([], randomState: 7, name: "b"))
        #expect(try seed([], randomState: 7) != seed([], randomState: 8))
        #expect(try seed([], name: "a") != seed([], name: "b"))
    }
}

@Suite struct SettingsTests {
    static let gamma = Setting<Double>("gamma", .real(min: 0, max: 1, minOpen: true, maxOpen: true), default: 0.25, help: "")
    static let mode = Setting<String>("mode", .choice(["a", "b"]), default: "a", help: "")
    static let flag = Setting<Bool?>("flag", .boolean, default: nil, help: "")
    static let state = Setting<Int?>("state", .integer(), default: nil, help: "", isState: true)
    let schema = SettingsSchema(algorithm: "algo", specs: [Setting.randomState.spec, gamma.spec, mode.spec, flag.spec, state.spec])

    func parse(_ pairs: [(String, String)]) throws(RPCError) -> Settings {
        try schema.parse(pairs.map { AlgorithmSetting(name: $0.0, value: $0.1) })
    }

    @Test func defaultsAndExplicitValues() throws {
        let d = try parse([])
        #expect(d.randomState == nil && d[Self.gamma] == 0.25 && d[Self.mode] == "a" && d[Self.flag] == nil)
        #expect(d.explicitlySet.isEmpty)
        let e = try parse([("random_state", "10"), ("gamma", "0.5"), ("mode", "b"), ("flag", "TRUE"), ("state", "3"),
                           ("gamma", "0.75")])
        #expect(e.randomState == 10 && e[Self.gamma] == 0.75 && e[Self.mode] == "b" && e[Self.flag] == true)
        #expect(e[Self.state] == 3 && e.isSet(Self.gamma) && !d.isSet(Self.gamma))
        #expect(try parse([("random_state", "")]).randomState == nil, "empty counts as absent")
    }

    @Test(arguments: [
        ("colour", "red", "unknown setting colour for algorithm algo; allowed: random_state, gamma, mode, flag"),
        ("random_state", "-1", "random_state should be an integer >= 0, got -1"),
        ("random_state", "1.5", "failed to validate random_state(1.5) for algorithm algo: not an integer; random_state must be an integer >= 0"),
        ("gamma", "1", "gamma should be a number in (0, 1), got 1"),
        ("gamma", "0", "gamma should be a number in (0, 1), got 0"),
        ("gamma", "aaa", "failed to validate gamma(aaa) for algorithm algo: not a finite number; gamma must be a number in (0, 1)"),
        ("mode", "c", "mode c is not supported by algorithm algo; mode must be one of a, b"),
        ("flag", "yes", "failed to validate flag(yes) for algorithm algo: not a boolean; flag must be true or false"),
    ])
    func invalidSettings(name: String, value: String, message: String) {
        let error = rpcError { () throws(RPCError) in try parse([(name, value)]) }
        #expect(error == RPCError(.invalidArgument, message))
    }

    @Test func requiredAliasesAndNone() throws {
        let size = Setting<Int>.required("size", .integer(min: 1), help: "")
        let candidates = Setting<Int>("n_ei_candidates", .integer(min: 1), default: 24, help: "", aliases: ["n_EI_candidates"])
        let temperature = Setting<Double?>("temperature", .real(min: 0, minOpen: true), default: 5, help: "", acceptsNone: true)
        let schema = SettingsSchema(algorithm: "algo", specs: [size.spec, candidates.spec, temperature.spec], requiredHint: "size is the size")
        func parse(_ pairs: [(String, String)]) throws(RPCError) -> Settings {
            try schema.parse(pairs.map { AlgorithmSetting(name: $0.0, value: $0.1) })
        }
        #expect(rpcError { () throws(RPCError) in try parse([]) } == RPCError(.invalidArgument, "Required params missing: size; size is the size"))
        let d = try parse([("size", "3")])
        #expect(d[size] == 3 && d[candidates] == 24 && d[temperature] == 5)
        let aliased = try parse([("size", "3"), ("n_EI_candidates", "7"), ("temperature", "None")])
        #expect(aliased[candidates] == 7 && aliased[temperature] == nil && aliased.isSet(temperature))
        #expect(try parse([("size", "3"), ("n_EI_candidates", "7"), ("n_ei_candidates", " 7")])[candidates] == 7)
        #expect(rpcError { () throws(RPCError) in try parse([("size", "3"), ("n_EI_candidates", "7"), ("n_ei_candidates", "8")]) }
            == RPCError(.invalidArgument, "n_ei_candidates (8) and n_EI_candidates (7) are the same setting under two names; give one"))
        #expect(rpcError { () throws(RPCError) in try parse([("size", "None")]) }?.message.contains("not an integer") == true,
                "None only where Katib accepts it")
    }
}

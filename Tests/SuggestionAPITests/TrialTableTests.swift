import Testing
@testable import SuggestionAPI

@Suite struct TrialTableTests {
    static let trials = [
        Trial(name: "a", spec: TrialSpec(parameterAssignments: .init(assignments: [
            ParameterAssignment(name: "lr", value: "0.01"), ParameterAssignment(name: "opt", value: "adam")])),
              status: TrialStatus(condition: .succeeded, observation: Observation(metrics: [
                Metric(name: "acc", value: "0.5"), Metric(name: "loss", value: "2"), Metric(name: "acc", value: "0.75")]))),
        Trial(name: "", spec: nil, status: nil),
        Trial(name: "ü-名", spec: TrialSpec(parameterAssignments: .init(assignments: [ParameterAssignment(name: "", value: "")])),
              status: TrialStatus(condition: .running)),
        Trial(name: "d", status: TrialStatus(condition: .succeeded, observation: Observation(metrics: [Metric(name: "cafe\u{301}", value: "1")]))),
    ]

    func check(_ table: TrialTable) {
        #expect(table.count == 4)
        #expect((0..<3).map(table.name) == ["a", "", "ü-名"])
        #expect((0..<3).map(table.condition) == [.succeeded, .created, .running])
        #expect(table.assignments(0) == Self.trials[0].spec!.parameterAssignments!.assignments)
        #expect(table.assignments(1).isEmpty)
        #expect(table.assignments(2) == [ParameterAssignment(name: "", value: "")])
        #expect(table.metricValue(0, named: "acc") == "0.75", "the last report of a metric wins")
        #expect(table.metricValue(0, named: "loss") == "2")
        #expect(table.metricValue(0, named: "ac") == nil && table.metricValue(2, named: "acc") == nil)
        #expect(table.trial(0).status?.observation?.metrics.count == 3)
        #expect(table.metricValue(3, named: "caf\u{e9}") == "1", "canonically equivalent names are the same metric, as for String")
    }

    @Test func decodedAndBuiltTablesAgree() throws {
        let request = GetSuggestionsRequest(experiment: Experiment(name: "e"), trials: Self.trials,
                                            currentRequestNumber: 2, totalRequestNumber: 5)
        let decoded = try SuggestionsRequest(serializedBytes: request.serializedBytes())
        #expect(decoded.experiment == Experiment(name: "e"))
        #expect(decoded.currentRequestNumber == 2 && decoded.totalRequestNumber == 5)
        check(decoded.trials)
        check(SuggestionsRequest(request).trials)
    }

    @Test func malformedAndNULAreRefusedAsTheGeneratedDecoderDoes() throws {
        #expect(throws: RPCError.self) { _ = try SuggestionsRequest(serializedBytes: [0x12, 0x05, 0x0A]) }
        var bytes = GetSuggestionsRequest(trials: [Trial(name: "ax")]).serializedBytes()
        bytes[bytes.lastIndex(of: UInt8(ascii: "x"))!] = 0
        let error = try #require(throws: RPCError.self) { _ = try SuggestionsRequest(serializedBytes: bytes) }
        #expect(error.code == .invalidArgument && error.message.contains("NUL"))
    }

    /// Checks that protobuf-c's decoding of the whole message (`whole`) and the split decoder's agree:
    /// both refuse with the same code, or both accept with the same experiment and trials. True when
    /// both accepted.
    static func agree<Whole, Split>(_ whole: Result<Whole, RPCError>, _ split: Result<Split, RPCError>, _ round: Int,
                                    experiment: (Whole, Split) -> (Experiment?, Experiment?),
                                    trials: (Whole, Split) -> ([Trial], TrialTable)) -> Bool {
        switch (whole, split) {
        case let (.success(w), .success(s)):
            let (we, se) = experiment(w, s)
            #expect(we == se, "round \(round)")
            let (wt, st) = trials(w, s)
            let built = TrialTable(wt)
            #expect(st.count == built.count, "round \(round)")
            for i in 0 ..< min(st.count, built.count) { #expect(st.trial(i) == built.trial(i), "round \(round)") }
            return true
        case let (.failure(a), .failure(b)):
            #expect(a.code == b.code, "round \(round): \(a) vs \(b)")
        default:
            Issue.record("round \(round): protobuf-c \(whole), split \(split)")
        }
        return false
    }

    /// `count` mutations of `base`, each of one to three flipped, inserted or deleted bytes or a cut.
    static func mutations(of base: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        return (0 ..< count).map { _ in
            var bytes = base
            for _ in 0 ... next(3) {
                switch next(4) {
                case 0: bytes[next(bytes.count)] ^= UInt8(1 << next(8))
                case 1: bytes.insert(UInt8(next(256)), at: next(bytes.count + 1))
                case 2: if !bytes.isEmpty { bytes.remove(at: next(bytes.count)) }
                default: bytes = Array(bytes.prefix(next(bytes.count + 1)))
                }
            }
            return bytes
        }
    }

    /// The split decoder accepts exactly what protobuf-c accepts for the whole message, and reads the
    /// same values: checked on 3,000 mutations (flipped, inserted and deleted bytes, cuts) of a request.
    @Test func splitDecoderAgreesWithProtobufCOnMutatedRequests() {
        let experiment = Experiment(name: "e", spec: ExperimentSpec(algorithm: AlgorithmSpec(algorithmName: "random")))
        let base = GetSuggestionsRequest(experiment: experiment, trials: Self.trials + Self.trials,
                                         currentRequestNumber: 3, totalRequestNumber: 9).serializedBytes()
        var accepted = 0
        for (round, bytes) in Self.mutations(of: base, count: 3000, seed: 0x9E37_79B9_7F4A_7C15).enumerated() {
            let whole = Result { () throws(RPCError) in try GetSuggestionsRequest(serializedBytes: bytes) }
            let split = Result { () throws(RPCError) in try SuggestionsRequest(serializedBytes: bytes) }
            if case let (.success(w), .success(s)) = (whole, split) {
                #expect(s.currentRequestNumber == w.currentRequestNumber && s.totalRequestNumber == w.totalRequestNumber, "round \(round)")
                #expect(SuggestionsRequest.holdsTrials(bytes) == !w.trials.isEmpty, "round \(round): holdsTrials")
            }
            if Self.agree(whole, split, round, experiment: { ($0.experiment, $1.experiment) }, trials: { ($0.trials, $1.trials) }) {
                accepted += 1
            }
        }
        #expect(accepted > 100, "the mutations must also produce valid requests (\(accepted))")
    }

    /// GetEarlyStoppingRules goes through the same split decoding: same accept/refuse and values as
    /// protobuf-c on the whole message, the NUL check on db_manager_address included.
    @Test func rulesRequestsDecodeAsTheGeneratedDecoderDoes() throws {
        let request = GetEarlyStoppingRulesRequest(experiment: Experiment(name: "e"), trials: Self.trials, dbManagerAddress: "db:6789")
        let decoded = try RulesRequest(serializedBytes: request.serializedBytes())
        #expect(decoded.experiment == Experiment(name: "e") && decoded.dbManagerAddress == "db:6789")
        check(decoded.trials)
        var bytes = GetEarlyStoppingRulesRequest(dbManagerAddress: "db:x").serializedBytes()
        bytes[bytes.lastIndex(of: UInt8(ascii: "x"))!] = 0
        let error = try #require(throws: RPCError.self) { _ = try RulesRequest(serializedBytes: bytes) }
        #expect(error.code == .invalidArgument && error.message.contains("db_manager_address") && error.message.contains("NUL"))
        var accepted = 0
        for (round, b) in Self.mutations(of: request.serializedBytes(), count: 2000, seed: 7).enumerated() {
            let whole = Result { () throws(RPCError) in try GetEarlyStoppingRulesRequest(serializedBytes: b) }
            let split = Result { () throws(RPCError) in try RulesRequest(serializedBytes: b) }
            if case let (.success(w), .success(s)) = (whole, split) {
                #expect(s.dbManagerAddress == w.dbManagerAddress, "round \(round)")
            }
            if Self.agree(whole, split, round, experiment: { ($0.experiment, $1.experiment) }, trials: { ($0.trials, $1.trials) }) {
                accepted += 1
            }
        }
        #expect(accepted > 100, "the mutations must also produce valid requests (\(accepted))")
    }
}

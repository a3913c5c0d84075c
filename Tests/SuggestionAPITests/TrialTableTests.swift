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
    ]

    func check(_ table: TrialTable) {
        #expect(table.count == 3)
        #expect((0..<3).map(table.name) == ["a", "", "ü-名"])
        #expect((0..<3).map(table.condition) == [.succeeded, .created, .running])
        #expect(table.assignments(0) == Self.trials[0].spec!.parameterAssignments!.assignments)
        #expect(table.assignments(1).isEmpty)
        #expect(table.assignments(2) == [ParameterAssignment(name: "", value: "")])
        #expect(table.metricValue(0, named: "acc") == "0.75", "the last report of a metric wins")
        #expect(table.metricValue(0, named: "loss") == "2")
        #expect(table.metricValue(0, named: "ac") == nil && table.metricValue(2, named: "acc") == nil)
        #expect(table.trial(0).status?.observation?.metrics.count == 3)
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
}

import Testing
@testable import SuggestionAPI

@Suite struct CodecTests {
    @Test func zeroLengthBytesDecodeToDefaults() throws {
        let request = try GetSuggestionsRequest(serializedBytes: [])
        #expect(request == GetSuggestionsRequest())
        #expect(request.experiment == nil)
        #expect(GetSuggestionsRequest().serializedBytes().isEmpty)
    }

    @Test func nestedRepeatedMapAndEnumRoundTrip() throws {
        let trial = Trial(
            name: "t-1",
            spec: TrialSpec(
                objective: ObjectiveSpec(type: .maximize, goal: 0.99, objectiveMetricName: "accuracy",
                                         additionalMetricNames: ["loss", "f1"]),
                parameterAssignments: .init(assignments: [ParameterAssignment(name: "lr", value: "0.01")]),
                labels: ["b": "2", "a": "1", "ünï": "cödé ✓"]),
            status: TrialStatus(startTime: "2020-01-01T15:04:05Z", condition: .earlystopped,
                                observation: Observation(metrics: [Metric(name: "accuracy", value: "0.9")])))
        let request = GetSuggestionsRequest(
            experiment: Experiment(name: "exp", spec: ExperimentSpec(
                parameterSpecs: .init(parameters: [ParameterSpec(
                    name: "学习率", parameterType: .double,
                    feasibleSpace: FeasibleSpace(max: "1", min: "0.1", list: [], step: "", distribution: .logUniform))]),
                parallelTrialCount: 3, maxTrialCount: 12,
                nasConfig: NasConfig(graphConfig: GraphConfig(numLayers: 4, inputSizes: [32, 32, 3], outputSizes: [10])))),
            trials: [trial, Trial(name: "empty")],
            currentRequestNumber: 2, totalRequestNumber: 7)
        let decoded = try GetSuggestionsRequest(serializedBytes: request.serializedBytes())
        #expect(decoded == request)
    }

    @Test func unknownEnumNumbersAreKept() throws {
        let spec = ParameterSpec(name: "x", parameterType: ParameterType(rawValue: 99))
        let decoded = try ParameterSpec(serializedBytes: spec.serializedBytes())
        #expect(decoded.parameterType.rawValue == 99)
        #expect(decoded.parameterType.description == "99")
    }

    /// Bytes assembled by hand from the protobuf encoding rules: field 1 (name, "ab"), field 2
    /// (parameter_type, varint 2 = INT).
    @Test func matchesHandAssembledBytes() throws {
        let bytes: [UInt8] = [0x0A, 0x02, 0x61, 0x62, 0x10, 0x02]
        #expect(ParameterSpec(name: "ab", parameterType: .int).serializedBytes() == bytes)
        #expect(try ParameterSpec(serializedBytes: bytes) == ParameterSpec(name: "ab", parameterType: .int))
    }

    /// A map entry repeated on the wire: the last one wins, as proto3 specifies.
    @Test func duplicateMapKeysLastWins() throws {
        func entry(_ k: String, _ v: String) -> [UInt8] {
            let body: [UInt8] = [0x0A, UInt8(k.utf8.count)] + Array(k.utf8) + [0x12, UInt8(v.utf8.count)] + Array(v.utf8)
            return [0x22, UInt8(body.count)] + body   // TrialSpec.labels is field 4
        }
        let spec = try TrialSpec(serializedBytes: entry("k", "first") + entry("k", "second"))
        #expect(spec.labels == ["k": "second"])
    }

    @Test(arguments: [[0xFF, 0xFF, 0xFF, 0xFF], [0x0A, 0x05, 0x61], [0x12] + [UInt8](repeating: 0x80, count: 11), [0x0B]] as [[UInt8]])
    func malformedBytesAreInvalidArgument(bytes: [UInt8]) {
        #expect(throws: RPCError.self) { try GetSuggestionsRequest(serializedBytes: bytes) }
        do { _ = try GetSuggestionsRequest(serializedBytes: bytes) } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("api.v1.beta1.GetSuggestionsRequest"))
        }
    }

    @Test func emptyMessagesEncodeToNoBytesAndBack() throws {
        #expect(ValidateAlgorithmSettingsReply().serializedBytes() == [])
        #expect(try ValidateAlgorithmSettingsReply(serializedBytes: []) == ValidateAlgorithmSettingsReply())
        #expect(HealthCheckResponse(status: .serving).serializedBytes() == [0x08, 0x01])
    }

    @Test func multiMegabyteRequestRoundTrips() throws {
        let trials = (0..<20_000).map { i in
            Trial(name: "trial-\(i)", spec: TrialSpec(parameterAssignments: .init(assignments: [
                ParameterAssignment(name: "lr", value: "0.\(i)"), ParameterAssignment(name: "layers", value: "\(i % 7)")])),
                  status: TrialStatus(condition: .succeeded, observation: Observation(metrics: [Metric(name: "acc", value: "\(i)")])))
        }
        let request = GetSuggestionsRequest(experiment: Experiment(name: "big"), trials: trials, currentRequestNumber: 1)
        let bytes = request.serializedBytes()
        #expect(bytes.count > 1_000_000)
        #expect(try GetSuggestionsRequest(serializedBytes: bytes) == request)
    }
}

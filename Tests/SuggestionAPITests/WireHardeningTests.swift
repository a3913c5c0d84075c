import Testing
@testable import SuggestionAPI

@Suite struct WireHardeningTests {
    @Test func stringsWithNULAreRefusedNotCut() throws {
        // "3x" with the x turned into NUL inside the encoded list value.
        let spec = ParameterSpec(name: "p", parameterType: .categorical, feasibleSpace: FeasibleSpace(list: ["3x"]))
        var bytes = Experiment(name: "e", spec: ExperimentSpec(parameterSpecs: ExperimentSpec.ParameterSpecs(parameters: [spec]))).serializedBytes()
        let at = try #require(bytes.firstIndex(of: UInt8(ascii: "x")))
        bytes[at] = 0
        let error = try #require(throws: RPCError.self) { _ = try Experiment(serializedBytes: bytes) }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("NUL") && error.message.contains("list"))
        // Bytes that happen to be 0 elsewhere (numbers, lengths) are fine.
        let ok = Experiment(name: "e", spec: ExperimentSpec(parallelTrialCount: 0, maxTrialCount: 256))
        #expect(try Experiment(serializedBytes: ok.serializedBytes()) == ok)
    }

    /// The NUL scan reads the wire format itself (before protobuf-c), so it must survive any bytes:
    /// truncated, corrupted, deeply nested. Run under AddressSanitizer by scripts/sanitize.sh.
    @Test func theNULScanSurvivesCorruptedBytes() {
        let spec = ParameterSpec(name: "p", parameterType: .categorical, feasibleSpace: FeasibleSpace(list: ["a", "bb", "ccc"]))
        let good = Experiment(name: "exp", spec: ExperimentSpec(parameterSpecs: ExperimentSpec.ParameterSpecs(parameters: [spec, spec]),
                                                              maxTrialCount: 300)).serializedBytes()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(truncatingIfNeeded: state & 0x7FFF_FFFF)
        }
        var decoded = 0
        for _ in 0 ..< 5000 {
            var bytes = good
            for _ in 0 ... next() % 4 {
                switch next() % 3 {
                case 0: bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next())
                case 1: bytes = Array(bytes.prefix(next() % bytes.count))
                default: bytes.insert(UInt8(truncatingIfNeeded: next()), at: next() % (bytes.count + 1))
                }
                if bytes.isEmpty { break }
            }
            if (try? Experiment(serializedBytes: bytes)) != nil { decoded += 1 }
        }
        // Deep nesting: a length-delimited field inside itself, 200 levels.
        var nested: [UInt8] = []
        for _ in 0 ..< 200 { nested = [0x12, UInt8(truncatingIfNeeded: nested.count)] + nested }
        _ = try? Experiment(serializedBytes: nested)
        #expect(decoded > 0, "some corrupted inputs still decode, and those were scanned too")
    }
}

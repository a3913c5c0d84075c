import Testing
@testable import SuggestionAPI

@Suite struct ReplyEncodingTests {
    /// A small deterministic generator (tests only).
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        /// Empty, ASCII, multi-byte UTF-8, or long enough for a two-byte length.
        mutating func text() -> String {
            switch next(5) {
            case 0: return ""
            case 1: return "lr"
            case 2: return "é→\u{1F600}" + String(next(1000))
            case 3: return String(repeating: "x", count: 100 + next(300))
            default: return "0.\(next(1_000_000))"
            }
        }
        mutating func pairs() -> [(String, String)] { (0 ..< next(4)).map { _ in (text(), text()) } }
    }

    @Test func directEncodingIsProtobufCsEncoding() throws {
        var g = Generator(state: 42)
        for round in 0 ..< 2000 {
            var reply = GetSuggestionsReply()
            for _ in 0 ..< g.next(4) {
                var labels: [String: String] = [:]
                for (k, v) in g.pairs() { labels[k] = v }
                reply.parameterAssignments.append(GetSuggestionsReply.ParameterAssignments(
                    assignments: g.pairs().map { ParameterAssignment(name: $0.0, value: $0.1) },
                    trialName: g.text(), labels: labels))
            }
            if g.next(2) == 0 {
                reply.algorithm = AlgorithmSpec(algorithmName: g.text(),
                                                algorithmSettings: g.pairs().map { AlgorithmSetting(name: $0.0, value: $0.1) })
            }
            for _ in 0 ..< g.next(3) {
                let steps: [Int32] = [0, 1, 300, -1, .min, .max]
                reply.earlyStoppingRules.append(EarlyStoppingRule(
                    name: g.text(), value: g.text(), comparison: ComparisonType(rawValue: Int32(g.next(5)) - 1),
                    startStep: steps[g.next(steps.count)]))
            }
            #expect(reply.encodedDirectly() == reply.serializedBytes(), "round \(round): \(reply)")
        }
        // And the empty reply, and one whose body needs a multi-byte length.
        #expect(GetSuggestionsReply().encodedDirectly() == [])
        let big = GetSuggestionsReply(parameterAssignments: [GetSuggestionsReply.ParameterAssignments(
            assignments: (0 ..< 500).map { ParameterAssignment(name: "p\($0)", value: String(repeating: "9", count: $0 % 40)) })])
        #expect(big.encodedDirectly() == big.serializedBytes())
        #expect(try GetSuggestionsReply(serializedBytes: big.encodedDirectly()) == big)
    }
}

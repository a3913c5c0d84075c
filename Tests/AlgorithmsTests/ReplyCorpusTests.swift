// Replies must stay byte-for-byte what they were for the same request across refactorings of the
// request path and the algorithm contract. `ReplyCorpus/` holds recorded pairs (request.pb, reply.pb)
// for every registered algorithm; this suite decodes each stored request, answers it, and compares the
// encoded reply with the stored one. A deliberate change of replies is re-recorded with
// `RECORD_REPLY_CORPUS=1 swift test --filter ReplyCorpusTests` and named in the commit message.
import Foundation
import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct ReplyCorpusTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("ReplyCorpus")

    /// The requests recorded for one algorithm: a fresh experiment, and the history of a closed loop
    /// (three batches of four, one trial of each batch left running and one failed) for each space
    /// the algorithm accepts.
    static func requests(_ algorithm: String) throws -> [(String, GetSuggestionsRequest)] {
        if AlgorithmRegistry.sampler(named: algorithm)?.input != .parameters {
            let ops = algorithm == "darts" ? dartsOperations : enasOperations
            let exp = nasExperiment(algorithm, operations: ops)
            var trials: [Trial] = []
            let first = try AlgorithmService().suggestions(request(exp, count: 3))
            for (i, pa) in first.parameterAssignments.enumerated() {
                trials.append(trial("nas-\(i)", pa.assignments, i == 2 ? .running : .succeeded,
                                    metric: "Validation-Accuracy", value: i == 2 ? nil : "0.\(6 + i)"))
            }
            return [("fresh", request(exp, count: 2)), ("history", request(exp, trials: trials, count: 2))]
        }
        var result: [(String, GetSuggestionsRequest)] = []
        for (label, generic) in ConformanceTests.spaces {
            let params = ConformanceFixtures.parameters(generic, algorithm)
            let exp = fixtureExperiment(params, algorithm: algorithm, objective: .minimize, maxTrials: 40)
            if rpcError({ () throws(RPCError) in try AlgorithmService().resolve(exp) }) != nil { continue }
            result.append(("\(label)-fresh", request(exp, count: 3)))
            var trials: [Trial] = []
            for round in 0..<3 {
                let reply = try AlgorithmService().suggestions(request(exp, trials: trials, count: 4))
                for (i, pa) in reply.parameterAssignments.enumerated() {
                    let name = pa.trialName.isEmpty ? "t\(round)-\(i)" : pa.trialName
                    // A deterministic objective of the assignment strings (any algorithm's values).
                    let y = pa.assignments.reduce(0.0) { acc, a in acc + Double(a.value.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) % 997 }) / 997 }
                    let condition: TrialStatus.TrialConditionType = i == 3 ? .running : (i == 2 && round == 1 ? .failed : .succeeded)
                    trials.append(trial(name, pa.assignments, condition, value: condition == .succeeded ? ValueFormatting.formatDouble(y) : nil))
                }
            }
            result.append(("\(label)-history", request(exp, trials: trials, count: 3)))
        }
        return result
    }

    static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_REPLY_CORPUS"] == "1" }

    @Test(arguments: AlgorithmRegistry.names)
    func repliesMatchTheRecordedCorpus(algorithm: String) throws {
        if Self.recording {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            for (label, r) in try Self.requests(algorithm) {
                let reply = try AlgorithmService().suggestions(r)
                try Data(r.serializedBytes()).write(to: Self.directory.appendingPathComponent("\(algorithm)-\(label).request.pb"))
                try Data(reply.serializedBytes()).write(to: Self.directory.appendingPathComponent("\(algorithm)-\(label).reply.pb"))
            }
            return
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasPrefix("\(algorithm)-") && $0.hasSuffix(".request.pb") }.sorted()
        #expect(!files.isEmpty, "no recorded requests for \(algorithm) in ReplyCorpus/")
        for file in files {
            let label = String(file.dropFirst(algorithm.count + 1).dropLast(".request.pb".count))
            let requestBytes = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent(file)))
            let expected = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent(
                "\(algorithm)-\(label).reply.pb")))
            let request = try GetSuggestionsRequest(serializedBytes: requestBytes)
            // A name prefix may belong to a longer algorithm name; the request says whose it is.
            guard request.experiment?.spec?.algorithm?.algorithmName == algorithm else { continue }
            let reply = try AlgorithmService().suggestions(request)
            #expect(reply.serializedBytes() == expected, "\(file): the reply differs from the recorded one")
            #expect(reply.encodedDirectly() == expected, "\(file): the server's direct encoding differs from protobuf-c's")
        }
    }
}

// One conformance suite run against every registered algorithm (after Optuna's
// `optuna/testing/pytest_samplers.py`): a new sampler added to `AlgorithmRegistry` is covered here
// without writing a line.
import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct ConformanceTests {
    /// Finite: every algorithm (grid included) must accept it. 100·5·4·3·3 = 18 000 points.
    static let finite: [ParameterSpec] = [
        param("lr", .double, "0.001", "0.1", step: "0.001", dist: .logUniform),
        param("momentum", .double, "0.5", "0.9", step: "0.1"),
        param("layers", .int, "2", "8", step: "2", dist: .normal),
        param("batch", .discrete, list: ["32", "16", "64"]),
        param("opt", .categorical, list: ["sgd", "adam", "ftrl"]),
    ]
    /// Continuous and log-scaled ranges of every distribution; algorithms that need finite spaces
    /// (grid) reject it with INVALID_ARGUMENT.
    static let mixed: [ParameterSpec] = [
        param("lr", .double, "1e-5", "1", dist: .logUniform),
        param("dropout", .double, "-0.5", "0.5", dist: .normal),
        param("scale", .double, "0.1", "10", dist: .logNormal),
        param("wd", .double, "0", "0.1"),
        param("units", .int, "1", "1024", dist: .logUniform),
        param("depth", .int, "1", "10", step: "3"),
        param("k", .int, "-3", "3", dist: .distributionUnspecified),
        param("batch", .discrete, list: ["32", "16", "64"]),
        param("opt", .categorical, list: ["sgd", "adam", "ftrl"]),
    ]
    static let spaces: [(String, [ParameterSpec])] = [("finite", finite), ("mixed", mixed)]

    /// The spaces this algorithm accepts; the finite one must be among them.
    func accepted(_ algorithm: String) -> [[ParameterSpec]] {
        var result: [[ParameterSpec]] = []
        for (label, generic) in Self.spaces {
            let params = ConformanceFixtures.parameters(generic, algorithm)
            let error = rpcError { () throws(RPCError) in try AlgorithmService().resolve(fixtureExperiment(params, algorithm: algorithm)) }
            if let error {
                #expect(error.code == .invalidArgument && label != "finite", "\(algorithm) on \(label): \(error)")
            } else {
                result.append(params)
            }
        }
        return result
    }

    /// Every check a reply must pass against its experiment.
    func checkReply(_ reply: GetSuggestionsReply, _ params: [ParameterSpec], count: Int, algorithm: String,
                    avoiding taken: Set<[String]> = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let s = try space(params)
        #expect(reply.parameterAssignments.count == count, "exact count", sourceLocation: sourceLocation)
        var batch = Set<[String]>()
        for pa in reply.parameterAssignments {
            #expect(pa.assignments.map(\.name) == params.map(\.name), "every parameter, in experiment order",
                    sourceLocation: sourceLocation)
            let mapped = try #require(s.map(pa.assignments), sourceLocation: sourceLocation)
            #expect(mapped.isExact, "\(pa.assignments) on the space", sourceLocation: sourceLocation)
            for (j, a) in pa.assignments.enumerated() {
                #expect(s.isValid(mapped.point[j], forParameter: j), "\(a)", sourceLocation: sourceLocation)
                #expect(SearchSpace.format(mapped.point[j], of: s.parameters[j].domain) == a.value,
                        "canonical string for \(a)", sourceLocation: sourceLocation)
                let fs = params[j].feasibleSpace!
                switch params[j].parameterType {
                case .int:
                    let v = try #require(Int64(a.value), "INT \(a.name)=\(a.value)", sourceLocation: sourceLocation)
                    let lo = Int64(fs.min)!, hi = Int64(fs.max)!, step = Int64(fs.step) ?? 1
                    #expect(v >= lo && v <= hi && (v - lo) % step == 0, "\(a)", sourceLocation: sourceLocation)
                case .double:
                    let v = try #require(Double(a.value), sourceLocation: sourceLocation)
                    #expect(!a.value.contains("e") && v >= Double(fs.min)! && v <= Double(fs.max)!, "\(a)",
                            sourceLocation: sourceLocation)
                    if let step = Double(fs.step) {
                        let k = (v - Double(fs.min)!) / step
                        #expect(abs(k - k.rounded()) < 1e-9, "\(a) on the step lattice", sourceLocation: sourceLocation)
                    }
                default:
                    #expect(fs.list.contains(a.value), "\(a)", sourceLocation: sourceLocation)
                }
            }
            let key = pa.assignments.map(\.value)
            #expect(batch.insert(key).inserted, "duplicate in batch: \(key)", sourceLocation: sourceLocation)
            #expect(!taken.contains(key), "suggested a pending or finished point again: \(key)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: AlgorithmRegistry.samplerNames, [1, 7])
    func freshExperiment(algorithm: String, count: Int) throws {
        for params in accepted(algorithm) {
            for objective in [ObjectiveType.minimize, .maximize] {
                let exp = fixtureExperiment(params, algorithm: algorithm, objective: objective)
                let reply = try AlgorithmService().suggestions(request(exp, count: Int32(count)))
                try checkReply(reply, params, count: count, algorithm: algorithm)
                #expect(reply.algorithm == nil || !reply.algorithm!.algorithmSettings.isEmpty)
            }
        }
    }

    @Test(arguments: AlgorithmRegistry.samplerNames)
    func sameRequestSameReply(algorithm: String) throws {
        for params in accepted(algorithm) {
            let exp = fixtureExperiment(params, algorithm: algorithm, settings: [("random_state", "3")])
            let first = try AlgorithmService().suggestions(request(exp, count: 7))
            let history = first.parameterAssignments.enumerated().map { i, pa in
                trial("t\(i)", pa.assignments, i % 2 == 0 ? .succeeded : .running, value: "\(Double(i) / 10)")
            }
            let r = request(exp, trials: history, count: 5)
            let a = try AlgorithmService().suggestions(r)
            var shuffled = r
            shuffled.trials.reverse()
            let b = try AlgorithmService().suggestions(shuffled)
            #expect(a == b, "trial order must not matter")
            #expect(a == (try AlgorithmService().suggestions(r)))
        }
    }

    @Test(arguments: AlgorithmRegistry.samplerNames, [ObjectiveType.minimize, .maximize])
    func historyWithEveryCondition(algorithm: String, objective: ObjectiveType) throws {
        for params in accepted(algorithm) {
            let exp = fixtureExperiment(params, algorithm: algorithm, objective: objective)
            let first = try AlgorithmService().suggestions(request(exp, count: 16))
            let conditions: [TrialStatus.TrialConditionType] = [.succeeded, .running, .failed, .created, .earlystopped,
                                                                .killed, .metricsunavailable, .unknown]
            var trials = first.parameterAssignments.enumerated().map { i, pa in
                trial("t\(i)", pa.assignments, conditions[i % conditions.count], value: "\(0.5 + Double(i) / 100)")
            }
            trials.append(trial("no-metric", first.parameterAssignments[0].assignments, .succeeded))
            trials.append(trial("bad-metric", first.parameterAssignments[1].assignments, .succeeded, value: "unavailable"))
            trials.append(trial("foreign", [("lr", "12"), ("unknown", "x")], .succeeded, value: "1"))
            // Pending and completed points must not come back.
            let taken = Set(trials.prefix(16).enumerated().compactMap { i, t -> [String]? in
                [.succeeded, .running, .created, .earlystopped].contains(conditions[i % conditions.count])
                    ? t.spec!.parameterAssignments!.assignments.map(\.value) : nil
            })
            for count in [1, 7] {
                let reply = try AlgorithmService().suggestions(request(exp, trials: trials, count: Int32(count)))
                try checkReply(reply, params, count: count, algorithm: algorithm, avoiding: taken)
            }
        }
    }

    @Test(arguments: AlgorithmRegistry.samplerNames)
    func smallSpaceIsCoveredWithoutDuplicates(algorithm: String) throws {
        let params = ConformanceFixtures.parameters(
            [param("n", .int, "1", "3"), param("c", .categorical, list: ["a", "b"]),
             param("d", .discrete, list: ["1", "2"])], algorithm)   // 12 configurations
        let exp = fixtureExperiment(params, algorithm: algorithm)
        let first = try AlgorithmService().suggestions(request(exp, count: 5))
        try checkReply(first, params, count: 5, algorithm: algorithm)
        let conditions: [TrialStatus.TrialConditionType] = [.running, .succeeded, .created, .earlystopped, .succeeded]
        let trials = first.parameterAssignments.enumerated().map { i, pa in
            trial("t\(i)", pa.assignments, conditions[i], value: "1")
        }
        let rest = try AlgorithmService().suggestions(request(exp, trials: trials, count: 7))
        let taken = Set(pairs(first))
        try checkReply(rest, params, count: 7, algorithm: algorithm, avoiding: Set(first.parameterAssignments.map { $0.assignments.map(\.value) }))
        #expect(taken.union(pairs(rest)).count == 12, "the 7 free points, each once")
    }

    @Test(arguments: AlgorithmRegistry.samplerNames)
    func protocolEntryPoints(algorithm: String) async throws {
        let service: any SuggestionService = AlgorithmService()
        let finite = ConformanceFixtures.parameters(Self.finite, algorithm)
        let exp = fixtureExperiment(finite, algorithm: algorithm, settings: [("random_state", "10")], maxTrials: 20)
        _ = try await service.validateAlgorithmSettings(ValidateAlgorithmSettingsRequest(experiment: exp))
        let reply = try await service.getSuggestions(SuggestionsRequest(request(exp, count: 3)))
        try checkReply(reply, finite, count: 3, algorithm: algorithm)
    }

    @Test(arguments: AlgorithmRegistry.samplerNames)
    func acceptsRandomStateAndRejectsUnknownSettings(algorithm: String) {
        let ok = rpcError { () throws(RPCError) in
            try AlgorithmService().resolve(fixtureExperiment(ConformanceFixtures.parameters(Self.finite, algorithm), algorithm: algorithm, settings: [("random_state", "10")]))
        }
        #expect(ok == nil)
        expectInvalid(fixtureExperiment(ConformanceFixtures.parameters(Self.finite, algorithm), algorithm: algorithm, settings: [("random_state", "-1")]), mentions: "random_state")
        expectInvalid(fixtureExperiment(ConformanceFixtures.parameters(Self.finite, algorithm), algorithm: algorithm, settings: [("unknown_conf", "1111")]),
                      mentions: "unknown setting unknown_conf for algorithm \(algorithm)")
    }
}

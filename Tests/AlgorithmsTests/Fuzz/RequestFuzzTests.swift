// A structured fuzzer over the whole suggestion path a request takes in the server: protobuf decode
// (protobuf-c), validation (ValidateAlgorithmSettings) and one GetSuggestions call, for every
// registered algorithm. It starts from the committed corpus (`corpus/*.pb`, encoded
// GetSuggestionsRequest messages: one Katib-shaped request per algorithm plus every input that once
// broke the server) and mutates it the way a hostile or careless client would: extreme numbers as
// strings, wrong types, huge counts, duplicated and dropped fields, corrupted bytes.
//
// What must hold for every input: the process does not trap, and the answer is a reply or an
// RPCError whose code is not INTERNAL or UNKNOWN (user errors are INVALID_ARGUMENT; a call with no
// free grid cell is FAILED_PRECONDITION).
//
// Environment: FUZZ_SECONDS (default 20) bounds the mutation run; FUZZ_SEED picks the mutation
// sequence (default fixed, so CI is reproducible); FUZZ_WRITE_SEEDS=1 rewrites the corpus's seed and
// regression entries from `FuzzSeeds` (run it after adding one). The input under test is written to `.build/fuzz-current.pb` before each
// call, so after a trap it can be added to the corpus as `regression-<what>.pb`.
import Testing
import Foundation
import SuggestionAPI
@testable import Algorithms

@Suite(.serialized) struct RequestFuzzTests {
    static let corpusDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("corpus")
    static let currentInput = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/fuzz-current.pb")

    static func corpus() throws -> [(name: String, bytes: [UInt8])] {
        if ProcessInfo.processInfo.environment["FUZZ_WRITE_SEEDS"] == "1" {
            try FileManager.default.createDirectory(at: corpusDirectory, withIntermediateDirectories: true)
            for (name, request) in FuzzSeeds.all() {
                try Data(request.serializedBytes()).write(to: corpusDirectory.appendingPathComponent("seed-\(name).pb"))
            }
            for (name, request) in FuzzSeeds.regressions() {
                try Data(request.serializedBytes()).write(to: corpusDirectory.appendingPathComponent("regression-\(name).pb"))
            }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: corpusDirectory.path).filter { $0.hasSuffix(".pb") }.sorted()
        return try files.map { ($0, [UInt8](try Data(contentsOf: corpusDirectory.appendingPathComponent($0)))) }
    }

    /// Runs one encoded request through decode, both RPCs; returns a failure description or nil.
    static func check(_ bytes: [UInt8]) -> String? {
        try? Data(bytes).write(to: currentInput)
        let request: GetSuggestionsRequest
        do {
            request = try GetSuggestionsRequest(serializedBytes: bytes)
        } catch {
            return error.code == .invalidArgument ? nil : "decode answered \(error.code): \(error.message)"
        }
        let service = AlgorithmService()
        let allowed: Set<StatusCode> = [.invalidArgument, .failedPrecondition, .resourceExhausted]
        if let e = rpcError({ () throws(RPCError) in try service.validate(request.experiment) }), !allowed.contains(e.code) {
            return "ValidateAlgorithmSettings answered \(e.code): \(e.message)"
        }
        let pooled: Result<GetSuggestionsReply, RPCError>
        do throws(RPCError) { pooled = .success(try service.suggestions(request)) } catch { pooled = .failure(error) }
        if case let .failure(e) = pooled, !allowed.contains(e.code) {
            return "GetSuggestions answered \(e.code): \(e.message)"
        }
        // The event loop's path (`suggestionsIfCheap`, on the server's own decoding) answers as the
        // worker's does whenever it answers at all.
        if let table = try? SuggestionsRequest(serializedBytes: bytes), let inline = service.suggestionsIfCheap(table) {
            switch (inline, pooled) {
            case let (.success(a), .success(b)) where a == b: break
            case let (.failure(a), .failure(b)) where a == b: break
            default: return "GetSuggestions answered inline \(inline), on a worker \(pooled)"
            }
        }
        return nil
    }

    @Test func corpusIsPresentAndEveryEntryIsAnsweredCleanly() throws {
        let corpus = try Self.corpus()
        let algorithms = Set(corpus.compactMap { entry in
            (try? GetSuggestionsRequest(serializedBytes: entry.bytes))?.experiment?.spec?.algorithm?.algorithmName
        })
        #expect(algorithms.isSuperset(of: AlgorithmRegistry.names), "a seed per algorithm; missing: \(Set(AlgorithmRegistry.names).subtracting(algorithms))")
        for entry in corpus {
            #expect(Self.check(entry.bytes) == nil, "\(entry.name): \(Self.check(entry.bytes) ?? "")")
        }
    }

    @Test func mutatedRequestsNeverTrapOrAnswerInternal() throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["FUZZ_SECONDS"].flatMap(Double.init) ?? 20
        let seed = environment["FUZZ_SEED"].flatMap(UInt64.init) ?? 0x5eed_f022
        let corpus = try Self.corpus().compactMap { try? GetSuggestionsRequest(serializedBytes: $0.bytes) }
        try #require(!corpus.isEmpty)
        var mutator = RequestMutator(seed: seed)
        let clock = ContinuousClock()
        let end = clock.now + .milliseconds(Int(seconds * 1000))
        var runs = 0
        var failures: [String] = []
        var slowest: [(Duration, String)] = []
        while clock.now < end && failures.count < 5 {
            let base = corpus[runs % corpus.count]
            let (bytes, what) = mutator.mutate(base)
            let started = clock.now
            if let failure = Self.check(bytes) {
                failures.append("\(what): \(failure)")
                try? Data(bytes).write(to: Self.currentInput.deletingLastPathComponent().appendingPathComponent("fuzz-failure-\(failures.count).pb"))
            }
            let took = started.duration(to: clock.now)
            if slowest.count < 5 || took > slowest[slowest.count - 1].0 {
                slowest.append((took, what))
                slowest.sort { $0.0 > $1.0 }
                slowest = Array(slowest.prefix(5))
            }
            runs += 1
        }
        print("request fuzz: \(runs) mutated requests in \(seconds) s (seed \(seed)); slowest: "
            + slowest.map { "\($0.0) \($0.1)" }.joined(separator: "; "))
        #expect(runs > 0)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}

/// Seeded mutations of a request (see the file comment). Each returns the encoded bytes and a short
/// description of what it changed, for the failure report.
struct RequestMutator {
    var rng: SeededRandom

    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    /// Numbers and strings that have broken parsers before: integer and double extremes, non-finite
    /// spellings, tiny steps, embedded NUL, control characters, long text.
    static let tokens: [String] = [
        "-9223372036854775808", "9223372036854775807", "-9223372036854775807", "9223372036854775808",
        "18446744073709551616", "1e308", "-1e308", "1e300", "5e-324", "-5e-324", "2.2250738585072014e-308",
        "nan", "NaN", "inf", "-inf", "Infinity", "0", "-0", "1", "-1", "2", "3", "0.5", "1e-16", "1e-300",
        "9007199254740993", "-9007199254740992", "0x1p-1074", "0x1.fffffffffffffp+1023", "1e", "--1", "",
        " ", "\t7\n", "3\u{0}", "\u{0}", "a\nb", "\u{1b}[31m", "é", "sgd", "adam", "true", "false",
        "99999999999999999999", "2147483648", "-2147483649", "1.0000000000000002", "1000000", "100000000",
        String(repeating: "9", count: 400), String(repeating: "x", count: 10_000),
    ]

    mutating func token() -> String { Self.tokens[rng.index(below: Self.tokens.count)] }

    mutating func int32() -> Int32 {
        [0, 1, 2, 3, 7, 64, 1000, 10_001, -1, Int32.max, Int32.min][rng.index(below: 11)]
    }

    mutating func mutate(_ request: GetSuggestionsRequest) -> ([UInt8], String) {
        var r = request
        var what: [String] = []
        for _ in 0..<(1 + rng.index(below: 3)) { what.append(mutateOnce(&r)) }
        var bytes = r.serializedBytes()
        if rng.index(below: 8) == 0 && !bytes.isEmpty {
            for _ in 0..<(1 + rng.index(below: 4)) {
                let i = rng.index(below: bytes.count)
                switch rng.index(below: 3) {
                case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: i)
                default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                }
            }
            what.append("corrupted bytes")
        }
        return (bytes, (r.experiment?.spec?.algorithm?.algorithmName ?? "?") + ": " + what.joined(separator: ", "))
    }

    private mutating func mutateOnce(_ r: inout GetSuggestionsRequest) -> String {
        var spec = r.experiment?.spec ?? ExperimentSpec()
        defer { r.experiment?.spec = spec }
        var params = spec.parameterSpecs?.parameters ?? []
        defer { if !params.isEmpty || spec.parameterSpecs != nil { spec.parameterSpecs = ExperimentSpec.ParameterSpecs(parameters: params) } }
        switch rng.index(below: 12) {
        case 0 where !params.isEmpty:
            let j = rng.index(below: params.count)
            var fs = params[j].feasibleSpace ?? FeasibleSpace()
            let t = token()
            switch rng.index(below: 4) {
            case 0: fs.min = t
            case 1: fs.max = t
            case 2: fs.step = t
            default: if fs.list.isEmpty { fs.list = [t] } else { fs.list[rng.index(below: fs.list.count)] = t }
            }
            params[j].feasibleSpace = fs
            return "parameter \(params[j].name) bound \(t.prefix(30))"
        case 1 where !params.isEmpty:
            let j = rng.index(below: params.count)
            params[j].parameterType = ParameterType(rawValue: Int32(rng.index(below: 6)) - 1)
            params[j].feasibleSpace?.distribution = Distribution(rawValue: Int32(rng.index(below: 6)) - 1)
            return "parameter \(params[j].name) type \(params[j].parameterType.rawValue)"
        case 2:
            r.currentRequestNumber = int32()
            r.totalRequestNumber = int32()
            spec.maxTrialCount = int32()
            spec.parallelTrialCount = int32()
            return "counts \(r.currentRequestNumber)/\(spec.maxTrialCount)"
        case 3:
            let name = spec.algorithm?.algorithmName ?? ""
            let known = AlgorithmRegistry.sampler(named: name)?.settingsSchema.specs.map(\.name)
                ?? ["num_epochs", "controller_hidden_size", "controller_temperature", "random_state", "num_nodes", "stem_multiplier"]
            let key = known[rng.index(below: known.count)]
            let value = token()
            var settings = spec.algorithm?.algorithmSettings ?? []
            settings.append(AlgorithmSetting(name: key, value: value))
            spec.algorithm?.algorithmSettings = settings
            return "setting \(key)=\(value.prefix(30))"
        case 4 where !r.trials.isEmpty:
            let i = rng.index(below: r.trials.count)
            var assignments = r.trials[i].spec?.parameterAssignments?.assignments ?? []
            if !assignments.isEmpty {
                let k = rng.index(below: assignments.count)
                assignments[k].value = token()
                r.trials[i].spec?.parameterAssignments?.assignments = assignments
            }
            return "trial assignment"
        case 5 where !r.trials.isEmpty:
            let i = rng.index(below: r.trials.count)
            r.trials[i].status?.observation = Observation(metrics: [Metric(name: spec.objective?.objectiveMetricName ?? "", value: token())])
            r.trials[i].status?.condition = TrialStatus.TrialConditionType(rawValue: Int32(rng.index(below: 9)) - 1)
            return "trial metric and condition"
        case 6 where !r.trials.isEmpty:
            let i = rng.index(below: r.trials.count)
            r.trials[i].name = rng.index(below: 2) == 0 ? token() : (r.experiment?.name ?? "") + "-hb-" + token() + "-0-0-1"
            return "trial name"
        case 7:
            let copies = [1, 10, 200][rng.index(below: 3)]
            if let t = r.trials.first {
                for c in 0..<copies {
                    var u = t
                    u.name += "-copy\(c)"
                    r.trials.append(u)
                }
            }
            return "\(copies) more trials"
        case 8 where !params.isEmpty:
            switch rng.index(below: 3) {
            case 0: params.remove(at: rng.index(below: params.count))
            case 1: params.append(params[rng.index(below: params.count)])
            default:
                let n = [1000, 20_000][rng.index(below: 2)]
                params.append(ParameterSpec(name: "big", parameterType: .categorical,
                                            feasibleSpace: FeasibleSpace(list: (0..<n).map { "v\($0)" })))
            }
            return "parameter list changed"
        case 9:
            r.experiment?.name = token()
            return "experiment name"
        case 10:
            if var nas = spec.nasConfig {
                var graph = nas.graphConfig ?? GraphConfig()
                graph.numLayers = int32()
                if rng.index(below: 2) == 0 { graph.inputSizes = [int32()] }
                nas.graphConfig = graph
                var ops = nas.operations?.operation ?? []
                if !ops.isEmpty {
                    let k = rng.index(below: ops.count)
                    var ps = ops[k].parameterSpecs?.parameters ?? []
                    if !ps.isEmpty {
                        let j = rng.index(below: ps.count)
                        var fs = ps[j].feasibleSpace ?? FeasibleSpace()
                        switch rng.index(below: 3) {
                        case 0: fs.min = token()
                        case 1: fs.max = token()
                        default: fs.step = token()
                        }
                        if rng.index(below: 2) == 0 { ps[j].parameterType = [.int, .double, .categorical][rng.index(below: 3)] }
                        ps[j].feasibleSpace = fs
                        ops[k].parameterSpecs = Operation.ParameterSpecs(parameters: ps)
                    }
                    nas.operations = NasConfig.Operations(operation: ops)
                }
                spec.nasConfig = nas
                return "nas config"
            }
            return "no-op"
        default:
            spec.objective?.type = ObjectiveType(rawValue: Int32(rng.index(below: 4)) - 1)
            if rng.index(below: 2) == 0 { spec.objective?.objectiveMetricName = token() }
            return "objective"
        }
    }
}

/// The seed requests of the corpus: one Katib-shaped request per algorithm with a short history.
enum FuzzSeeds {
    static func all() -> [(String, GetSuggestionsRequest)] {
        var seeds: [(String, GetSuggestionsRequest)] = []
        for sampler in AlgorithmRegistry.samplers where sampler.input == .parameters {
            let params = ConformanceFixtures.parameters(ConformanceTests.finite, sampler.name)
            let exp = fixtureExperiment(params, algorithm: sampler.name, maxTrials: 40)
            let service = AlgorithmService()
            var trials: [Trial] = []
            for round in 0..<3 {
                guard let reply = try? service.suggestions(request(exp, trials: trials, count: 2)) else { break }
                for (k, pa) in reply.parameterAssignments.enumerated() {
                    let name = pa.trialName.isEmpty ? "exp-\(round)-\(k)" : pa.trialName
                    let condition: TrialStatus.TrialConditionType = round == 2 ? .running : .succeeded
                    trials.append(trial(name, pa.assignments, condition, value: condition == .succeeded ? "0.\(round + 3 * k + 1)" : nil))
                }
            }
            seeds.append((sampler.name, request(exp, trials: trials, count: 2)))
        }
        // The one setting that is a document of its own (JSON), for the mutator to break.
        seeds.append(("points-to-evaluate", request(experiment(
            [param("lr", .double, "0.001", "0.1", dist: .logUniform), param("n", .int, "1", "9"), param("opt", .categorical, list: ["sgd", "adam"])],
            algorithm: "tpe", settings: [("points_to_evaluate", #"[{"lr": "0.01", "n": 3, "opt": "adam"}, {"lr": "0.002", "n": "7", "opt": "sgd"}]"#)]),
            trials: [trial("t0", [("lr", "0.01"), ("n", "3"), ("opt", "adam")], value: "0.5")], count: 3)))
        // Conditional parameters: a grammar of their own, and a check on every reply.
        seeds.append(("conditions", request(experiment(
            [param("opt", .categorical, list: ["sgd", "adam"]), param("momentum", .double, "0.5", "0.99"),
             param("nesterov", .categorical, list: ["off", "on"]), param("beta2", .discrete, list: ["0.99", "0.999"])],
            algorithm: "tpe", settings: [("conditions", "momentum: opt in (sgd); nesterov: opt in (sgd); beta2: opt in (adam)"),
                                         ("n_startup_trials", "1")]),
            trials: [trial("t0", [("opt", "sgd"), ("momentum", "0.9"), ("nesterov", "on"), ("beta2", "0.99")], value: "0.5"),
                     trial("t1", [("opt", "adam"), ("momentum", "0.5"), ("nesterov", "off"), ("beta2", "0.999")], value: "0.4")],
            count: 3)))
        seeds.append(("enas", request(nasExperiment("enas", operations: enasOperations))))
        seeds.append(("darts", request(nasExperiment("darts", operations: dartsOperations))))
        return seeds
    }

    /// Requests that once trapped the server or got INTERNAL (issue 14), kept in the corpus as
    /// `regression-<name>.pb` so every fuzz run replays and mutates them.
    static func regressions() -> [(String, GetSuggestionsRequest)] {
        let int64Min = "-9223372036854775808"
        var huge = nasParam("stride", .int, min: "-9223372036854775807", max: "9223372036854775807")
        huge.feasibleSpace?.step = "1"
        let hugeOps = [Operation(operationType: "convolution", parameterSpecs: Operation.ParameterSpecs(parameters: [huge]))]
        return [
            ("int64-min-bound", request(experiment([param("x", .int, int64Min, "9")], algorithm: "random"))),
            ("int64-min-step", request(experiment([param("x", .int, "1", "9", step: int64Min)], algorithm: "grid"))),
            ("enas-int-range-overflow", request(nasExperiment("enas", operations: hugeOps))),
            ("darts-int-range-overflow", request(nasExperiment("darts", operations: hugeOps))),
            ("hyperband-1e300", request(experiment([param("epochs", .double, "5e-324", "1e300"), param("lr", .double, "0", "1")],
                                                   algorithm: "hyperband", settings: [("r_l", "1e300"), ("eta", "1e300"), ("resource_name", "epochs")]), count: 3)),
            ("asha-step-1e-16", request(experiment([param("x", .double, "0.5", "1", step: "1e-16"), param("epochs", .int, "1", "27")],
                                                   algorithm: "asha", settings: [("resource_name", "epochs")]),
                                        trials: [trial("exp-asha-0-0-0", [("x", "0.7494"), ("epochs", "1")], value: "0.5")], count: 2)),
            ("pbt-name-300", request(fixtureExperiment([param("x", .double, "0", "1")], algorithm: "pbt")
                .renamed(String(repeating: "p", count: 300)), count: 2)),
        ]
    }
}

extension Experiment {
    func renamed(_ name: String) -> Experiment {
        var e = self
        e.name = name
        return e
    }
}

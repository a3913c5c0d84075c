import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct AlgorithmServiceTests {
    static let params = [param("lr", .double, "0.01", "0.05"), param("momentum", .double, "0.5", "0.9"),
                         param("num-layers", .int, "2", "5"), param("optimizer", .categorical, list: ["sgd", "adam", "ftrl"])]

    /// Answered inline exactly when cheap, and then with the reply (or error) the pooled path gives.
    @Test func cheapCallsAreAnsweredInlineWithThePooledReply() throws {
        let service = AlgorithmService()
        var inline: [String] = []
        for name in AlgorithmService.registeredAlgorithmNames where AlgorithmRegistry.sampler(named: name)?.input == .parameters {
            let exp = fixtureExperiment(ConformanceFixtures.parameters(Self.params, name), algorithm: name)
            let req = SuggestionsRequest(request(exp, count: 3))
            guard let answer = service.suggestionsIfCheap(req) else { continue }
            inline.append(name)
            #expect(try answer.get() == service.suggestions(req), "\(name)")
        }
        #expect(inline == ["evolution", "motpe", "multivariate-tpe", "nsga2", "random", "sobol", "tpe"])
        // Not once there is history, nor for many values.
        let exp = experiment(Self.params, algorithm: "random")
        let one = trial("t1", [("lr", "0.02"), ("momentum", "0.6"), ("num-layers", "3"), ("optimizer", "sgd")], value: "0.5")
        #expect(service.suggestionsIfCheap(SuggestionsRequest(request(exp, trials: [one]))) == nil)
        let wide = experiment((0..<32).map { param("x\($0)", .double, "0", "1") }, algorithm: "random")
        let many = Int32(AlgorithmService.maxInlineValues / 32 + 1)
        #expect(service.suggestionsIfCheap(SuggestionsRequest(request(wide, count: many))) == nil)
        #expect(service.suggestionsIfCheap(SuggestionsRequest(request(wide, count: many - 1))) != nil)
        let most = Int32(AlgorithmService.maxInlineCount)
        #expect(service.suggestionsIfCheap(SuggestionsRequest(request(exp, count: most + 1))) == nil)
        #expect(service.suggestionsIfCheap(SuggestionsRequest(request(exp, count: most))) != nil)
        // Nor in a finite space with little room (samplers then search for distinct points).
        let small = experiment([param("n", .int, "1", "64")], algorithm: "sobol")
        #expect(service.suggestionsIfCheap(SuggestionsRequest(request(small, count: 8))) != nil)
        #expect(service.suggestionsIfCheap(SuggestionsRequest(request(small, count: 9))) == nil)
        let conditional = experiment([param("o", .categorical, list: Array((0..<100).map(String.init))), param("n", .int, "1", "100")],
                                     algorithm: "random", settings: [("conditions", "n: o in (1)")])
        #expect(service.suggestionsIfCheap(SuggestionsRequest(request(conditional, count: 1))) == nil)
        // A bad request gets the same error either way.
        let bad = SuggestionsRequest(request(experiment(Self.params, algorithm: "random", settings: [("random_state", "x")])))
        let pooled = rpcError { () throws(RPCError) in try service.suggestions(bad) }
        #expect(pooled?.code == .invalidArgument)
        #expect(service.suggestionsIfCheap(bad).map { r -> RPCError? in if case let .failure(e) = r { e } else { nil } } == pooled)
    }

    @Test func registry() {
        #expect(Set(["grid", "random", "hyperband", "asha", "bohb", "pbt"]).isSubset(of: AlgorithmService.registeredAlgorithmNames))
        #expect(AlgorithmRegistry.names == AlgorithmRegistry.names.sorted())
        #expect(AlgorithmService().servedAlgorithmNames == AlgorithmRegistry.names)
        #expect(AlgorithmService(enabledAlgorithms: ["random", "nope"]).servedAlgorithmNames == ["random"])
    }

    @Test func unknownAndDisabledAlgorithms() {
        let unknown = rpcError { () throws(RPCError) in try AlgorithmService().resolve(experiment(Self.params, algorithm: "no-such-algo")) }
        #expect(unknown == .invalidArgument("unknown algorithm name no-such-algo; this server serves: " + AlgorithmRegistry.names.joined(separator: ", ")))
        let disabled = rpcError { () throws(RPCError) in
            try AlgorithmService(enabledAlgorithms: ["grid"]).resolve(experiment(Self.params, algorithm: "random"))
        }
        #expect(disabled == .invalidArgument("algorithm random is not enabled on this server; this server serves: grid"))
        expectInvalid(experiment(Self.params, algorithm: ""), mentions: "names no algorithm")
        expectInvalid(experiment(Self.params, algorithm: "Random"), mentions: "unknown algorithm name Random")
    }

    @Test func katibValidationAcceptanceCases() {
        // HO-V-3 / OP-V-15 / OP-V-18: unknown setting.
        expectInvalid(experiment(Self.params, settings: [("unknown_conf", "1111")]),
                      mentions: "unknown setting unknown_conf for algorithm random; allowed: random_state")
        expectInvalid(experiment([param("param-1", .int, "1", "5")], algorithm: "grid", settings: [("invalid", "invalid")], maxTrials: 33),
                      mentions: "unknown setting invalid for algorithm grid")
        // HO-V-6 / OP-V-16 / OP-V-19: negative random_state, with a message (Katib's optuna sends none).
        expectInvalid(experiment(Self.params, settings: [("random_state", "-1")]), mentions: "random_state should be an integer >= 0")
        expectInvalid(experiment(Self.params, settings: [("random_state", "abc")]), mentions: "failed to validate random_state(abc)")
        // OP-V-14, OP-V-17: valid.
        let ok14 = experiment([param("a", .int, "1", "5"), param("b", .int, "9", "10")], settings: [("random_state", "10")], maxTrials: 23)
        let ok17 = experiment([param("param-1", .int, "1", "5")], algorithm: "grid", settings: [("random_state", "10")], maxTrials: 5)
        for exp in [ok14, ok17] {
            #expect(rpcError { () throws(RPCError) in try AlgorithmService().resolve(exp) } == nil)
        }
    }

    @Test func experimentLevelChecks() {
        let service = AlgorithmService()
        let none = rpcError { () throws(RPCError) in try service.suggestions(GetSuggestionsRequest(currentRequestNumber: 1)) }
        #expect(none == .invalidArgument("the request has no experiment"))
        let noSpec = rpcError { () throws(RPCError) in try service.resolve(Experiment(name: "e")) }
        #expect(noSpec?.code == .invalidArgument)
        expectInvalid(experiment(Self.params, maxTrials: -1), mentions: "max_trial_count -1")
        expectInvalid(experiment(Self.params, parallel: -2), mentions: "parallel_trial_count -2")
        var noParams = experiment(Self.params)
        noParams.spec!.parameterSpecs = nil
        expectInvalid(noParams, mentions: "no parameters")
    }

    @Test(arguments: [Int32(0), -3, 10_001, .max])
    func requestCountOutOfRange(count: Int32) {
        let error = rpcError { () throws(RPCError) in
            try AlgorithmService().suggestions(request(experiment(Self.params), count: count))
        }
        #expect(error?.code == .invalidArgument && error?.message.contains("current_request_number") == true)
    }

    @Test func largestRequestIsServed() throws {
        let reply = try AlgorithmService().suggestions(request(experiment(Self.params), count: Int32(AlgorithmService.maxRequestCount)))
        #expect(reply.parameterAssignments.count == AlgorithmService.maxRequestCount)
        #expect(Set(pairs(reply)).count == AlgorithmService.maxRequestCount)
    }

    @Test func hyperoptAcceptanceRequestWithKatibQuirks() throws {
        // HO-GS-1's space without the fractional INT steps (rejected here, see SearchSpace.parse), with
        // two CREATED trials reporting metrics under other names.
        let params = [
            param("param-1", .int, "1", "5"), param("param-2", .categorical, list: ["cat1", "cat2", "cat3"]),
            param("param-3", .discrete, list: ["3", "2", "6"]), param("param-4", .double, "1", "5"),
            param("param-5", .double, "1", "5", step: "0.5", dist: .logUniform), param("param-6", .double, "1", "5", dist: .logUniform),
            param("param-7", .double, "5", "10", step: "0.8"), param("param-8", .double, "5", "10"),
            param("param-9", .double, "5", "10", step: "0.8", dist: .normal), param("param-10", .double, "5", "10", dist: .normal),
            param("param-11", .double, "5", "10", step: "0.8", dist: .logNormal), param("param-12", .double, "5", "10", dist: .logNormal),
            param("param-13", .int, "1", "5"), param("param-15", .int, "5", "10", dist: .logUniform),
            param("param-17", .int, "5", "100", dist: .normal), param("param-19", .int, "32", "64", dist: .logNormal),
            param("param-21", .double, "32", "64", step: "0.01"),
        ]
        let exp = experiment(params, settings: [("random_state", "10")], metric: "metric-2")
        let trials = [trial("t1", [("param-1", "2")], .created, metric: "metric=1", value: "1"),
                      trial("t2", [("param-1", "3")], .created, metric: "metric=2", value: "2")]
        let reply = try AlgorithmService().suggestions(request(exp, trials: trials, count: 2))
        #expect(reply.parameterAssignments.count == 2)
        let lattice7 = Set((0..<7).map { ValueFormatting.formatDouble(5 + Double($0) * 0.8) })
        for pa in reply.parameterAssignments {
            let values = Dictionary(uniqueKeysWithValues: pa.assignments.map { ($0.name, $0.value) })
            #expect(lattice7.contains(values["param-7"]!) || values["param-7"] == "9.8", "\(values["param-7"]!)")
        }
        expectInvalid(experiment([param("param-14", .int, "1", "5", step: "0.8")]), mentions: "param-14")
    }

    @Test func replyCarriesNoAlgorithmStateForStatelessSamplers() throws {
        // Multi-fidelity and population algorithms (those with conformance fixtures) and cmaes (its
        // generations) name their trials; no algorithm sends state back in reply.algorithm.
        for name in AlgorithmRegistry.samplerNames where ConformanceFixtures.settings[name] == nil {
            let reply = try AlgorithmService().suggestions(request(experiment(ConformanceTests.finite, algorithm: name), count: 2))
            #expect(reply.algorithm == nil)
            if name == "cmaes" { continue }
            #expect(reply.parameterAssignments.allSatisfy { $0.trialName.isEmpty && $0.labels.isEmpty }, "\(name)")
        }
    }
}

// Regression tests for requests that once crashed the server or got the wrong status: extreme
// numbers in bounds and settings, NAS ranges that overflow, steps finer than a Double resolves,
// names too long to be paths, spaces too wide for a model, and work that must stop when its call
// is cancelled. Every algorithm, both RPCs.
import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct HardeningTests {
    /// Numbers as strings that trapped or could trap a parser or an integer conversion.
    static let extremes = ["-9223372036854775808", "9223372036854775807", "1e308", "-1e308", "5e-324", "-5e-324",
                           "nan", "inf", "-inf", "1e300", "18446744073709551616"]
    static let allowedCodes: Set<StatusCode> = [.invalidArgument, .failedPrecondition]

    /// Runs both RPCs; every outcome must be a valid reply or an allowed error (never a trap).
    func expectAnsweredCleanly(_ request: GetSuggestionsRequest, _ what: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        let service = AlgorithmService()
        if let e = rpcError({ () throws(RPCError) in try service.validate(request.experiment) }) {
            #expect(Self.allowedCodes.contains(e.code), "\(what): validate \(e)", sourceLocation: sourceLocation)
        }
        if let e = rpcError({ () throws(RPCError) in try service.suggestions(request) }) {
            #expect(Self.allowedCodes.contains(e.code), "\(what): suggest \(e)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: AlgorithmRegistry.samplerNames)
    func extremeIntAndDoubleBoundsAreRefusedOrServed(algorithm: String) {
        for value in Self.extremes {
            for field in ["min", "max", "step"] {
                for type in [ParameterType.int, .double] {
                    var x = param("x", type, "1", "9", step: "1")
                    switch field {
                    case "min": x.feasibleSpace?.min = value
                    case "max": x.feasibleSpace?.max = value
                    default: x.feasibleSpace?.step = value
                    }
                    let params = ConformanceFixtures.parameters([x, param("y", .double, "0", "1")], algorithm)
                    let exp = fixtureExperiment(params, algorithm: algorithm, maxTrials: 10)
                    let history = [trial("t1", [("x", "3"), ("y", "0.5"), ("epochs", "1")], value: "0.3"),
                                   trial("t2", [("x", value), ("y", value), ("epochs", value)], value: value)]
                    expectAnsweredCleanly(request(exp, trials: history), "\(algorithm) \(type) \(field)=\(value)")
                }
            }
        }
    }

    @Test func int64MinimumAsAnIntBoundIsInvalidArgument() {
        for field in ["min", "max", "step"] {
            var x = param("x", .int, "1", "9")
            switch field {
            case "min": x.feasibleSpace?.min = "-9223372036854775808"
            case "max": x.feasibleSpace?.max = "-9223372036854775808"
            default: x.feasibleSpace?.step = "-9223372036854775808"
            }
            expectInvalid(experiment([x]), mentions: "-9223372036854775808")
        }
    }

    @Test(arguments: ["enas", "darts"])
    func nasOperationRangesThatOverflowAreInvalidArgument(algorithm: String) {
        let ops = [Operation(operationType: "convolution", parameterSpecs: Operation.ParameterSpecs(parameters: [
            nasParam("filter_size", .int, min: "-9223372036854775807", max: "9223372036854775807")]))]
        let service = AlgorithmService()
        let exp = nasExperiment(algorithm, operations: ops)
        let e = rpcError { () throws(RPCError) in try service.suggestions(request(exp)) }
        #expect(e?.code == .invalidArgument)
        #expect(e?.message.contains("more than") == true, "\(String(describing: e))")
    }

    @Test func hyperbandWithAstronomicalSettingsDoesNotTrap() {
        let params = [param("epochs", .double, "5e-324", "1e300"), param("lr", .double, "0", "1")]
        let exp = experiment(params, algorithm: "hyperband", settings: [("r_l", "1e300"), ("eta", "1e300"), ("resource_name", "epochs")])
        expectAnsweredCleanly(request(exp, count: 3), "hyperband 1e300")
        #expect(RungMath.ceil(1e300) == Int(ValueFormatting.maxExactInteger))
        #expect(RungMath.floor(-.infinity) == -Int(ValueFormatting.maxExactInteger))
        #expect(RungMath.floor(.nan) == 0)
    }

    @Test func stepsFinerThanADoubleResolvesAreInvalidArgument() {
        // asha answered INTERNAL here: lattice points did not map back onto themselves.
        let params = [param("x", .double, "0.5", "1", step: "1e-16"), param("epochs", .int, "1", "27")]
        let exp = experiment(params, algorithm: "asha", settings: [("resource_name", "epochs")])
        expectInvalid(exp, mentions: "finer than doubles resolve")
        // The finest allowed step still gives lattice values that are valid points.
        let fine = [param("x", .double, "0.5", "1", step: "1e-12"), param("epochs", .int, "1", "27")]
        let ok = experiment(fine, algorithm: "asha", settings: [("resource_name", "epochs")])
        let history = [trial("a", [("x", "0.749400000001"), ("epochs", "1")], value: "0.1"),
                       trial("b", [("x", "0.6"), ("epochs", "1")], value: "0.2"),
                       trial("c", [("x", "0.7"), ("epochs", "1")], value: "0.3")]
        #expect(rpcError { () throws(RPCError) in try AlgorithmService().suggestions(request(ok, trials: history, count: 3)) } == nil)
    }

    @Test func experimentNamesLongerThanKubernetesAllowsAreInvalidArgument() {
        let long = String(repeating: "e", count: 300)
        expectInvalid(experiment([param("x", .double, "0", "1")], algorithm: "pbt",
                                 settings: ConformanceFixtures.settings["pbt"]!, name: long),
                      mentions: "at most 253")
        var nas = nasExperiment("enas", operations: enasOperations)
        nas.name = long
        let e = rpcError { () throws(RPCError) in try AlgorithmService().suggestions(request(nas)) }
        #expect(e?.code == .invalidArgument)
    }

    @Test func bayesianOptimizationRefusesSpacesTooWideToModel() {
        let wide = param("c", .categorical, list: (0..<1000).map { "v\($0)" })
        expectInvalid(experiment([wide, param("x", .double, "0", "1")], algorithm: "bayesianoptimization"),
                      mentions: "at most 1000 dimensions")
        // Just under the cap it is served, the local search stepping along a bounded set of coordinates.
        let under = param("c", .categorical, list: (0..<200).map { "v\($0)" })
        let exp = experiment([under, param("x", .double, "0", "1")], algorithm: "bayesianoptimization",
                             settings: [("n_initial_points", "3")])
        let history = (0..<4).map { i in trial("t\(i)", [("c", "v\(i * 7)"), ("x", "0.\(i + 1)")], value: "0.\(i)") }
        let reply = try? AlgorithmService().suggestions(request(exp, trials: history, count: 2))
        #expect(reply?.parameterAssignments.count == 2)
    }

    @Test(arguments: AlgorithmRegistry.names)
    func cancelledCallsStopWithCancelled(algorithm: String) async throws {
        let exp: Experiment
        if algorithm == "enas" || algorithm == "darts" {
            exp = nasExperiment(algorithm, operations: algorithm == "enas" ? enasOperations : dartsOperations)
        } else {
            exp = fixtureExperiment(ConformanceFixtures.parameters(ConformanceTests.finite, algorithm), algorithm: algorithm)
        }
        let task = Task { () -> RPCError? in
            withUnsafeCurrentTask { $0?.cancel() }
            return rpcError { () throws(RPCError) in try AlgorithmService().suggestions(request(exp, count: 50)) }
        }
        let error = await task.value
        // darts has no loop worth checking (it only formats its settings), so it may finish instead.
        if algorithm == "darts" {
            #expect(error == nil || error?.code == .cancelled, "darts: \(String(describing: error))")
        } else {
            #expect(error?.code == .cancelled, "\(algorithm): \(String(describing: error))")
        }
    }
}

@Suite struct KatibDifferenceTests {
    /// Katib's random and tpe (hyperopt) run an INT with step 0.8 by truncating quantised values;
    /// its Optuna and goptuna services fail on it. Refused here, saying what to write instead.
    @Test(arguments: AlgorithmRegistry.samplerNames)
    func intWithAFractionalStepIsRefusedWithAFix(algorithm: String) {
        let params = ConformanceFixtures.parameters([param("layers", .int, "1", "5", step: "0.8")], algorithm)
        expectInvalid(fixtureExperiment(params, algorithm: algorithm), mentions: "make the parameter DOUBLE with step 0.8")
    }
}

import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct WarmStartTests {
    // lr has a step so that grid, which enumerates a lattice, accepts the space too.
    static let params = [param("lr", .double, "0.0001", "0.1", step: "0.0001", dist: .logUniform), param("layers", .int, "1", "8"),
                         param("width", .discrete, list: ["32", "64", "128"]), param("opt", .categorical, list: ["sgd", "adam"])]
    static let points = #"[{"lr": "0.01", "layers": "3", "width": "64", "opt": "adam"}, {"lr": 0.002, "layers": 5.0, "width": 128, "opt": "sgd"}]"#

    /// Every sampler that accepts the setting (those whose trials carry no schedule).
    static let accepting = AlgorithmRegistry.samplers.filter { s in
        s.settingsSchema.specs.contains { $0.name == WarmStart.points.name }
    }.map(\.name)

    func exp(_ algorithm: String, _ points: String = points) -> Experiment {
        experiment(Self.params, algorithm: algorithm, settings: [("points_to_evaluate", points)])
    }

    @Test func theAcceptingAlgorithmsAreThoseWithoutASchedule() {
        #expect(Self.accepting.sorted() == ["bayesianoptimization", "cmaes", "evolution", "grid", "motpe", "multivariate-tpe",
                                            "nsga2", "random", "sobol", "tpe"])
    }

    @Test(arguments: accepting)
    func pointsComeFirstThenTheAlgorithmFillsTheBatch(algorithm: String) throws {
        let reply = try AlgorithmService().suggestions(request(exp(algorithm), count: 5))
        let got = pairs(reply)
        #expect(got.count == 5)
        #expect(got[0] == ["lr=0.01", "layers=3", "width=64", "opt=adam"])
        #expect(got[1] == ["lr=0.002", "layers=5", "width=128", "opt=sgd"], "JSON numbers read, INT 5.0 written as 5")
        #expect(Set(got).count == 5, "the algorithm's own suggestions avoid the points: \(got)")
    }

    @Test(arguments: accepting)
    func pointsAlreadyTriedAreSkipped(algorithm: String) throws {
        // The first point failed once: it is not handed out again (a failing point is not retried forever).
        let tried = trial("t0", [("lr", "0.01"), ("layers", "3"), ("width", "64"), ("opt", "adam")], .failed)
        let reply = try AlgorithmService().suggestions(request(exp(algorithm), trials: [tried], count: 1))
        #expect(pairs(reply) == [["lr=0.002", "layers=5", "width=128", "opt=sgd"]])
        let both = try AlgorithmService().suggestions(request(exp(algorithm), trials: [
            tried, trial("t1", [("lr", "0.002"), ("layers", "5"), ("width", "128"), ("opt", "sgd")], .succeeded, value: "0.9"),
        ], count: 2))
        #expect(!pairs(both).contains(["lr=0.002", "layers=5", "width=128", "opt=sgd"]))
        #expect(!pairs(both).contains(["lr=0.01", "layers=3", "width=64", "opt=adam"]))
    }

    @Test func repeatedPointsAndSnappingToTheLattice() throws {
        let p = #"[{"lr": "0.01", "layers": "3", "width": "64", "opt": "adam"}, {"lr": "1e-2", "layers": "3", "width": "64.0", "opt": "adam"}]"#
        let reply = try AlgorithmService().suggestions(request(exp("random", p), count: 2))
        #expect(pairs(reply)[0] == ["lr=0.01", "layers=3", "width=64", "opt=adam"])
        #expect(pairs(reply)[1] != pairs(reply)[0], "the second point is the first written otherwise")
        let stepped = experiment([param("x", .double, "0", "1", step: "0.25")], algorithm: "grid",
                                 settings: [("points_to_evaluate", #"[{"x": "0.3"}]"#)])
        #expect(pairs(try AlgorithmService().suggestions(request(stepped))) == [["x=0.25"]])
    }

    @Test func badPointsAreRefusedByBothMethods() {
        expectInvalid(exp("tpe", "[{"), mentions: "not valid JSON")
        expectInvalid(exp("tpe", #"{"lr": "0.01"}"#), mentions: "must be a JSON list")
        expectInvalid(exp("tpe", #"["lr"]"#), mentions: "points_to_evaluate[0] is not an object")
        expectInvalid(exp("tpe", #"[{"lr": "0.01", "layers": "3", "width": "64", "opt": "adam", "momentum": "0.9"}]"#),
                      mentions: "momentum, which is not a parameter")
        expectInvalid(exp("tpe", #"[{"lr": "0.01", "layers": "3", "width": "64"}]"#), mentions: "no value for opt")
        expectInvalid(exp("tpe", #"[{"lr": "0.5", "layers": "3", "width": "64", "opt": "adam"}]"#), mentions: "outside [0.0001, 0.1]")
        expectInvalid(exp("tpe", #"[{"lr": "0.01", "layers": "3", "width": "48", "opt": "adam"}]"#), mentions: "not one of 32, 64, 128")
        expectInvalid(exp("tpe", #"[{"lr": "0.01", "layers": "3", "width": "64", "opt": "rmsprop"}]"#), mentions: "not one of sgd, adam")
        expectInvalid(exp("tpe", #"[{"lr": true, "layers": "3", "width": "64", "opt": "adam"}]"#), mentions: "must be a string or a number")
        expectInvalid(exp("tpe", #"[{"lr": "abc", "layers": "3", "width": "64", "opt": "adam"}]"#), mentions: "not a finite number")
        expectInvalid(exp("tpe", #"[{"lr": "0.01", "lr": "0.02", "layers": "3", "width": "64", "opt": "adam"}]"#), mentions: "gives lr twice")
    }

    @Test func algorithmsWithAScheduleRefuseTheSetting() {
        let multiFidelity = experiment(Self.params + [param("epochs", .int, "1", "9")], algorithm: "hyperband",
                                       settings: [("r_l", "9"), ("resource_name", "epochs"), ("points_to_evaluate", "[]")])
        expectInvalid(multiFidelity, mentions: "unknown setting points_to_evaluate for algorithm hyperband")
    }

    @Test func aModelLearnsFromThePointsResultsWithoutRepeatingThem() throws {
        // tpe after its startup trials: the good warm-start point (loss 0), now a trial, pulls the
        // suggestions towards it and is not suggested again.
        let p = #"[{"lr": "0.01", "layers": "3", "width": "64", "opt": "adam"}]"#
        let e = experiment(Self.params, algorithm: "tpe", settings: [("points_to_evaluate", p), ("n_startup_trials", "1")],
                           objective: .minimize, metric: "loss")
        var trials = [trial("w", [("lr", "0.01"), ("layers", "3"), ("width", "64"), ("opt", "adam")], metric: "loss", value: "0")]
        var rng = SeededRandom(seed: 3)
        for i in 0..<20 {
            trials.append(trial("r\(i)", [("lr", ValueFormatting.formatDouble(0.0001 + 0.09 * rng.uniform())), ("layers", "8"),
                                          ("width", "32"), ("opt", "sgd")], metric: "loss", value: "1"))
        }
        let reply = try AlgorithmService().suggestions(request(e, trials: trials, count: 8))
        #expect(!pairs(reply).contains(["lr=0.01", "layers=3", "width=64", "opt=adam"]))
        let adam = pairs(reply).filter { $0[3] == "opt=adam" }.count
        #expect(adam >= 5, "only \(adam) of 8 suggestions take the warm point's optimizer: \(pairs(reply))")
    }
}

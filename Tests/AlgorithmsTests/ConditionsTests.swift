import Testing
import SuggestionAPI
@testable import Algorithms

@Suite struct ConditionsTests {
    /// optimizer chooses between sgd (momentum, nesterov) and adam (beta2); nesterov_delay only
    /// with nesterov on: a condition under a condition.
    static let params = [
        param("optimizer", .categorical, list: ["sgd", "adam", "adamw"]),
        param("lr", .double, "0.0001", "0.1", dist: .logUniform),
        param("momentum", .double, "0.5", "0.99"),
        param("nesterov", .categorical, list: ["off", "on"]),
        param("nesterov_delay", .int, "1", "5"),
        param("beta2", .discrete, list: ["0.99", "0.999", "0.9999"]),
    ]
    static let text = "momentum: optimizer in (sgd); nesterov: optimizer in (sgd); nesterov_delay: nesterov in (on); beta2: optimizer in (adam, adamw)"

    static func conditional(_ algorithm: String, extra: [(String, String)] = []) -> Experiment {
        experiment(params, algorithm: algorithm, settings: [("conditions", text)] + extra, objective: .minimize, metric: "loss")
    }

    func space() throws -> SearchSpace {
        let plain = try SearchSpace.parse(Self.params)
        return SearchSpace(parameters: plain.parameters, conditions: try Conditions.parse(Self.text, space: plain))
    }

    @Test func activityFollowsNestedConditions() throws {
        let s = try space()
        // sgd, nesterov on: every sgd parameter active, beta2 not.
        let sgdOn: Point = [.choice(0), .real(0.01), .real(0.9), .choice(1), .integer(3), .choice(2)]
        #expect(s.activity(sgdOn) == [true, true, true, true, true, false])
        #expect(s.canonical(sgdOn) == [.choice(0), .real(0.01), .real(0.9), .choice(1), .integer(3), .choice(0)])
        // adamw: momentum, nesterov and (through nesterov) nesterov_delay inactive, at placeholders.
        let adamw: Point = [.choice(2), .real(0.01), .real(0.9), .choice(1), .integer(3), .choice(2)]
        #expect(s.activity(adamw) == [true, true, false, false, false, true])
        #expect(s.canonical(adamw) == [.choice(2), .real(0.01), .real(0.5), .choice(0), .integer(1), .choice(2)])
        #expect(!s.isCanonical(adamw) && s.isCanonical(s.canonical(adamw)))
    }

    @Test func parsedConditionsComeParentsFirst() throws {
        let s = try space()
        let order = s.conditions.map { s.parameters[$0.child].name }
        #expect(order.firstIndex(of: "nesterov")! < order.firstIndex(of: "nesterov_delay")!)
        #expect(s.conditions.first { s.parameters[$0.child].name == "beta2" }?.values == [1, 2])
    }

    @Test(arguments: [
        ("momentum optimizer in (sgd)", "no ':'"),
        ("momentum: optimizer in sgd", "in parentheses"),
        ("momentum: optimizer (sgd)", "expected 'parent in (...)'"),
        ("speed: optimizer in (sgd)", "speed is not a parameter"),
        ("momentum: solver in (sgd)", "solver is not a parameter"),
        ("momentum: momentum in (sgd)", "cannot depend on itself"),
        ("momentum: lr in (0.01)", "a parent must be CATEGORICAL or DISCRETE"),
        ("momentum: optimizer in (rmsprop)", "\"rmsprop\" is not a value of optimizer"),
        ("momentum: optimizer in (sgd); momentum: optimizer in (adam)", "already has a condition"),
        ("nesterov: beta2 in (0.99); beta2: nesterov in (on)", "cycle"),
    ])
    func badConditionsAreRefusedByBothMethods(text: String, needle: String) {
        expectInvalid(experiment(Self.params, algorithm: "random", settings: [("conditions", text)]), mentions: needle)
    }

    @Test func algorithmsThatCannotHonourConditionsSaySo() {
        for name in AlgorithmRegistry.samplerNames where !AlgorithmRegistry.conditionalNames.contains(name) {
            let params = ConformanceFixtures.parameters(Self.params, name)
            let e = experiment(params, algorithm: name, settings: (ConformanceFixtures.settings[name] ?? []) + [("conditions", Self.text)])
            expectInvalid(e, mentions: "algorithm \(name) cannot honour conditions")
        }
        #expect(AlgorithmRegistry.conditionalNames == ["bayesianoptimization", "evolution", "grid", "motpe", "random", "sobol", "tpe"])
    }

    /// Every algorithm that accepts conditions, in a closed loop: every suggestion is canonical
    /// (inactive children at their placeholders), valid, and new.
    @Test(arguments: AlgorithmRegistry.conditionalNames.filter { $0 != "grid" })
    func suggestionsAreCanonicalAndDistinct(algorithm: String) throws {
        let s = try space()
        var trials: [Trial] = []
        var seen = Set<[String]>()
        let settings: [(String, String)] = algorithm == "evolution" ? [("population_size", "6")] : algorithm == "tpe" ? [("n_startup_trials", "5")] : []
        for round in 0..<6 {
            let reply = try AlgorithmService().suggestions(request(Self.conditional(algorithm, extra: settings), trials: trials, count: 3))
            for pa in reply.parameterAssignments {
                let mapped = try #require(s.map(pa.assignments))
                #expect(mapped.isExact, "\(algorithm): \(pa.assignments)")
                #expect(s.isCanonical(mapped.point), "\(algorithm) gave an inactive parameter a value: \(pa.assignments)")
                #expect(seen.insert(pa.assignments.map(\.value)).inserted, "\(algorithm) repeated \(pa.assignments)")
                trials.append(trial("t\(trials.count)", pa.assignments, metric: "loss", value: "\(round)"))
            }
        }
    }

    @Test func gridEnumeratesOnlyActiveChildren() throws {
        let params = [param("opt", .categorical, list: ["sgd", "adam"]), param("momentum", .double, "0.5", "0.9", step: "0.2"),
                      param("beta2", .discrete, list: ["0.99", "0.999"])]
        let settings = [("conditions", "momentum: opt in (sgd); beta2: opt in (adam)")]
        // sgd × 3 momenta + adam × 2 beta2 = 5 cells (the full lattice has 12).
        let e = experiment(params, algorithm: "grid", settings: settings, maxTrials: 5)
        let reply = try AlgorithmService().suggestions(request(e, count: 5))
        #expect(Set(pairs(reply)) == [
            ["opt=sgd", "momentum=0.5", "beta2=0.99"], ["opt=sgd", "momentum=0.7", "beta2=0.99"], ["opt=sgd", "momentum=0.9", "beta2=0.99"],
            ["opt=adam", "momentum=0.5", "beta2=0.99"], ["opt=adam", "momentum=0.5", "beta2=0.999"],
        ])
        expectInvalid(experiment(params, algorithm: "grid", settings: settings, maxTrials: 6), mentions: "exceeds the 5 cells")
    }

    @Test func tpeFitsEachParameterOnTheTrialsWhereItIsActive() {
        // Observations of (momentum, lr) in cube coordinates; momentum is inactive (NaN) in two of them.
        let kinds: [ParzenEstimator.Kind] = [.numeric(normalPrior: false), .numeric(normalPrior: false)]
        let m = TPESampler.Model([[0.9, 0.1], [.nan, 0.2], [.nan, 0.3]], kinds, joint: false, conditional: true, priorWeight: 1)
        #expect(m.estimators.count == 2)
        #expect(m.estimators[0].logWeights.count == 2, "momentum: one observation and the prior")
        #expect(m.estimators[1].logWeights.count == 4, "lr: three observations and the prior")
        #expect(m.logDensity(0, 0.9) > m.logDensity(0, 0.1), "momentum's mass sits at its one active value")
        for v in stride(from: 0.0, through: 1.0, by: 0.1) { #expect(m.logDensity(0, v).isFinite && m.logDensity(1, v).isFinite) }
        var rng = SeededRandom(seed: 1)
        for _ in 0..<100 { #expect(!m.sample(0, &rng).isNaN) }
    }

    @Test func theGaussianProcessSeesInactiveParametersOutsideTheCube() throws {
        let s = try space()
        let t = SearchSpaceTransform(s, categoricalEncoding: .oneHot)
        let adam: Point = [.choice(1), .real(0.01), .real(0.5), .choice(0), .integer(1), .choice(1)]
        let u = BayesianOptimizationSampler.modelInput(adam, t)
        let inactive = ["momentum", "nesterov", "nesterov_delay"].map { s.index(of: $0)! }
        for (d, dim) in t.dimensions.enumerated() {
            if inactive.contains(dim.parameterIndex) {
                #expect(u[d] == BayesianOptimizationSampler.inactiveCoordinate, "dimension \(d)")
            } else {
                #expect(u[d] == t.encode(adam)[d] && (0...1).contains(u[d]), "dimension \(d)")
            }
        }
        let plain = SearchSpaceTransform(try SearchSpace.parse(Self.params), categoricalEncoding: .oneHot)
        #expect(BayesianOptimizationSampler.modelInput(adam, plain) == plain.encode(adam), "no conditions: the cube point")
    }

    @Test func warmStartPointsAreMadeCanonical() throws {
        let point = #"[{"optimizer": "adam", "lr": "0.01", "momentum": "0.9", "nesterov": "on", "nesterov_delay": "4", "beta2": "0.999"}]"#
        let reply = try AlgorithmService().suggestions(request(Self.conditional("random", extra: [("points_to_evaluate", point)])))
        #expect(pairs(reply) == [["optimizer=adam", "lr=0.01", "momentum=0.5", "nesterov=off", "nesterov_delay=1", "beta2=0.999"]])
    }
}

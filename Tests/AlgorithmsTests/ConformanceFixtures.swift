// What some algorithms need beyond the generic conformance spaces: multi-fidelity algorithms need a
// resource parameter and the settings that name it, pbt its required settings, evolution and nsga2 a
// population small enough that the suite's short histories reach breeding. The suite appends
// these to every experiment it builds for that algorithm (nothing for the others).
import SuggestionAPI

enum ConformanceFixtures {
    /// Parameters appended to every conformance space, by algorithm name.
    static let extraParameters: [String: [ParameterSpec]] = [
        "hyperband": [param("epochs", .int, "1", "9")],
        "bohb": [param("epochs", .int, "1", "9")],
        "asha": [param("epochs", .int, "1", "27")],
    ]

    /// Settings added in front of the test's own, by algorithm name.
    static let settings: [String: [(String, String)]] = [
        "hyperband": [("r_l", "9"), ("resource_name", "epochs")],
        "bohb": [("r_l", "9"), ("resource_name", "epochs"), ("eta", "3")],
        "asha": [("resource_name", "epochs")],
        "pbt": [("suggestion_trial_dir", "/var/log/katib/checkpoints/"), ("n_population", "5"),
                ("truncation_threshold", "0.2")],
        "evolution": [("population_size", "4"), ("tournament_size", "2")],
        "nsga2": [("population_size", "4")],
    ]

    static func parameters(_ params: [ParameterSpec], _ algorithm: String) -> [ParameterSpec] {
        params + (extraParameters[algorithm] ?? [])
    }
}

/// `experiment(...)` with the algorithm's fixture settings added (its parameters are added by the
/// caller through `ConformanceFixtures.parameters`, since replies are checked against them).
func fixtureExperiment(_ params: [ParameterSpec], algorithm: String, settings: [(String, String)] = [],
                       objective: ObjectiveType = .maximize, maxTrials: Int32 = 0) -> Experiment {
    experiment(params, algorithm: algorithm, settings: (ConformanceFixtures.settings[algorithm] ?? []) + settings,
               objective: objective, maxTrials: maxTrials)
}

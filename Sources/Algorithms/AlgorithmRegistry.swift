/// The algorithms this module implements, by `algorithm_name`. Adding an algorithm = one `Sampler`
/// file (or folder) plus one entry here; the conformance suite then covers it automatically (NAS
/// algorithms, which read nas_config, have their own tests).
public enum AlgorithmRegistry {
    public static let samplers: [any Sampler] = [
        GridSampler(),
        RandomSampler(),
        HyperbandSampler(),
        BOHBSampler(),
        ASHASampler(),
        PBTSampler(),
        TPESampler(multivariate: false),
        TPESampler(multivariate: true),
        SobolSampler(),
        CMAESSampler(),
        BayesianOptimizationSampler(),
        EvolutionSampler(),
        MOTPESampler(),
        NSGA2Sampler(),
        DARTSAlgorithm(),
        ENASAlgorithm(),
    ]

    /// Every registered algorithm name, sorted.
    public static var names: [String] { samplers.map(\.name).sorted() }

    /// The algorithms that search parameter specs (those the conformance suite covers), sorted.
    public static var samplerNames: [String] { samplers.filter { $0.input == .parameters }.map(\.name).sorted() }

    /// The algorithms whose schema lists the setting `name` (e.g. those that honour `conditions`), sorted.
    public static func names(accepting name: String) -> [String] {
        samplers.filter { $0.settingsSchema.specs.contains { $0.name == name } }.map(\.name).sorted()
    }

    /// The algorithms that honour conditional parameters (`Conditions`).
    public static var conditionalNames: [String] { names(accepting: Conditions.setting.name) }

    /// The algorithms that optimise several objectives (`Objectives`).
    public static var multiObjectiveNames: [String] { names(accepting: Objectives.setting.name) }

    public static func sampler(named name: String) -> (any Sampler)? {
        samplers.first { $0.name == name }
    }
}

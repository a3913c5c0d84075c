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
        DARTSAlgorithm(),
        ENASAlgorithm(),
    ]

    /// Every registered algorithm name, sorted.
    public static var names: [String] { samplers.map(\.name).sorted() }

    /// The algorithms that search parameter specs (those the conformance suite covers), sorted.
    public static var samplerNames: [String] { samplers.filter { $0.input == .parameters }.map(\.name).sorted() }

    /// The algorithms that honour conditional parameters (those listing `Conditions.setting`), sorted.
    public static var conditionalNames: [String] {
        samplers.filter { $0.settingsSchema.specs.contains { $0.name == Conditions.setting.name } }.map(\.name).sorted()
    }

    public static func sampler(named name: String) -> (any Sampler)? {
        samplers.first { $0.name == name }
    }
}

/// The algorithms this module implements, by `algorithm_name`. Adding an algorithm = one `Sampler`
/// file plus one entry here; the conformance suite then covers it automatically.
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
    ]

    /// The neural-architecture-search algorithms (input: nas_config instead of parameter specs).
    public static let nas: [any NASAlgorithm] = [
        DARTSAlgorithm(),
        ENASAlgorithm(),
    ]

    /// Every registered algorithm name, sorted.
    public static var names: [String] { (samplers.map(\.name) + nas.map(\.name)).sorted() }

    /// The names of the samplers (the algorithms the conformance suite covers), sorted.
    public static var samplerNames: [String] { samplers.map(\.name).sorted() }

    public static func nasAlgorithm(named name: String) -> (any NASAlgorithm)? {
        nas.first { $0.name == name }
    }

    public static func sampler(named name: String) -> (any Sampler)? {
        samplers.first { $0.name == name }
    }
}

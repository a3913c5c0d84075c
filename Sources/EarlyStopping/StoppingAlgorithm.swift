import SuggestionAPI
import Algorithms

/// What a stopping algorithm sees on one GetEarlyStoppingRules call.
public struct StoppingContext: Sendable {
    /// The experiment's objective metric name (non-empty).
    public var objectiveMetric: String
    public var objectiveType: ObjectiveType
    public var settings: Settings
    /// Trials in request order (the rules read names and conditions).
    public var trials: TrialTable
    /// Where per-trial metric logs come from (Katib's DBManager in production).
    public var logs: any ObservationLogSource
    /// Receives remarks a person should see (trials skipped for want of logs); the server logs them.
    public var notes: @Sendable (String) -> Void

    /// The same with generated trial values (the local runner, tests).
    public init(objectiveMetric: String, objectiveType: ObjectiveType, settings: Settings, trials: [Trial],
                logs: any ObservationLogSource, notes: @escaping @Sendable (String) -> Void = { _ in }) {
        self.init(objectiveMetric: objectiveMetric, objectiveType: objectiveType, settings: settings,
                  trials: TrialTable(trials), logs: logs, notes: notes)
    }

    public init(objectiveMetric: String, objectiveType: ObjectiveType, settings: Settings, trials: TrialTable,
                logs: any ObservationLogSource, notes: @escaping @Sendable (String) -> Void = { _ in }) {
        self.objectiveMetric = objectiveMetric
        self.objectiveType = objectiveType
        self.settings = settings
        self.trials = trials
        self.logs = logs
        self.notes = notes
    }
}

/// One early-stopping rule algorithm (`medianstop`, `percentile`, `threshold`). Implementations are
/// stateless: the rules are a function of the request and the logs the source returns.
public protocol StoppingAlgorithm: Sendable {
    var name: String { get }
    var settingsSchema: SettingsSchema { get }
    /// Whether `rules` reads trial logs (then the request's db_manager_address must be valid and
    /// allowed); true unless the algorithm says otherwise.
    var readsObservationLogs: Bool { get }
    func rules(_ context: StoppingContext) async throws(RPCError) -> [EarlyStoppingRule]
}

extension StoppingAlgorithm {
    public var readsObservationLogs: Bool { true }
}

public enum StoppingAlgorithms {
    /// Every early-stopping algorithm this server serves, by name.
    public static let all: [any StoppingAlgorithm] = [MedianStop(), PercentileStop(), ThresholdStop()]

    public static var names: [String] { all.map(\.name).sorted() }

    public static func named(_ name: String) throws(RPCError) -> any StoppingAlgorithm {
        guard let algorithm = all.first(where: { $0.name == name }) else {
            throw .invalidArgument("unknown algorithm name \(name.isEmpty ? "\"\"" : name); this server's early-stopping algorithms are: "
                + names.joined(separator: ", "))
        }
        return algorithm
    }

    /// Validates an EarlyStoppingSpec: the algorithm name and every setting (values, required ones).
    public static func parse(_ spec: EarlyStoppingSpec?) throws(RPCError) -> (any StoppingAlgorithm, Settings) {
        guard let spec else { throw .invalidArgument("early_stopping is missing: set its algorithm_name (one of \(names.joined(separator: ", ")))") }
        let algorithm = try named(spec.algorithmName)
        let settings = try algorithm.settingsSchema.parse(spec.algorithmSettings.map { AlgorithmSetting(name: $0.name, value: $0.value) })
        return (algorithm, settings)
    }
}

import SuggestionAPI
import Algorithms

/// The EarlyStopping service: validation, rules from the trial history and the DBManager's logs,
/// and the Trial status update in Kubernetes. Nothing is kept between calls.
public struct EarlyStoppingRulesService: EarlyStoppingService {
    public let trialStatus: KubernetesTrialStatus
    /// Which DBManager addresses requests may name.
    public let dbManagerPolicy: DBManagerPolicy
    /// Makes the log source for one call from `db_manager_address` (tests substitute their own).
    let logSource: @Sendable (DBManagerAddress) -> any ObservationLogSource
    /// Receives remarks about a call (`StoppingContext.notes`), with the experiment's name.
    let notes: @Sendable (_ experiment: String, _ note: String) -> Void

    public init(trialStatus: KubernetesTrialStatus, dbManagerPolicy: DBManagerPolicy = .katib,
                notes: @escaping @Sendable (_ experiment: String, _ note: String) -> Void = { _, _ in }) {
        self.trialStatus = trialStatus
        self.dbManagerPolicy = dbManagerPolicy
        self.notes = notes
        logSource = { DBManagerLogSource(address: $0) }
    }

    init(trialStatus: KubernetesTrialStatus, dbManagerPolicy: DBManagerPolicy = .any,
         notes: @escaping @Sendable (_ experiment: String, _ note: String) -> Void = { _, _ in },
         logSource: @escaping @Sendable (DBManagerAddress) -> any ObservationLogSource) {
        self.trialStatus = trialStatus
        self.dbManagerPolicy = dbManagerPolicy
        self.notes = notes
        self.logSource = logSource
    }

    public func validateEarlyStoppingSettings(_ request: ValidateEarlyStoppingSettingsRequest) async throws(RPCError) -> ValidateEarlyStoppingSettingsReply {
        _ = try StoppingAlgorithms.parse(request.earlyStopping)
        return ValidateEarlyStoppingSettingsReply()
    }

    public func getEarlyStoppingRules(_ request: RulesRequest) async throws(RPCError) -> GetEarlyStoppingRulesReply {
        guard let spec = request.experiment?.spec else {
            throw .invalidArgument("experiment.spec is missing: GetEarlyStoppingRules needs the experiment's objective and early_stopping")
        }
        let (algorithm, settings) = try StoppingAlgorithms.parse(spec.earlyStopping)
        guard let objective = spec.objective, !objective.objectiveMetricName.isEmpty else {
            throw .invalidArgument("experiment.spec.objective.objective_metric_name is empty: early-stopping rules are about the objective metric")
        }
        guard objective.type == .maximize || objective.type == .minimize else {
            throw .invalidArgument("experiment.spec.objective.type must be MAXIMIZE or MINIMIZE, got \(objective.type)")
        }
        let trials = request.trials
        for i in 0 ..< trials.count where trials.name(i).isEmpty {
            throw .invalidArgument("a trial in the request has an empty name")
        }
        let logs: any ObservationLogSource
        if algorithm.readsObservationLogs {
            let address = try DBManagerAddress(parsing: request.dbManagerAddress)
            try dbManagerPolicy.check(address)
            logs = logSource(address)
        } else {
            logs = NoLogs()
        }
        let experiment = request.experiment?.name ?? ""
        let notes = self.notes
        let context = StoppingContext(objectiveMetric: objective.objectiveMetricName, objectiveType: objective.type,
                                      settings: settings, trials: request.trials, logs: logs,
                                      notes: { notes(experiment, $0) })
        return GetEarlyStoppingRulesReply(earlyStoppingRules: try await algorithm.rules(context))
    }

    public func setTrialStatus(_ request: SetTrialStatusRequest) async throws(RPCError) -> SetTrialStatusReply {
        try await trialStatus.markEarlyStopped(trial: request.trialName)
        return SetTrialStatusReply()
    }
}

/// For algorithms that need no logs.
struct NoLogs: ObservationLogSource {
    func values(trial: String, metric: String) async throws(RPCError) -> [Double] { [] }
}

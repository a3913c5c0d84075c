import SuggestionAPI
import Algorithms

/// Stops a trial whose objective, at its `start_step`-th report, is worse than a given percentile of
/// what the succeeded trials reached over their first `start_step` reports.
///
/// Per succeeded trial: m_j = mean of the first `start_step` values of the objective metric in its
/// log (fewer if it reported fewer). With p = `percentile`/100, the rule's value is the quantile
/// (`quantile`, numpy's linear definition) of the m_j at p for MAXIMIZE (comparison LESS: stop when
/// the best value so far is below it) and at 1 − p for MINIMIZE (comparison GREATER). So the
/// stopped trials are those in the worst p of the distribution; p = 0.5 is the median for both.
/// EARLYSTOPPED, FAILED and unfinished trials never contribute (their logs are short or broken). A
/// succeeded trial whose log has no numeric value of the objective (a collector that never reported
/// it) is skipped and counted in `context.notes`, never an error: one such trial must not stall every
/// later call. Fewer than `min_trials_required` usable trials: no rule.
struct QuantileRule: Sendable {
    let p: Double

    func rules(_ context: StoppingContext) async throws(RPCError) -> [EarlyStoppingRule] {
        let minTrials = context.settings[MedianStop.minTrials]
        let startStep = context.settings[MedianStop.startStep]
        let trials = context.trials
        let succeeded = (0 ..< trials.count).filter { trials.condition($0) == .succeeded }.map(trials.name)
        guard succeeded.count >= minTrials else { return [] }
        let fetched = try await fetchMeans(succeeded, metric: context.objectiveMetric, first: startStep, from: context.logs)
        let means = fetched.compactMap { $0 }
        if means.count < fetched.count {
            let skipped = zip(succeeded, fetched).filter { $0.1 == nil }.map(\.0)
            context.notes("skipped \(skipped.count) succeeded trial\(skipped.count == 1 ? "" : "s") without numeric \(context.objectiveMetric) values in the observation log: "
                + skipped.prefix(5).joined(separator: ", ") + (skipped.count > 5 ? ", ..." : ""))
        }
        guard means.count >= minTrials else { return [] }
        let maximize = context.objectiveType == .maximize
        let value = quantile(means, maximize ? p : 1 - p)
        return [EarlyStoppingRule(name: context.objectiveMetric, value: ValueFormatting.formatDouble(value),
                                  comparison: maximize ? .less : .greater, startStep: Int32(startStep))]
    }
}

/// Fetches the logs of `trials` with at most `maxConcurrent` calls in flight and returns the mean of
/// each trial's first `first` values, in `trials` order; nil for a trial with no usable value. A
/// source that fails (DBManager unreachable) fails the whole call with its status.
func fetchMeans(_ trials: [String], metric: String, first: Int, from source: any ObservationLogSource,
                maxConcurrent: Int = 8) async throws(RPCError) -> [Double?] {
    let outcome = await withTaskGroup(of: (Int, Result<[Double], RPCError>).self,
                                      returning: Result<[Double?], RPCError>.self) { group in
        var results = [Double?](repeating: nil, count: trials.count)
        var next = 0
        var inFlight = 0
        while next < trials.count || inFlight > 0 {
            while inFlight < maxConcurrent && next < trials.count {
                let index = next
                let trial = trials[index]
                group.addTask {
                    do {
                        return (index, .success(try await source.values(trial: trial, metric: metric)))
                    } catch let error as RPCError {
                        return (index, .failure(error))
                    } catch {
                        return (index, .failure(RPCError(.unavailable, "reading the log of trial \(trial): \(error)")))
                    }
                }
                next += 1
                inFlight += 1
            }
            guard let (index, result) = await group.next() else { break }
            inFlight -= 1
            switch result {
            case .failure(let error):
                group.cancelAll()
                return .failure(error)
            case .success(let values):
                results[index] = meanOfFirst(values, first)
            }
        }
        return .success(results)
    }
    return try outcome.get()
}

/// Katib's `medianstop`, with the true median (Katib's service computes the mean of the per-trial
/// averages and calls it the median).
public struct MedianStop: StoppingAlgorithm {
    public init() {}
    public var name: String { "medianstop" }
    public var settingsSchema: SettingsSchema { SettingsSchema(algorithm: name, specs: [Self.minTrials.spec, Self.startStep.spec]) }

    static let minTrials = Setting<Int>("min_trials_required", .integer(min: 1, max: 1_000_000), default: 3,
        help: "Succeeded trials needed before any rule is given.")
    static let startStep = Setting<Int>("start_step", .integer(min: 1, max: 1_000_000), default: 4,
        help: "Reports averaged per succeeded trial, and the report at which a running trial is checked.")

    public func rules(_ context: StoppingContext) async throws(RPCError) -> [EarlyStoppingRule] {
        try await QuantileRule(p: 0.5).rules(context)
    }
}

/// `percentile`: `medianstop` with another quantile. `percentile` 50 is the median.
public struct PercentileStop: StoppingAlgorithm {
    public init() {}
    public var name: String { "percentile" }
    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: [MedianStop.minTrials.spec, MedianStop.startStep.spec, Self.percentile.spec])
    }

    static let percentile = Setting<Double>(
        "percentile", .real(min: 0, max: 100, minOpen: true, maxOpen: true), default: 50,
        help: "Stop a trial whose objective is among the worst `percentile` percent of the succeeded trials' averages.")

    public func rules(_ context: StoppingContext) async throws(RPCError) -> [EarlyStoppingRule] {
        try await QuantileRule(p: context.settings[Self.percentile] / 100).rules(context)
    }
}

import SuggestionAPI
import Algorithms

/// `threshold`: a fixed rule on any metric, with no history needed: stop a trial when `metric`
/// compares to `value` as `comparison` says, checked at the `start_step`-th report (0: at every
/// report). For the objective metric Katib's collector compares the best value so far, for other
/// metrics the latest reported value.
public struct ThresholdStop: StoppingAlgorithm {
    public init() {}
    public var name: String { "threshold" }
    public var readsObservationLogs: Bool { false }
    static let value = Setting<Double>.required("value", .real(), help: "The threshold.")
    static let metric = Setting<String?>("metric", .text, default: nil, help: "Metric the rule tests (default: the objective metric).")
    static let comparison = Setting<String?>(
        "comparison", .choice(["less", "greater", "equal"]), default: nil,
        help: "Stop when the metric is less than, greater than or equal to `value` (default for the objective: "
            + "less when maximizing, greater when minimizing; required for other metrics).")
    static let startStep = Setting<Int>("start_step", .integer(min: 0, max: 1_000_000), default: 0,
                                        help: "The report at which the rule is checked; 0 checks every report.")

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: [Self.value.spec, Self.metric.spec, Self.comparison.spec, Self.startStep.spec],
                       requiredHint: "algorithm threshold needs the setting value (the number the metric is compared with)")
    }

    public func rules(_ context: StoppingContext) async throws(RPCError) -> [EarlyStoppingRule] {
        let metric = context.settings[Self.metric] ?? context.objectiveMetric
        let comparison: ComparisonType
        switch context.settings[Self.comparison] {
        case "less": comparison = .less
        case "greater": comparison = .greater
        case "equal": comparison = .equal
        default:
            guard metric == context.objectiveMetric else {
                throw .invalidArgument("threshold on metric \(metric), which is not the objective \(context.objectiveMetric), "
                    + "needs the setting comparison (less, greater or equal)")
            }
            comparison = context.objectiveType == .maximize ? .less : .greater
        }
        return [EarlyStoppingRule(name: metric, value: ValueFormatting.formatDouble(context.settings[Self.value]),
                                  comparison: comparison, startStep: Int32(context.settings[Self.startStep]))]
    }
}

import SuggestionAPI
import Algorithms

/// `threshold`: a fixed rule on any metric, with no history needed: stop a trial when `metric`
/// compares to `value` as `comparison` says, checked at the `start_step`-th report (0: at every
/// report). For the objective metric Katib's collector compares the best value so far, for other
/// metrics the latest reported value.
public struct ThresholdStop: StoppingAlgorithm {
    public init() {}
    public var name: String { "threshold" }
    public var settings: [SettingSpec] {
        [SettingSpec(name: "value", kind: .real(), help: "The threshold (required)."),
         SettingSpec(name: "metric", kind: .text, help: "Metric the rule tests (default: the objective metric)."),
         SettingSpec(name: "comparison", kind: .choice(["less", "greater", "equal"]),
                     help: "Stop when the metric is less than, greater than or equal to `value` (default for the objective: "
                        + "less when maximizing, greater when minimizing; required for other metrics)."),
         SettingSpec(name: "start_step", kind: .integer(min: 0, max: 1_000_000), defaultValue: "0",
                     help: "The report at which the rule is checked; 0 checks every report.")]
    }

    public func validate(_ settings: Settings) throws(RPCError) {
        guard settings.real("value") != nil else {
            throw .invalidArgument("algorithm threshold needs the setting value (the number the metric is compared with)")
        }
    }

    public func rules(_ context: StoppingContext) async throws(RPCError) -> [EarlyStoppingRule] {
        let metric = context.settings.string("metric") ?? context.objectiveMetric
        let comparison: ComparisonType
        switch context.settings.string("comparison") {
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
        return [EarlyStoppingRule(name: metric, value: ValueFormatting.formatDouble(context.settings.real("value")!),
                                  comparison: comparison, startStep: Int32(context.settings.integer("start_step") ?? 0))]
    }
}

import SuggestionAPI
import Algorithms

/// The trials of a run as CSV (RFC 4180): one row per trial in run order; columns `trial`,
/// `condition`, every experiment metric (the value Katib records, by its strategy), every parameter
/// (as assigned), `startTime`, `durationSeconds`, `exitStatus`.
public enum CSVExport {
    public static func render(_ trials: [LocalTrial], experiment: LocalExperiment) -> String {
        let metrics = [experiment.objectiveMetric] + experiment.additionalMetrics.filter { $0 != experiment.objectiveMetric }
        var parameters: [String] = []
        for t in trials { for a in t.assignments where !parameters.contains(a.name) { parameters.append(a.name) } }
        var rows = [["trial", "condition"] + metrics + parameters + ["startTime", "durationSeconds", "exitStatus"]]
        for t in trials {
            var row = [t.name, t.condition]
            for m in metrics {
                row.append(t.observed(m, strategy: experiment.strategies[m] ?? "latest").map(ValueFormatting.formatDouble) ?? "")
            }
            for p in parameters { row.append(t.assignments.first { $0.name == p }?.value ?? "") }
            row.append(t.startTime ?? "")
            row.append(t.durationSeconds.map(ValueFormatting.formatDouble) ?? "")
            row.append(t.exitStatus.map(String.init) ?? "")
            rows.append(row)
        }
        return rows.map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// A field quoted when it holds a comma, quote, or line break (quotes doubled).
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}

import SuggestionAPI
import Algorithms

extension LocalExperiment {
    /// The experiment's `objectives` setting (`Objectives`); empty when it has none, or when the
    /// setting is invalid (the suggestion service then refuses the experiment and says why).
    public var objectives: [Objective] {
        guard let text = experiment.spec?.algorithm?.algorithmSettings.last(where: { $0.name == Objectives.setting.name })?.value,
              !text.trimming().isEmpty else { return [] }
        return (try? Objectives.parse(text, objective: experiment.spec?.objective)) ?? []
    }
}

/// The trials no other finished trial beats in every objective: what a multi-objective run produces.
public enum ParetoFront {
    /// Succeeded and early-stopped trials with a value of every objective (each metric's strategy),
    /// the non-dominated ones, sorted by the first objective; with their values as reported.
    public static func of(_ trials: [LocalTrial], _ e: LocalExperiment) -> (front: [(trial: LocalTrial, values: [Double])], scored: [(trial: LocalTrial, values: [Double])]) {
        let objectives = e.objectives
        guard objectives.count >= 2 else { return ([], []) }
        var scored: [(trial: LocalTrial, values: [Double])] = []
        for t in trials where t.condition == "Succeeded" || t.condition == "EarlyStopped" {
            let values = objectives.compactMap { o in t.observed(o.metricName, strategy: e.strategies[o.metricName] ?? "latest") }
            if values.count == objectives.count { scored.append((t, values)) }
        }
        let losses = scored.map { s in zip(objectives, s.values).map { $0.loss($1) } }
        let front = (Pareto.fronts(losses).first ?? []).map { scored[$0] }
        return (front.sorted { ($0.values[0], $0.trial.name) < ($1.values[0], $1.trial.name) }, scored)
    }

    /// Lines for the terminal report; empty for a single-objective experiment.
    static func lines(_ trials: [LocalTrial], _ e: LocalExperiment) -> [String] {
        let objectives = e.objectives
        let (front, _) = of(trials, e)
        guard objectives.count >= 2, !front.isEmpty else { return [] }
        let heading = objectives.map { "\($0.metricName) (\($0.direction == .maximize ? "max" : "min"))" }.joined(separator: ", ")
        var lines = ["", "pareto front: \(front.count) trial\(front.count == 1 ? "" : "s") no other beats in every objective: \(heading)"]
        for (t, values) in front {
            let v = zip(objectives, values).map { "\($0.metricName)=\(ValueFormatting.formatDouble($1))" }.joined(separator: " ")
            lines.append("  \(t.name.padding(30)) \(v)   " + t.assignments.map { "\($0.name)=\($0.value)" }.joined(separator: " "))
        }
        return lines
    }
}

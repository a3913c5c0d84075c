import SuggestionAPI
import Algorithms

/// Which parameters each trial left inactive under the experiment's `conditions` setting, so that
/// tune's table and report can mark them: the trial still received a value (the placeholder, since
/// Katib substitutes every parameter), but the training code was told to ignore it and the
/// algorithm did not model it.
struct ParameterActivity {
    /// The experiment's space with its conditions; nil without conditions (or when they do not
    /// parse, which the service refuses before any trial runs).
    private let space: SearchSpace?

    init(_ experiment: LocalExperiment) {
        let spec = experiment.experiment.spec
        guard let text = spec?.algorithm?.algorithmSettings.last(where: { $0.name == Conditions.setting.name })?.value,
              !text.trimming().isEmpty,
              let plain = try? SearchSpace.parse(spec?.parameterSpecs?.parameters ?? []),
              let conditions = try? Conditions.parse(text, space: plain), !conditions.isEmpty
        else {
            space = nil
            return
        }
        space = SearchSpace(parameters: plain.parameters, conditions: conditions)
    }

    /// The names of the parameters inactive at these assignments (empty when there are no
    /// conditions or the assignments do not read back into the space).
    func inactive(_ assignments: [ParameterAssignment]) -> Set<String> {
        guard let space, let mapped = space.map(assignments) else { return [] }
        var names: Set<String> = []
        for (j, on) in space.activity(mapped.point).enumerated() where !on { names.insert(space.parameters[j].name) }
        return names
    }

    /// `name=value` for the text table, `name=(inactive)` for a parameter the trial left inactive.
    static func text(_ a: ParameterAssignment, inactive: Set<String>) -> String {
        inactive.contains(a.name) ? "\(a.name)=(inactive)" : "\(a.name)=\(a.value)"
    }
}

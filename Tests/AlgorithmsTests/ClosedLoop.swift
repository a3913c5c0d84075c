import SuggestionAPI
@testable import Algorithms

/// Drives an algorithm the way Katib's controller does: ask for `batch` suggestions with the whole
/// history, evaluate them with `f` (to minimise), append them as succeeded trials; repeat until
/// `budget` trials. Returns the best value found.
func closedLoop(_ algorithm: String, _ params: [ParameterSpec], settings: [(String, String)] = [], budget: Int,
                batch: Int = 1, name: String = "loop", _ f: ([String: Double]) -> Double) throws -> Double {
    let exp = experiment(params, algorithm: algorithm, settings: settings, name: name, objective: .minimize, metric: "loss")
    var trials: [Trial] = []
    var best = Double.infinity
    while trials.count < budget {
        let reply = try AlgorithmService().suggestions(request(exp, trials: trials, count: Int32(Swift.min(batch, budget - trials.count))))
        for pa in reply.parameterAssignments {
            var x: [String: Double] = [:]
            for a in pa.assignments { x[a.name] = Double(a.value) ?? Double(params.firstIndex { $0.name == a.name } ?? 0) }
            let y = f(x)
            best = Swift.min(best, y)
            trials.append(trial(pa.trialName.isEmpty ? "t\(trials.count)" : pa.trialName, pa.assignments, metric: "loss",
                                value: ValueFormatting.formatDouble(y)))
        }
    }
    return best
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
}

import SuggestionAPI
import Algorithms
import EarlyStopping

/// Every algorithm's settings schema: suggestion algorithms, then early-stopping ones.
let suggestionSchemas = AlgorithmRegistry.samplers.map(\.settingsSchema)
let earlyStoppingSchemas = StoppingAlgorithms.all.map(\.settingsSchema)

/// `suggestion-server --describe [ALGORITHM | --markdown]`: the settings of one algorithm or of all,
/// as text, or the README's settings reference. Returns the exit status.
func describe(_ arguments: [String]) -> Int32 {
    let all = (suggestionSchemas + earlyStoppingSchemas)
    if arguments.isEmpty {
        print(all.map(SettingsDocumentation.text).joined(separator: "\n"), terminator: "")
    } else if arguments == ["--markdown"] {
        print(SettingsDocumentation.markdown(suggestion: suggestionSchemas, earlyStopping: earlyStoppingSchemas), terminator: "")
    } else if arguments.count == 1, all.contains(where: { $0.algorithm == arguments[0] }) {
        for schema in all where schema.algorithm == arguments[0] { print(SettingsDocumentation.text(schema), terminator: "") }
    } else {
        writeStandardError("suggestion-server: --describe takes one algorithm name or --markdown; algorithms: "
            + Set(all.map(\.algorithm)).sorted().joined(separator: ", ") + "\n")
        return 2
    }
    return 0
}

import SuggestionAPI

/// The validated `nas_config` of a request: what NAS algorithms (`AlgorithmInput.nasConfig`) search
/// instead of parameter specs. Their assignments have fixed names whose values are the text formats
/// Katib's trial images parse (`DARTSAlgorithm`, `ENASAlgorithm`).
public struct NASSpace: Sendable {
    public var numLayers: Int
    public var inputSizes: [Int]
    public var outputSizes: [Int]
    public var operations: [NASOperationSpec]
}

/// One operation of `nas_config.operations`: its type and its parameters' values.
public struct NASOperationSpec: Sendable {
    public var type: String
    /// Per parameter, in request order: its name and its values (CATEGORICAL and DISCRETE lists
    /// verbatim as strings; INT and DOUBLE as numbers from min to max by step).
    public var parameters: [(name: String, values: [JSONValue])]
}

extension SearchProblem {
    /// The nas_config of a NAS algorithm's problem (set by `AlgorithmService` for `.nasConfig` input).
    func nasSpace() throws(RPCError) -> NASSpace {
        guard let nas else { throw RPCError(.internalError, "algorithm \(algorithmName) reads nas_config, but the problem has none") }
        return nas
    }
}

enum NASValidation {
    /// Largest number of candidate operations (the product of parameter values, summed over
    /// operations) a search space may expand to.
    static let maxOperations = 10_000

    /// The shared checks of Katib's `nas/common/validation.py`, stricter where Katib crashes: every
    /// INT or DOUBLE needs both min and max; INT step defaults to 1; DOUBLE needs a positive step;
    /// min <= max; the expansion stays under `maxOperations`.
    static func parse(_ experiment: Experiment, requireGraphSizes: Bool, parameterlessSkip: Bool) throws(RPCError) -> NASSpace {
        guard let nas = experiment.spec?.nasConfig else {
            throw .invalidArgument("experiment \(experiment.name) has no nas_config: NAS algorithms need spec.nasConfig with graphConfig and operations")
        }
        guard let graph = nas.graphConfig else { throw .invalidArgument("nas_config has no graph_config (num_layers, input_sizes, output_sizes)") }
        guard graph.numLayers >= 1 else {
            throw .invalidArgument("Missing NumLayers in GraphConfig: graph_config.num_layers is \(graph.numLayers); it must be at least 1")
        }
        if requireGraphSizes {
            guard !graph.inputSizes.isEmpty else { throw .invalidArgument("Missing InputSizes in GraphConfig: graph_config.input_sizes is empty") }
            guard !graph.outputSizes.isEmpty else { throw .invalidArgument("Missing OutputSizes in GraphConfig: graph_config.output_sizes is empty") }
        }
        let operations = nas.operations?.operation ?? []
        guard !operations.isEmpty else { throw .invalidArgument("nas_config.operations is empty: list at least one operation") }
        var specs: [NASOperationSpec] = []
        var total = 0
        for (index, op) in operations.enumerated() {
            let label = "operation #\(index + 1)" + (op.operationType.isEmpty ? "" : " (\(op.operationType))")
            guard !op.operationType.isEmpty else { throw .invalidArgument("Missing operationType in Operation: \(label) has no operation_type") }
            let params = op.parameterSpecs?.parameters ?? []
            if params.isEmpty && parameterlessSkip && op.operationType == "skip_connection" {
                specs.append(NASOperationSpec(type: op.operationType, parameters: []))
                total += 1
                continue
            }
            guard !params.isEmpty else { throw .invalidArgument("Missing ParameterConfigs in Operation: \(label) has no parameters") }
            var parsed: [(name: String, values: [JSONValue])] = []
            var product = 1
            for p in params {
                guard !p.name.isEmpty else { throw .invalidArgument("Missing Name in ParameterConfig: a parameter of \(label) has no name") }
                let fs = p.feasibleSpace ?? FeasibleSpace()
                let what = "parameter \(p.name) of \(label)"
                var values: [JSONValue] = []
                switch p.parameterType {
                case .categorical, .discrete:
                    guard !fs.list.isEmpty else { throw .invalidArgument("Missing List in ParameterConfig.feasibleSpace: \(what) has an empty list") }
                    values = fs.list.map { .string($0) }
                case .int:
                    guard let lo = Int64(fs.min.trimming()), let hi = Int64(fs.max.trimming()) else {
                        throw .invalidArgument("Missing Max and Min in ParameterConfig.feasibleSpace: \(what) needs integer min and max, got min \"\(fs.min)\", max \"\(fs.max)\"")
                    }
                    let stepText = fs.step.trimming()
                    guard let step = stepText.isEmpty ? 1 : Int64(stepText), step > 0 else {
                        throw .invalidArgument("\(what): step \"\(fs.step)\" must be a positive integer")
                    }
                    guard lo <= hi else { throw .invalidArgument("\(what): min \(lo) is greater than max \(hi)") }
                    // hi - lo overflows Int64 for bounds near ±2^63; such a range is far over the cap anyway.
                    let (span, overflow) = hi.subtractingReportingOverflow(lo)
                    guard !overflow, span / step < Int64(maxOperations) else { throw .invalidArgument("\(what) has more than \(maxOperations) values") }
                    values = stride(from: lo, through: hi, by: Int(step)).map { .number(String($0)) }
                case .double:
                    guard let lo = ValueFormatting.parseDouble(fs.min.trimming()),
                          let hi = ValueFormatting.parseDouble(fs.max.trimming()) else {
                        throw .invalidArgument("Missing Max and Min in ParameterConfig.feasibleSpace: \(what) needs numeric min and max, got min \"\(fs.min)\", max \"\(fs.max)\"")
                    }
                    guard let step = ValueFormatting.parseDouble(fs.step.trimming()), step > 0 else {
                        throw .invalidArgument("Step parameter should be > 0 in ParameterConfig.feasibleSpace: \(what) has step \"\(fs.step)\"")
                    }
                    guard lo <= hi else { throw .invalidArgument("\(what): min \(fs.min) is greater than max \(fs.max)") }
                    guard (hi - lo) / step < Double(maxOperations) else { throw .invalidArgument("\(what) has more than \(maxOperations) values") }
                    let count = Int(((hi - lo) / step * (1 + 1e-12)).rounded(.down)) + 1
                    values = (0..<count).map { .number(pythonFloat(lo + Double($0) * step)) }
                default:
                    throw .invalidArgument("Missing ParameterType in ParameterConfig: \(what) has parameter_type \(p.parameterType)")
                }
                product *= values.count
                guard product <= maxOperations else { throw .invalidArgument("\(label) expands to more than \(maxOperations) candidate operations") }
                parsed.append((p.name, values))
            }
            total += product
            guard total <= maxOperations else { throw .invalidArgument("the operations expand to more than \(maxOperations) candidates") }
            specs.append(NASOperationSpec(type: op.operationType, parameters: parsed))
        }
        return NASSpace(numLayers: Int(graph.numLayers), inputSizes: graph.inputSizes.map(Int.init),
                        outputSizes: graph.outputSizes.map(Int.init), operations: specs)
    }
}

/// Python's `repr` of a float, as Katib's services write numbers into their JSON (`5.0`, `0.0003`,
/// `1e-05`): Swift's shortest round-trip description uses the same digits and the same switch to
/// exponent notation below 1e-4 and from 1e16; Python writes the exponent with at least two digits.
func pythonFloat(_ x: Double) -> String {
    var text = x.description
    if let e = text.firstIndex(of: "e") {
        var mantissa = String(text[..<e])
        if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
        var exponent = String(text[text.index(after: e)...])
        var sign = "+"
        if exponent.hasPrefix("-") { sign = "-"; exponent.removeFirst() } else if exponent.hasPrefix("+") { exponent.removeFirst() }
        if exponent.count < 2 { exponent = "0" + exponent }
        text = mantissa + "e" + sign + exponent
    }
    return text
}

/// JSON as Python's `json.dumps` writes it (separators ", " and ": "), then with every double quote
/// replaced by a single quote, as Katib's NAS services send it and its trial images expect.
func katibJSON(_ value: JSONValue) -> String {
    var out = ""
    func write(_ v: JSONValue) {
        switch v {
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                write(item)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, item)) in members.enumerated() {
                if i > 0 { out += ", " }
                out += JSONValue.string(key).serialized + ": "
                write(item)
            }
            out += "}"
        default:
            out += v.serialized
        }
    }
    write(value)
    return String(out.map { $0 == "\"" ? "'" : $0 })
}

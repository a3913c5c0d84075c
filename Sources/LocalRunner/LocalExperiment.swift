import SuggestionAPI
import Algorithms

/// A Katib `Experiment` manifest (kubeflow.org/v1beta1) read for running on one machine: the
/// request types the gRPC service uses, the trial command, the budget. Fields that only make sense
/// in a cluster are reported in `warnings`, never silently dropped.
public struct LocalExperiment: Sendable {
    public var name: String
    public var experiment: Experiment
    public var objectiveMetric: String
    public var maximize: Bool
    public var goal: Double?
    public var additionalMetrics: [String]
    /// Per metric: `min`, `max` or `latest` (Katib's defaults: the objective's best, `latest` otherwise).
    public var strategies: [String: String]
    public var parallelTrialCount: Int
    public var maxTrialCount: Int
    public var maxFailedTrialCount: Int?
    /// Trial parameter name → the assignment it takes (`reference`).
    public var trialParameters: [(name: String, reference: String)]
    /// The primary container's command followed by its args, with `${trialParameters.X}` unresolved.
    public var command: [String]
    /// The primary container's `env:` (name → value, substitutions unresolved).
    public var environment: [String: String]
    /// The trial template's kind and apiVersion, namespace, and the trialSpec's metadata annotations and labels
    /// (for Katib's `${trialSpec.…}` substitutions).
    public var trialKind: String
    public var trialAPIVersion: String
    public var namespace: String
    public var annotations: [String: String]
    public var labels: [String: String]
    /// The File collector's path (metrics read from this file instead of the output) and format
    /// (`TEXT` or `JSON`); nil path for StdOut.
    public var metricsFile: String?
    public var metricsFileFormat: String
    public var metricsFormats: [String]
    public var warnings: [String]

    static func fail(_ message: String) -> RPCError { .invalidArgument(message) }

    /// The Experiment of a multi-document YAML stream (the first document of kind Experiment), with
    /// unknown fields reported by path and line: as warnings, or as one error when `strict`.
    public static func load(_ documents: [YAML.Document], strict: Bool = false) throws(RPCError) -> LocalExperiment {
        guard let document = documents.first(where: { $0.value["kind"]?.stringValue == "Experiment" }) else {
            let kinds = documents.map { $0.value["kind"]?.stringValue ?? "no kind" }
            throw fail("no document of kind Experiment in the file" + (kinds.isEmpty ? " (it is empty)" : " (found: \(kinds.joined(separator: ", ")))"))
        }
        return try load(document.value, lines: document.lines, strict: strict)
    }

    public static func load(_ root: JSONValue, lines: [String: Int] = [:], strict: Bool = false) throws(RPCError) -> LocalExperiment {
        var warnings: [String] = []
        guard root["kind"]?.stringValue == "Experiment" else { throw fail("the manifest is not a Katib Experiment (kind: \(root["kind"]?.stringValue ?? "missing"))") }
        if let v = root["apiVersion"]?.stringValue, v != "kubeflow.org/v1beta1" { warnings.append("apiVersion \(v) read as kubeflow.org/v1beta1") }
        let fields = FieldShape.experiment.check(root)
        let containerPaths = root["spec"]?["trialTemplate"]?["trialSpec"].map {
            FieldShape.unknownContainerFields($0, path: "spec.trialTemplate.trialSpec")
        } ?? []
        let unknown = (fields.unknown + containerPaths).map { path in "unknown field \(path)" + (lines[path].map { " (line \($0))" } ?? "") }
        if strict && !unknown.isEmpty {
            throw fail(unknown.joined(separator: "; ") + " (--strict; Katib's CRD has no such fields, check the spelling)")
        }
        warnings += unknown.map { $0 + " is ignored (Katib's CRD has no such field; check the spelling, or use --strict to refuse it)" }
        if !fields.clusterOnly.isEmpty {
            warnings.append("ignored here, they act only on a cluster: " + fields.clusterOnly.joined(separator: ", "))
        }
        let name = root["metadata"]?["name"]?.stringValue ?? "local-experiment"
        guard let spec = root["spec"] else { throw fail("the Experiment has no spec") }
        guard let objective = spec["objective"], let metric = objective["objectiveMetricName"]?.stringValue, !metric.isEmpty else {
            throw fail("spec.objective.objectiveMetricName is required")
        }
        let type = objective["type"]?.stringValue ?? ""
        guard type == "maximize" || type == "minimize" else { throw fail("spec.objective.type must be maximize or minimize, got \"\(type)\"") }
        var goal: Double? = nil
        if let g = objective["goal"].flatMap(scalarText) {
            guard let v = ValueFormatting.parseDouble(g) else { throw fail("spec.objective.goal \"\(g)\" is not a number") }
            goal = v
        }
        let additional = (objective["additionalMetricNames"]?.arrayValue ?? []).compactMap(scalarText)
        var strategies: [String: String] = [metric: type == "maximize" ? "max" : "min"]
        for a in additional { strategies[a] = "latest" }
        for s in objective["metricStrategies"]?.arrayValue ?? [] {
            guard let n = s["name"]?.stringValue, let v = s["value"]?.stringValue, ["min", "max", "latest"].contains(v) else {
                throw fail("spec.objective.metricStrategies entries need a name and a value of min, max or latest")
            }
            strategies[n] = v
        }
        guard let algorithmName = spec["algorithm"]?["algorithmName"]?.stringValue else { throw fail("spec.algorithm.algorithmName is required") }
        let settings = try nameValues(spec["algorithm"]?["algorithmSettings"], field: "spec.algorithm.algorithmSettings")
        var earlyStopping: EarlyStoppingSpec? = nil
        if let es = spec["earlyStopping"], es != .null {
            guard let n = es["algorithmName"]?.stringValue else { throw fail("spec.earlyStopping.algorithmName is required") }
            earlyStopping = EarlyStoppingSpec(algorithmName: n, algorithmSettings: try nameValues(es["algorithmSettings"], field: "spec.earlyStopping.algorithmSettings")
                .map { EarlyStoppingSetting(name: $0.name, value: $0.value) })
        }
        let parallel = try integer(spec["parallelTrialCount"], field: "parallelTrialCount") ?? 3
        guard let maxTrials = try integer(spec["maxTrialCount"], field: "maxTrialCount") else {
            throw fail("spec.maxTrialCount is required locally (a budget)")
        }
        let maxFailed = try integer(spec["maxFailedTrialCount"], field: "maxFailedTrialCount")
        guard parallel >= 1, maxTrials >= 1 else { throw fail("parallelTrialCount and maxTrialCount must be at least 1") }

        var params: [ParameterSpec] = []
        for p in spec["parameters"]?.arrayValue ?? [] {
            guard let pname = p["name"]?.stringValue else { throw fail("a parameter has no name") }
            let t = p["parameterType"]?.stringValue ?? ""
            let types: [String: ParameterType] = ["double": .double, "int": .int, "discrete": .discrete, "categorical": .categorical]
            guard let pt = types[t] else { throw fail("parameter \(pname): parameterType must be double, int, discrete or categorical, got \"\(t)\"") }
            let fs = p["feasibleSpace"] ?? .object([])
            let dist: [String: Distribution] = ["uniform": .uniform, "logUniform": .logUniform, "normal": .normal, "logNormal": .logNormal]
            let d = fs["distribution"]?.stringValue
            guard d == nil || dist[d!] != nil else { throw fail("parameter \(pname): unknown distribution \(d!)") }
            params.append(ParameterSpec(name: pname, parameterType: pt, feasibleSpace: FeasibleSpace(
                max: fs["max"].flatMap(scalarText) ?? "", min: fs["min"].flatMap(scalarText) ?? "",
                list: (fs["list"]?.arrayValue ?? []).compactMap(scalarText), step: fs["step"].flatMap(scalarText) ?? "",
                distribution: d.map { dist[$0]! } ?? .uniform)))
        }
        var nas: NasConfig? = nil
        if let n = spec["nasConfig"], n != .null { nas = try nasConfig(n) }

        guard let template = spec["trialTemplate"] else { throw fail("spec.trialTemplate is required") }
        if template["configMap"] != nil { throw fail("trialTemplate.configMap is not supported locally; inline trialSpec") }
        var trialParameters: [(name: String, reference: String)] = []
        for tp in template["trialParameters"]?.arrayValue ?? [] {
            guard let n = tp["name"]?.stringValue, let r = tp["reference"]?.stringValue else { throw fail("every trialParameters entry needs name and reference") }
            trialParameters.append((n, r))
        }
        guard let trialSpec = template["trialSpec"] else { throw fail("trialTemplate.trialSpec is required locally (inline the trial's Job)") }
        let trialKind = trialSpec["kind"]?.stringValue ?? "Job"
        let trialAPIVersion = trialSpec["apiVersion"]?.stringValue ?? "batch/v1"
        let primary = template["primaryContainerName"]?.stringValue
        let container = try primaryContainer(trialSpec, kind: trialKind, primary: primary, &warnings)
        if container["command"] == nil, container["args"] != nil {
            throw fail("the trial container has args but no command: on a cluster its image's entrypoint runs them, which is not known here; add the program as command: to run it locally")
        }
        let command = ((container["command"]?.arrayValue ?? []) + (container["args"]?.arrayValue ?? [])).compactMap(scalarText)
        guard !command.isEmpty else { throw fail("the trial container has no command or args to run locally") }
        if let image = container["image"]?.stringValue { warnings.append("container image \(image) is ignored: the command runs on this machine") }
        var environment: [String: String] = [:]
        for item in container["env"]?.arrayValue ?? [] {
            guard let n = item["name"]?.stringValue else { throw fail("an env entry of the trial container has no name") }
            if let v = item["value"].flatMap(scalarText) {
                environment[n] = v
            } else if item["valueFrom"] != nil {
                warnings.append("env \(n) uses valueFrom, which needs a cluster; it is not set locally")
            } else {
                environment[n] = ""
            }
        }
        var annotations: [String: String] = [:]
        for (k, v) in objectMembers(trialSpec["metadata"]?["annotations"] ?? .object([])) { annotations[k] = scalarText(v) ?? "" }
        var labels: [String: String] = [:]
        for (k, v) in objectMembers(trialSpec["metadata"]?["labels"] ?? .object([])) { labels[k] = scalarText(v) ?? "" }

        var formats: [String] = []
        var metricsFile: String? = nil
        var metricsFileFormat = "TEXT"
        if let collector = spec["metricsCollectorSpec"] {
            let kind = collector["collector"]?["kind"]?.stringValue ?? "StdOut"
            formats = (collector["source"]?["filter"]?["metricsFormat"]?.arrayValue ?? []).compactMap(scalarText)
            switch kind {
            case "StdOut": break
            case "File":
                guard let path = collector["source"]?["fileSystemPath"]?["path"]?.stringValue, !path.isEmpty else {
                    throw fail("metricsCollectorSpec: a File collector needs source.fileSystemPath.path")
                }
                metricsFile = path
                metricsFileFormat = collector["source"]?["fileSystemPath"]?["format"]?.stringValue ?? "TEXT"
                guard metricsFileFormat == "TEXT" || metricsFileFormat == "JSON" else {
                    throw fail("metricsCollectorSpec.source.fileSystemPath.format must be TEXT or JSON, got \(metricsFileFormat)")
                }
            default:
                warnings.append("metrics collector \(kind) needs a cluster; metrics are read from the trial's output as StdOut would")
            }
        }
        let exp = Experiment(name: name, spec: ExperimentSpec(
            parameterSpecs: ExperimentSpec.ParameterSpecs(parameters: params),
            objective: ObjectiveSpec(type: type == "maximize" ? .maximize : .minimize, goal: goal ?? 0,
                                     objectiveMetricName: metric, additionalMetricNames: additional),
            algorithm: AlgorithmSpec(algorithmName: algorithmName, algorithmSettings: settings),
            earlyStopping: earlyStopping, parallelTrialCount: Int32(parallel), maxTrialCount: Int32(maxTrials), nasConfig: nas))
        return LocalExperiment(name: name, experiment: exp, objectiveMetric: metric, maximize: type == "maximize", goal: goal,
                               additionalMetrics: additional, strategies: strategies, parallelTrialCount: parallel,
                               maxTrialCount: maxTrials, maxFailedTrialCount: maxFailed, trialParameters: trialParameters,
                               command: command, environment: environment, trialKind: trialKind, trialAPIVersion: trialAPIVersion,
                               namespace: root["metadata"]?["namespace"]?.stringValue ?? "default", annotations: annotations, labels: labels,
                               metricsFile: metricsFile, metricsFileFormat: metricsFileFormat, metricsFormats: formats, warnings: warnings)
    }

    /// Where each kind of trial keeps its replicas' pod templates, and which replica is primary
    /// (the first of the list that the manifest has): Kubeflow Training Operator jobs.
    static let replicaKinds: [String: (field: String, primary: [String])] = [
        "PyTorchJob": ("pytorchReplicaSpecs", ["Master", "Worker"]),
        "TFJob": ("tfReplicaSpecs", ["Chief", "Master", "Worker"]),
        "XGBoostJob": ("xgbReplicaSpecs", ["Master", "Worker"]),
        "MPIJob": ("mpiReplicaSpecs", ["Launcher", "Worker"]),
        "JAXJob": ("jaxReplicaSpecs", ["Worker"]),
        "PaddleJob": ("paddleReplicaSpecs", ["Master", "Worker"]),
    ]

    /// The container a local trial runs: a Job's (or any pod template's) container named
    /// `primaryContainerName` (else the first), the primary replica's for Training Operator jobs, the
    /// trainer of a Kubeflow Trainer TrainJob.
    static func primaryContainer(_ trialSpec: JSONValue, kind: String, primary: String?, _ warnings: inout [String]) throws(RPCError) -> JSONValue {
        let podSpec: JSONValue?
        if kind == "TrainJob" {
            guard let trainer = trialSpec["spec"]?["trainer"] else {
                throw fail("the TrainJob has no spec.trainer (its command and args are what runs locally)")
            }
            if let n = trainer["numNodes"].flatMap(scalarText), n != "1" { warnings.append("TrainJob numNodes \(n): one process runs locally") }
            return trainer
        } else if let replicas = replicaKinds[kind] {
            guard let specs = trialSpec["spec"]?[replicas.field] else { throw fail("the \(kind) has no spec.\(replicas.field)") }
            guard let role = replicas.primary.first(where: { specs[$0] != nil }) else {
                throw fail("the \(kind) has none of the replicas \(replicas.primary.joined(separator: ", ")) in spec.\(replicas.field)")
            }
            if objectMembers(specs).count > 1 || (specs[role]?["replicas"].flatMap(scalarText) ?? "1") != "1" {
                warnings.append("\(kind): only one \(role) process runs locally (no other replicas, no distributed setup)")
            }
            podSpec = specs[role]?["template"]?["spec"]
        } else if kind == "Workflow" || kind == "PipelineRun" {
            throw fail("a \(kind) trial (Argo or Tekton) runs a graph of pods on a cluster and cannot run locally; use a Job, a Training Operator job or a TrainJob")
        } else {
            podSpec = trialSpec["spec"]?["template"]?["spec"]
        }
        guard let containers = podSpec?["containers"]?.arrayValue, !containers.isEmpty else {
            throw fail("trialTemplate.trialSpec (\(kind)) has no pod template with containers to run")
        }
        guard let container = containers.first(where: { primary == nil || $0["name"]?.stringValue == primary }) else {
            throw fail("no container named \(primary ?? "") in the trial template's \(kind)")
        }
        if containers.count > 1 { warnings.append("only container \(container["name"]?.stringValue ?? "#1") runs locally") }
        return container
    }

    /// KEY of `prefix[KEY]`, nil when `key` is not of that shape.
    static func indexed(_ key: String, _ prefix: String) -> String? {
        guard key.hasPrefix(prefix + "["), key.hasSuffix("]") else { return nil }
        return String(key.dropFirst(prefix.count + 1).dropLast())
    }

    /// The command and environment with Katib's substitutions made.
    public func resolved(assignments: [ParameterAssignment], trialName: String, labels: [String: String]) throws(RPCError)
        -> (command: [String], environment: [String: String]) {
        var environment: [String: String] = [:]
        for (k, v) in self.environment {
            environment[k] = try substitute([v], assignments: assignments, trialName: trialName, labels: labels)[0]
        }
        return (try substitute(command, assignments: assignments, trialName: trialName, labels: labels), environment)
    }

    /// The command with `${trialParameters.NAME}` replaced by the trial's assignment values.
    public func resolvedCommand(assignments: [ParameterAssignment], trialName: String) throws(RPCError) -> [String] {
        try substitute(command, assignments: assignments, trialName: trialName, labels: [:])
    }

    /// The value of Katib's trial metadata reference `key` (the text inside `${trialSpec.…}`):
    /// `Name`, `Namespace`, `Kind`, `APIVersion`, `Labels[KEY]`, `Annotations[KEY]` (labels and
    /// annotations of the trialSpec's metadata, as Katib's trial generator reads them).
    func metadata(_ key: String, trialName: String) throws(RPCError) -> String {
        switch key {
        case "Name": return trialName
        case "Namespace": return namespace
        case "Kind": return trialKind
        case "APIVersion": return trialAPIVersion
        default:
            if let k = Self.indexed(key, "Labels") {
                guard let v = labels[k] else {
                    throw .invalidArgument("${trialSpec.\(key)}: trialSpec.metadata.labels has no \(k)" + (labels.isEmpty ? "" : " (it has \(labels.keys.sorted().joined(separator: ", ")))"))
                }
                return v
            }
            if let k = Self.indexed(key, "Annotations") {
                guard let v = annotations[k] else {
                    throw .invalidArgument("${trialSpec.\(key)}: trialSpec.metadata.annotations has no \(k)" + (annotations.isEmpty ? "" : " (it has \(annotations.keys.sorted().joined(separator: ", ")))"))
                }
                return v
            }
            throw .invalidArgument("${trialSpec.\(key)} is not trial metadata Katib substitutes (Name, Namespace, Kind, APIVersion, Labels[KEY], Annotations[KEY])")
        }
    }

    /// Katib's trial generator: each `trialParameters` entry takes the assignment its `reference`
    /// names, or, for a reference `${trialSpec.…}`, that trial metadata (`metadata`); every
    /// assignment must be referenced (Katib refuses to create the trial otherwise); then
    /// `${trialParameters.NAME}` is replaced everywhere. `${trialSpec.…}` written directly in the
    /// command or env is replaced too (Katib leaves it as written; here it saves a trialParameters
    /// entry). Anything else in `${…}` is an error naming it.
    func substitute(_ command: [String], assignments: [ParameterAssignment], trialName: String, labels _: [String: String]) throws(RPCError) -> [String] {
        var values: [String: String] = [:]
        var referenced: Set<String> = []
        for tp in trialParameters {
            if tp.reference.hasPrefix("${trialSpec."), tp.reference.hasSuffix("}") {
                values[tp.name] = try metadata(String(tp.reference.dropFirst("${trialSpec.".count).dropLast()), trialName: trialName)
                continue
            }
            guard let a = assignments.first(where: { $0.name == tp.reference }) else {
                throw .invalidArgument("trial parameter \(tp.name) references \(tp.reference), which is neither an assigned parameter (\(assignments.map(\.name).joined(separator: ", "))) nor ${trialSpec.…} metadata")
            }
            values[tp.name] = a.value
            referenced.insert(a.name)
        }
        if let missing = assignments.first(where: { !referenced.contains($0.name) }) {
            throw .invalidArgument("parameter \(missing.name) is assigned but no trialTemplate.trialParameters entry references it; Katib refuses to create such a trial (add an entry with reference: \(missing.name))")
        }
        var out: [String] = []
        for arg in command {
            var result = ""
            var rest = Substring(arg)
            while let open = rest.firstRange(of: "${") {
                result += rest[..<open.lowerBound]
                guard let close = rest[open.upperBound...].firstIndex(of: "}") else { result += rest[open.lowerBound...]; rest = ""; break }
                let key = String(rest[open.upperBound..<close])
                if key.hasPrefix("trialParameters.") {
                    let n = String(key.dropFirst("trialParameters.".count))
                    guard let v = values[n] else { throw .invalidArgument("the trial template uses ${\(key)}, which trialParameters does not declare") }
                    result += v
                } else if key.hasPrefix("trialSpec.") {
                    result += try metadata(String(key.dropFirst("trialSpec.".count)), trialName: trialName)
                } else {
                    throw .invalidArgument("the trial template uses ${\(key)}; Katib substitutes ${trialParameters.NAME}, whose reference is a parameter or ${trialSpec.Name, Namespace, Kind, APIVersion, Labels[KEY], Annotations[KEY]}")
                }
                rest = rest[rest.index(after: close)...]
            }
            out.append(result + rest)
        }
        return out
    }
}

func scalarText(_ v: JSONValue) -> String? {
    switch v {
    case .string(let s): return s
    case .number(let n): return n
    case .bool(let b): return b ? "true" : "false"
    default: return nil
    }
}

func objectMembers(_ v: JSONValue) -> [(String, JSONValue)] {
    if case .object(let m) = v { return m }
    return []
}

func integer(_ v: JSONValue?, field: String) throws(RPCError) -> Int? {
    guard let v, v != .null else { return nil }
    guard let t = scalarText(v), let n = Int(t) else { throw .invalidArgument("spec.\(field) must be an integer") }
    return n
}

func nameValues(_ v: JSONValue?, field: String) throws(RPCError) -> [AlgorithmSetting] {
    var out: [AlgorithmSetting] = []
    for s in v?.arrayValue ?? [] {
        guard let n = s["name"]?.stringValue else { throw .invalidArgument("every \(field) entry needs a name") }
        out.append(AlgorithmSetting(name: n, value: s["value"].flatMap(scalarText) ?? ""))
    }
    return out
}

func nasConfig(_ n: JSONValue) throws(RPCError) -> NasConfig {
    let g = n["graphConfig"] ?? .object([])
    func ints(_ v: JSONValue?) throws(RPCError) -> [Int32] {
        var out: [Int32] = []
        for x in v?.arrayValue ?? [] {
            guard let t = scalarText(x), let i = Int32(t) else { throw .invalidArgument("nasConfig.graphConfig sizes must be integers") }
            out.append(i)
        }
        return out
    }
    var ops: [Operation] = []
    for o in n["operations"]?.arrayValue ?? [] {
        var specs: [ParameterSpec] = []
        for p in o["parameters"]?.arrayValue ?? [] {
            let types: [String: ParameterType] = ["double": .double, "int": .int, "discrete": .discrete, "categorical": .categorical]
            let fs = p["feasibleSpace"] ?? .object([])
            specs.append(ParameterSpec(name: p["name"]?.stringValue ?? "", parameterType: types[p["parameterType"]?.stringValue ?? ""] ?? .unknownType,
                                       feasibleSpace: FeasibleSpace(max: fs["max"].flatMap(scalarText) ?? "", min: fs["min"].flatMap(scalarText) ?? "",
                                                                    list: (fs["list"]?.arrayValue ?? []).compactMap(scalarText), step: fs["step"].flatMap(scalarText) ?? "")))
        }
        ops.append(Operation(operationType: o["operationType"]?.stringValue ?? "", parameterSpecs: Operation.ParameterSpecs(parameters: specs)))
    }
    return NasConfig(graphConfig: GraphConfig(numLayers: Int32(g["numLayers"].flatMap(scalarText) ?? "0") ?? 0,
                                              inputSizes: try ints(g["inputSizes"]), outputSizes: try ints(g["outputSizes"])),
                     operations: NasConfig.Operations(operation: ops))
}

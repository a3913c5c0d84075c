import SuggestionAPI

/// The fields of a Katib Experiment (kubeflow.org/v1beta1, as Katib's CRD declares them), for
/// telling a misspelt field (`algorithmSetings:`, `gaol:`) from one that only matters on a cluster.
/// Free-form parts (labels, annotations, the trial's own manifest, lists of strings) are not checked.
indirect enum FieldShape: Sendable {
    /// A scalar or anything the Experiment reader validates itself.
    case value
    /// Free-form: not checked.
    case any
    /// Known to Katib but without effect on one machine (listed once as ignored).
    case clusterOnly
    case object([String: FieldShape])
    case list(FieldShape)

    static let nameValues: FieldShape = .list(.object(["name": .value, "value": .value]))
    static let parameter: FieldShape = .object([
        "name": .value, "parameterType": .value,
        "feasibleSpace": .object(["max": .value, "min": .value, "list": .any, "step": .value, "distribution": .value]),
    ])

    static let experiment: FieldShape = .object([
        "apiVersion": .value, "kind": .value, "status": .clusterOnly,
        "metadata": .object([
            "name": .value, "namespace": .value, "labels": .any, "annotations": .any, "generateName": .clusterOnly,
            "uid": .clusterOnly, "resourceVersion": .clusterOnly, "generation": .clusterOnly, "creationTimestamp": .clusterOnly,
            "deletionTimestamp": .clusterOnly, "finalizers": .clusterOnly, "ownerReferences": .clusterOnly, "managedFields": .clusterOnly,
        ]),
        "spec": .object([
            "parameters": .list(parameter),
            "objective": .object([
                "type": .value, "goal": .value, "objectiveMetricName": .value, "additionalMetricNames": .any,
                "metricStrategies": nameValues,
            ]),
            "algorithm": .object(["algorithmName": .value, "algorithmSettings": nameValues]),
            "earlyStopping": .object(["algorithmName": .value, "algorithmSettings": nameValues]),
            "trialTemplate": .object([
                "retain": .clusterOnly, "trialSpec": .any, "configMap": .any, "primaryPodLabels": .clusterOnly,
                "primaryContainerName": .value, "successCondition": .clusterOnly, "failureCondition": .clusterOnly,
                "trialParameters": .list(.object(["name": .value, "description": .value, "reference": .value])),
            ]),
            "parallelTrialCount": .value, "maxTrialCount": .value, "maxFailedTrialCount": .value,
            "metricsCollectorSpec": .object([
                "source": .object([
                    "fileSystemPath": .object(["path": .value, "kind": .value, "format": .value]),
                    "filter": .object(["metricsFormat": .any]),
                    "httpGet": .clusterOnly,
                ]),
                "collector": .object(["kind": .value, "customCollector": .clusterOnly]),
            ]),
            "nasConfig": .object([
                "graphConfig": .object(["numLayers": .value, "inputSizes": .any, "outputSizes": .any]),
                "operations": .list(.object(["operationType": .value, "parameters": .list(parameter)])),
            ]),
            "resumePolicy": .clusterOnly,
        ]),
    ])

    /// The fields of a Kubernetes container (core/v1 Container), checked in every `containers` and
    /// `initContainers` list of the trial's manifest (a misspelt `comand:` or `evn:` would otherwise
    /// run the trial without it).
    static let containerFields: Set<String> = [
        "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources", "resizePolicy",
        "restartPolicy", "volumeMounts", "volumeDevices", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle",
        "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
    ]

    /// Unknown container fields anywhere under `value` (paths in document order).
    static func unknownContainerFields(_ value: JSONValue, path: String) -> [String] {
        switch value {
        case .object(let members):
            var out: [String] = []
            for (key, child) in members {
                let childPath = path.isEmpty ? key : path + "." + key
                if key == "containers" || key == "initContainers", let items = child.arrayValue {
                    for (i, item) in items.enumerated() {
                        guard case .object(let fields) = item else { continue }
                        for (field, _) in fields where !containerFields.contains(field) { out.append("\(childPath)[\(i)].\(field)") }
                    }
                } else {
                    out += unknownContainerFields(child, path: childPath)
                }
            }
            return out
        case .array(let items):
            return items.enumerated().flatMap { i, item in unknownContainerFields(item, path: path + "[\(i)]") }
        default:
            return []
        }
    }

    /// Fields of `value` this shape does not know (with their paths, in document order) and the
    /// cluster-only fields it has.
    func check(_ value: JSONValue, path: String = "") -> (unknown: [String], clusterOnly: [String]) {
        switch (self, value) {
        case (.object(let fields), .object(let members)):
            var unknown: [String] = [], cluster: [String] = []
            for (key, child) in members {
                let childPath = path.isEmpty ? key : path + "." + key
                guard let shape = fields[key] else { unknown.append(childPath); continue }
                if case .clusterOnly = shape { cluster.append(childPath); continue }
                let found = shape.check(child, path: childPath)
                unknown += found.unknown
                cluster += found.clusterOnly
            }
            return (unknown, cluster)
        case (.list(let shape), .array(let items)):
            var unknown: [String] = [], cluster: [String] = []
            for (i, item) in items.enumerated() {
                let found = shape.check(item, path: path + "[\(i)]")
                unknown += found.unknown
                cluster += found.clusterOnly
            }
            return (unknown, cluster)
        default:
            return ([], [])
        }
    }
}

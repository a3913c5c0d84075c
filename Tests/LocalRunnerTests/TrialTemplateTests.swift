import Testing
import SuggestionAPI
@testable import LocalRunner

/// Trial templates beyond Job, Katib's metadata substitutions, and the run's outputs.
@Suite struct TrialTemplateTests {
    /// An Experiment whose trialSpec is `trialSpec` (indented by 6 spaces under trialTemplate).
    static func manifest(_ trialSpec: String, extra: String = "") -> String {
        """
        apiVersion: kubeflow.org/v1beta1
        kind: Experiment
        metadata:
          name: exp
          namespace: team-a
        spec:
          objective:
            type: minimize
            objectiveMetricName: loss
          algorithm:
            algorithmName: random
          maxTrialCount: 2
          parameters:
            - name: lr
              parameterType: double
              feasibleSpace: {min: "0.01", max: "0.1"}
          trialTemplate:
            primaryContainerName: main
            trialParameters:
              - name: lr
                reference: lr
            trialSpec:
        \(trialSpec)
        \(extra)
        """
    }

    /// A batch/v1 Job trialSpec (indented for `manifest`) with one container `main` holding
    /// `container` (YAML lines at the container's level) and optional `metadata` lines.
    static func job(_ container: [String], metadata: [String] = []) -> String {
        var text = "      apiVersion: batch/v1\n      kind: Job\n"
        if !metadata.isEmpty { text += "      metadata:\n" + metadata.map { "        \($0)\n" }.joined() }
        text += "      spec:\n        template:\n          spec:\n            containers:\n              - name: main\n"
        return text + container.map { "                \($0)\n" }.joined()
    }

    /// `body` throws an RPCError whose message contains `fragment`.
    static func expectRefused(_ fragment: String, _ body: () throws -> Void) {
        #expect(performing: body, throws: { ($0 as? RPCError)?.message.contains(fragment) == true })
    }

    static func replicas(_ kind: String, _ field: String, _ roles: [String]) -> String {
        var text = "      apiVersion: kubeflow.org/v1\n      kind: \(kind)\n      spec:\n        \(field):\n"
        for role in roles {
            text += "          \(role):\n            replicas: 1\n            template:\n              spec:\n                containers:\n"
            text += "                  - name: main\n                    command: [run-\(role.lowercased()), \"${trialParameters.lr}\"]\n"
        }
        return text
    }

    @Test(arguments: [
        ("PyTorchJob", "pytorchReplicaSpecs", ["Worker", "Master"], "run-master"),
        ("TFJob", "tfReplicaSpecs", ["Worker", "Chief", "PS"], "run-chief"),
        ("XGBoostJob", "xgbReplicaSpecs", ["Worker", "Master"], "run-master"),
        ("MPIJob", "mpiReplicaSpecs", ["Worker", "Launcher"], "run-launcher"),
        ("JAXJob", "jaxReplicaSpecs", ["Worker"], "run-worker"),
        ("PaddleJob", "paddleReplicaSpecs", ["Worker", "Master"], "run-master"),
    ])
    func trainingOperatorJobsRunTheirPrimaryReplica(_ kind: String, _ field: String, _ roles: [String], _ program: String) throws {
        let e = try LocalExperiment.load(try YAML.parse(Self.manifest(Self.replicas(kind, field, roles))))
        #expect(e.command == [program, "${trialParameters.lr}"])
        #expect(e.trialKind == kind && e.trialAPIVersion == "kubeflow.org/v1")
        if roles.count > 1 { #expect(e.warnings.contains { $0.contains("only one") }) }
    }

    @Test func trainJobRunsItsTrainerWithItsEnvironment() throws {
        let spec = """
              apiVersion: trainer.kubeflow.org/v1alpha1
              kind: TrainJob
              spec:
                runtimeRef:
                  name: torch-distributed
                trainer:
                  numNodes: 2
                  command: [python3, train.py]
                  args: ["--lr=${trialParameters.lr}"]
                  env:
                    - name: RUN
                      value: ${trialSpec.Name}
        """
        let e = try LocalExperiment.load(try YAML.parse(Self.manifest(spec)))
        #expect(e.command == ["python3", "train.py", "--lr=${trialParameters.lr}"])
        let resolved = try e.resolved(assignments: [ParameterAssignment(name: "lr", value: "0.05")], trialName: "exp-7", labels: [:])
        #expect(resolved.command.last == "--lr=0.05" && resolved.environment == ["RUN": "exp-7"])
        #expect(e.warnings.contains { $0.contains("numNodes 2") })
    }

    @Test func argoAndTektonTrialsAreRefusedWithAReason() {
        for kind in ["Workflow", "PipelineRun"] {
            let spec = "      apiVersion: argoproj.io/v1alpha1\n      kind: \(kind)\n      spec: {}\n"
            Self.expectRefused("cannot run locally") { _ = try LocalExperiment.load(try YAML.parse(Self.manifest(spec))) }
        }
    }

    @Test func katibMetadataSubstitutions() throws {
        // As Katib's trial generator: trialParameters whose reference is ${trialSpec.…} take the
        // trial's metadata (labels and annotations from the trialSpec's metadata).
        let spec = Self.job(["command: [run, \"${trialParameters.lr}\", \"${trialParameters.name}\", \"${trialParameters.ns}\", \"${trialParameters.kind}\", \"${trialParameters.api}\", \"${trialParameters.label}\", \"${trialParameters.note}\", \"${trialSpec.Name}\"]"],
                            metadata: ["labels:", "  custom-key: custom-label", "annotations:", "  custom-key: custom-annotation"])
        let references = [("name", "${trialSpec.Name}"), ("ns", "${trialSpec.Namespace}"), ("kind", "${trialSpec.Kind}"),
                          ("api", "${trialSpec.APIVersion}"), ("label", "${trialSpec.Labels[custom-key]}"),
                          ("note", "${trialSpec.Annotations[custom-key]}")]
            .map { "      - name: \($0.0)\n        reference: \($0.1)" }.joined(separator: "\n")
        func load(_ spec: String, _ refs: String) throws -> LocalExperiment {
            try LocalExperiment.load(try YAML.parse(Self.manifest(spec).replacingAll("        reference: lr\n", with: "        reference: lr\n" + refs + "\n")))
        }
        let e = try load(spec, references)
        let r = try e.resolved(assignments: [ParameterAssignment(name: "lr", value: "0.05")], trialName: "exp-1", labels: [:])
        #expect(r.command == ["run", "0.05", "exp-1", "team-a", "Job", "batch/v1", "custom-label", "custom-annotation", "exp-1"])
        for (bad, says) in [("${trialSpec.Labels[nope]}", "metadata.labels has no nope"), ("${trialSpec.Annotations[x]}", "annotations has no x"),
                            ("${trialSpec.Uid}", "is not trial metadata")] {
            let broken = try load(spec, references.replacingAll("${trialSpec.Kind}", with: bad))
            Self.expectRefused(says) { _ = try broken.resolved(assignments: [ParameterAssignment(name: "lr", value: "1")], trialName: "t", labels: [:]) }
        }
        // Every assignment must be referenced, as Katib requires.
        Self.expectRefused("parameter extra is assigned but no trialTemplate.trialParameters entry references it") {
            _ = try e.resolved(assignments: [ParameterAssignment(name: "lr", value: "1"), ParameterAssignment(name: "extra", value: "2")],
                               trialName: "t", labels: [:])
        }
    }

    @Test func misspeltContainerFieldsAreReportedWithTheirLine() throws {
        let spec = Self.job(["command: [run, \"${trialParameters.lr}\"]", "evn:", "  - name: A", "    value: \"1\""])
        let text = Self.manifest(spec)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("evn:") }! + 1
        let e = try LocalExperiment.load(try YAML.documents(text))
        #expect(e.warnings.contains { $0.hasPrefix("unknown field spec.trialTemplate.trialSpec.spec.template.spec.containers[0].evn (line \(line))") })
        Self.expectRefused("containers[0].evn") { _ = try LocalExperiment.load(try YAML.documents(text), strict: true) }
    }

    @Test func argsWithoutACommandAreExplained() {
        let spec = Self.job(["args: [--job_type=Train, \"--lr=${trialParameters.lr}\"]"])
        Self.expectRefused("args but no command") { _ = try LocalExperiment.load(try YAML.parse(Self.manifest(spec))) }
    }

    @Test func fileCollectorIsReadFromItsPath() throws {
        let spec = Self.job(["command: [run, --log=/var/log/katib/m.json]"])
        let collector = """
          metricsCollectorSpec:
            source:
              fileSystemPath:
                path: /var/log/katib/m.json
                format: JSON
            collector:
              kind: File
        """
        let e = try LocalExperiment.load(try YAML.parse(Self.manifest(spec, extra: collector)))
        #expect(e.metricsFile == "/var/log/katib/m.json" && e.metricsFileFormat == "JSON")
        let bad = collector.replacingAll("format: JSON", with: "format: XML")
        Self.expectRefused("TEXT or JSON") { _ = try LocalExperiment.load(try YAML.parse(Self.manifest(spec, extra: bad))) }
    }
}

@Suite struct OutputTests {
    @Test func csvQuotesWhatNeedsQuoting() {
        #expect(CSVExport.field("plain") == "plain")
        #expect(CSVExport.field("a,b") == "\"a,b\"")
        #expect(CSVExport.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVExport.field("two\nlines") == "\"two\nlines\"")
    }

    @Test func reportAxesTurnLogarithmicForValuesSpanningDecades() {
        let linear = HTMLReport.ValueAxis(0.2, 2.8)
        #expect(!linear.log)
        for (a, b) in zip(linear.ticks, [0.2, 0.85, 1.5, 2.15, 2.8]) { #expect(abs(a - b) < 1e-12) }
        let log = HTMLReport.ValueAxis(0.001, 10)
        #expect(log.log)
        #expect(abs(log.ticks[2] - 0.1) < 1e-12, "the middle tick is the geometric mean")
        #expect(log.y(0.001) == HTMLReport.height - HTMLReport.margin.bottom && log.y(10) == HTMLReport.margin.top)
        #expect(!HTMLReport.ValueAxis(-1, 1000).log, "not with a value at or below zero")
    }

    @Test func indentedJSONParsesBackToTheSameValue() throws {
        let value = JSONValue.object([("a", .array([.number("1"), .string("x\"y")])), ("b", .object([])),
                                      ("c", .array([.object([("d", .null)]), .bool(true)])), ("e", .array([]))])
        let text = value.indented
        #expect(try JSONValue.parse(text) == value)
        #expect(text.contains("\n  \"a\": [1, \"x\\\"y\"],\n"))
    }
}

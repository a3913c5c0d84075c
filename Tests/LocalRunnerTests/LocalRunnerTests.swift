import Testing
import SuggestionAPI
@testable import LocalRunner

@Suite struct YAMLTests {
    @Test func kubernetesStyleDocument() throws {
        let text = """
        ---
        # comment
        apiVersion: kubeflow.org/v1beta1
        kind: Experiment
        metadata:
          name: "random-example"   # trailing comment
          labels: {team: ml, tier: "1"}
        spec:
          maxTrialCount: 12
          parameters:
            - name: lr
              parameterType: double
              feasibleSpace:
                min: "0.01"
                max: '0.05'
            - name: optimizer
              feasibleSpace:
                list: [sgd, "adam", 'ftrl']
          empty:
          flag: true
          list:
          - a
          - b: 1
            c: 2
          script: |
            line one
              indented
            line three
          folded: >-
            one
            two
        ---
        kind: Second
        """
        let v = try YAML.parse(text)
        #expect(v["kind"] == .string("Experiment"))
        #expect(v["metadata"]?["name"] == .string("random-example"))
        #expect(v["metadata"]?["labels"]?["tier"] == .string("1"))
        #expect(v["spec"]?["maxTrialCount"] == .string("12"))
        #expect(v["spec"]?["parameters"]?.arrayValue?.count == 2)
        #expect(v["spec"]?["parameters"]?.arrayValue?[0]["feasibleSpace"]?["max"] == .string("0.05"))
        #expect(v["spec"]?["parameters"]?.arrayValue?[1]["feasibleSpace"]?["list"] == .array([.string("sgd"), .string("adam"), .string("ftrl")]))
        #expect(v["spec"]?["empty"] == .null)
        #expect(v["spec"]?["flag"] == .bool(true))
        #expect(v["spec"]?["list"] == .array([.string("a"), .object([("b", .string("1")), ("c", .string("2"))])]))
        #expect(v["spec"]?["script"] == .string("line one\n  indented\nline three\n"))
        #expect(v["spec"]?["folded"] == .string("one two"))
    }

    @Test func whatKatibUsersWriteAndTheHandWrittenReaderRefused() throws {
        // Katib's argo-workflow.yaml nests sequences (`- - name:`); users write flow lists over
        // several lines, multi-line quoted strings, escapes, anchors and merge keys, and put the
        // Experiment after other documents without a leading `---`.
        let text = """
        kind: ConfigMap
        data: {a: "1"}
        ---
        kind: Experiment
        defaults: &defaults
          parallelTrialCount: 2
          maxTrialCount: 4
        spec:
          <<: *defaults
          maxTrialCount: 6
          list: [sgd,
                 adam]
          steps:
            - - name: a
                template: t
          quoted: "first
            second"
          escaped: "caf\\u00e9 \\t tab"
          plain: one
            two
        """
        let documents = try YAML.documents(text)
        #expect(documents.count == 2)
        let v = documents[1].value
        #expect(v["spec"]?["parallelTrialCount"] == .string("2") && v["spec"]?["maxTrialCount"] == .string("6"), "merge keys; own keys win")
        #expect(v["spec"]?["list"] == .array([.string("sgd"), .string("adam")]))
        #expect(v["spec"]?["steps"]?.arrayValue?[0].arrayValue?[0]["name"] == .string("a"))
        #expect(v["spec"]?["quoted"] == .string("first second"))
        #expect(v["spec"]?["escaped"] == .string("café \t tab"))
        #expect(v["spec"]?["plain"] == .string("one two"))
        #expect(documents[1].lines["spec.maxTrialCount"] == 10 && documents[1].lines["spec.steps[0][0].template"] == 15)
        #expect(documents[1].line == 3)
    }

    @Test func aTabInTheIndentationIsNamed() {
        #expect(performing: { _ = try YAML.documents("kind: Experiment\nspec:\n\tmaxTrialCount: 2\n") },
                throws: { ($0 as? YAML.ParseError)?.line == 3 && ($0 as? YAML.ParseError)?.message.contains("indented with a tab") == true })
    }

    @Test func aliasesCannotBlowUp() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<8 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        #expect(throws: YAML.ParseError.self) { _ = try YAML.documents(text) }
    }

    @Test(arguments: [
        ("a: 1\n  b: 2\n", 2), ("a: \"open\n", 2), ("a:\n\t- x\n", 2), ("a: 1\na: 2\n", 2),
        ("a: *nothing\n", 1), ("? [a]\n: 1\n", 1), ("a: [1, 2\nb: 3\n", 2),
    ])
    func errorsNameTheLine(_ text: String, _ line: Int) {
        do {
            _ = try YAML.parse(text)
            Issue.record("expected an error for \(text.debugDescription)")
        } catch {
            #expect(error.line == line, "\(error)")
        }
    }
}

@Suite struct LocalExperimentTests {
    static func manifest(_ extra: String = "", command: String = "[python3, train.py, \"--lr=${trialParameters.lr}\"]") -> String {
        """
        apiVersion: kubeflow.org/v1beta1
        kind: Experiment
        metadata:
          name: exp
        spec:
          objective:
            type: maximize
            goal: 0.9
            objectiveMetricName: accuracy
            additionalMetricNames: [loss]
          algorithm:
            algorithmName: random
          parallelTrialCount: 2
          maxTrialCount: 5
          maxFailedTrialCount: 1
          parameters:
            - name: learning_rate
              parameterType: double
              feasibleSpace: {min: "0.01", max: "0.1"}
          trialTemplate:
            primaryContainerName: main
            trialParameters:
              - name: lr
                reference: learning_rate
            trialSpec:
              apiVersion: batch/v1
              kind: Job
              spec:
                template:
                  spec:
                    containers:
                      - name: sidecar
                        image: busybox
                        command: [sleep, "1"]
                      - name: main
                        image: python
                        command: \(command)
        \(extra)
        """
    }

    @Test func readsWhatTheServiceNeedsAndReportsTheRest() throws {
        let e = try LocalExperiment.load(try YAML.parse(Self.manifest("  resumePolicy: Never")))
        #expect(e.name == "exp" && e.maximize && e.goal == 0.9 && e.maxTrialCount == 5 && e.maxFailedTrialCount == 1)
        #expect(e.strategies == ["accuracy": "max", "loss": "latest"])
        #expect(e.command == ["python3", "train.py", "--lr=${trialParameters.lr}"])
        #expect(e.experiment.spec?.parameterSpecs?.parameters.first?.feasibleSpace?.max == "0.1")
        #expect(e.warnings.contains { $0.contains("resumePolicy") })
        #expect(e.warnings.contains { $0.contains("only container main") })
    }

    @Test func substitution() throws {
        let e = try LocalExperiment.load(try YAML.parse(Self.manifest(command: "[run, \"--lr=${trialParameters.lr}\", \"${trialSpec.Name}\", \"${trialParameters.lr}${trialParameters.lr}\"]")))
        let cmd = try e.resolvedCommand(assignments: [ParameterAssignment(name: "learning_rate", value: "0.05")], trialName: "exp-1")
        #expect(cmd == ["run", "--lr=0.05", "exp-1", "0.050.05"])
        let bad = try LocalExperiment.load(try YAML.parse(Self.manifest(command: "[run, \"${trialParameters.nope}\"]")))
        #expect(throws: RPCError.self) { try bad.resolvedCommand(assignments: [ParameterAssignment(name: "learning_rate", value: "1")], trialName: "t") }
        #expect(throws: RPCError.self) { try e.resolvedCommand(assignments: [], trialName: "t") }
    }

    @Test func invalidManifestsAreRefused() {
        for (from, to) in [("kind: Experiment", "kind: Job"), ("type: maximize", "type: best"), ("maxTrialCount: 5", "maxTrialCount: many"),
                           ("objectiveMetricName: accuracy", "objectiveMetricName: \"\""), ("parameterType: double", "parameterType: float")] {
            let text = Self.manifest().replacingAll(from, with: to)
            #expect(throws: RPCError.self, "\(to)") { try LocalExperiment.load(try YAML.parse(text)) }
        }
    }
}

@Suite struct MetricsParserTests {
    @Test func katibDefaultFormat() throws {
        let p = try MetricsParser(formats: [], names: ["accuracy", "loss", "val-loss"])
        #expect(p.parse("epoch 3: accuracy=0.91 loss = 1.5e-2").map(\.name) == ["accuracy", "loss"])
        #expect(p.parse("accuracy=0.91 loss = 1.5e-2").map(\.value) == [0.91, 0.015])
        #expect(p.parse("val-loss=-3").first?.value == -3)
        #expect(p.parse("other=1 accuracy=").isEmpty)
        #expect(p.parse("no metrics here").isEmpty)
    }

    @Test func customFormats() throws {
        let p = try MetricsParser(formats: [#"\{"metric": "([\w-]+)", "value": ([\d.]+)\}"#], names: ["acc"])
        #expect(p.parse(#"{"metric": "acc", "value": 0.5}"#).first?.value == 0.5)
        #expect(throws: MetricsParser.ParseFailure.self) { try MetricsParser(formats: ["(unclosed"], names: []) }
    }
}

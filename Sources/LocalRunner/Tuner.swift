#if canImport(Glibc)
import Glibc
#endif
import SuggestionAPI
import Algorithms
import EarlyStopping

/// One trial of a local run, as the results file stores it.
public struct LocalTrial: Sendable {
    public var name: String
    /// Katib's condition names: Running, Succeeded, Failed, EarlyStopped, MetricsUnavailable, Killed.
    public var condition: String
    public var assignments: [ParameterAssignment]
    /// Every report of every experiment metric, in order.
    public var reports: [String: [Double]]
    public var exitStatus: Int?

    /// The value Katib records for `metric` (`min`, `max` or `latest` of its reports).
    public func observed(_ metric: String, strategy: String) -> Double? {
        guard let values = reports[metric], !values.isEmpty else { return nil }
        switch strategy {
        case "min": return values.min()
        case "max": return values.max()
        default: return values.last
        }
    }

    /// The trial as Katib's controller would send it in a request.
    public func apiTrialForRequest(_ e: LocalExperiment) -> Trial { apiTrial(e) }

    func apiTrial(_ e: LocalExperiment) -> Trial {
        let conditions: [String: TrialStatus.TrialConditionType] = [
            "Running": .running, "Succeeded": .succeeded, "Failed": .failed, "EarlyStopped": .earlystopped,
            "MetricsUnavailable": .metricsunavailable, "Killed": .killed]
        var metrics: [Metric] = []
        for (m, strategy) in e.strategies.sorted(by: { $0.key < $1.key }) {
            if let v = observed(m, strategy: strategy) { metrics.append(Metric(name: m, value: ValueFormatting.formatDouble(v))) }
        }
        return Trial(name: name, spec: TrialSpec(parameterAssignments: TrialSpec.ParameterAssignments(assignments: assignments)),
                     status: TrialStatus(condition: conditions[condition] ?? .unknown, observation: Observation(metrics: metrics)))
    }
}

/// Runs a `LocalExperiment`: asks the embedded algorithms (the same `AlgorithmService` the gRPC
/// server uses) for suggestions, runs each trial's command as a local process with the experiment's
/// parallelism, reads metrics from its output as Katib's StdOut collector does, applies early-stopping
/// rules as Katib's file metrics collector does (each rule checked once, at the start_step-th report of
/// its metric, against the best value so far for the objective and the latest value otherwise;
/// start_step 0 checks every report; when every rule has fired the trial is stopped), and stops at
/// the goal, the trial budget or the failure budget. The results file is rewritten after every
/// trial, and a run started with an existing results file continues it.
public final class Tuner {
    public let experiment: LocalExperiment
    let directory: String
    let resultsPath: String?
    let parallel: Int
    let quiet: Bool
    public private(set) var trials: [LocalTrial] = []
    var lastProgress = ""
    static let standardErrorIsTerminal = isatty(2) == 1

    public init(experiment: LocalExperiment, directory: String, resultsPath: String?, parallel: Int?, quiet: Bool) {
        self.experiment = experiment
        self.directory = directory
        self.resultsPath = resultsPath
        self.parallel = parallel ?? experiment.parallelTrialCount
        self.quiet = quiet
    }

    struct Active {
        var index: Int
        var process: ChildProcess
        var rules: [EarlyStoppingRule]
        var counts: [String: Int] = [:]
        var stopped = false
    }

    public enum Outcome: Sendable { case budget, goal, failures }

    public func run() async throws(RPCError) -> Outcome {
        let service = AlgorithmService()
        try service.validate(experiment.experiment)
        var stopping: (any StoppingAlgorithm, Settings)? = nil
        if let es = experiment.experiment.spec?.earlyStopping { stopping = try StoppingAlgorithms.parse(es) }
        let parser: MetricsParser
        do {
            parser = try MetricsParser(formats: experiment.metricsFormats, names: Set([experiment.objectiveMetric] + experiment.additionalMetrics))
        } catch { throw .invalidArgument(error.message) }
        if let path = resultsPath, let text = TextFiles.read(path) {
            trials = try Results.decode(text, experiment: experiment)
            for i in trials.indices where trials[i].condition == "Running" { trials[i].condition = "Killed" }
            log("resuming \(experiment.name) from \(path): \(trials.count) trials")
        }
        // A results file that cannot be written is found now, not after every trial has run.
        if let path = resultsPath, !save() {
            throw .invalidArgument("cannot write the results file \(path) (\(String(cString: strerror(errno)))); choose a writable path with --results")
        }
        var active: [Active] = []
        var outcome = Outcome.budget
        var stopLaunching = false
        while true {
            let failed = trials.filter { $0.condition == "Failed" }.count
            if let maxFailed = experiment.maxFailedTrialCount, failed > maxFailed {
                stopLaunching = true
                outcome = .failures
            }
            if goalReached() {
                stopLaunching = true
                outcome = .goal
            }
            let free = Swift.min(parallel - active.count, experiment.maxTrialCount - trials.count)
            if !stopLaunching && free > 0 {
                let request = GetSuggestionsRequest(experiment: experiment.experiment, trials: trials.map { $0.apiTrial(experiment) },
                                                    currentRequestNumber: Int32(free), totalRequestNumber: Int32(trials.count + free))
                let reply = try service.suggestions(request)
                for pa in reply.parameterAssignments {
                    let name = pa.trialName.isEmpty ? "\(experiment.name)-\(String(trials.count, radix: 36))" : pa.trialName
                    let command = try experiment.resolvedCommand(assignments: pa.assignments, trialName: name)
                    let rules = try await earlyStoppingRules(stopping)
                    let process = try ChildProcess(arguments: command, directory: directory, environment: ["KATIB_TRIAL_NAME": name])
                    trials.append(LocalTrial(name: name, condition: "Running", assignments: pa.assignments, reports: [:]))
                    active.append(Active(index: trials.count - 1, process: process, rules: rules))
                }
                save()
            }
            if active.isEmpty { break }
            for k in active.indices.reversed() {
                let exited = active[k].process.poll()
                for line in active[k].process.readLines() { handle(line, &active[k], parser) }
                guard exited || active[k].stopped else { continue }
                if active[k].stopped { active[k].process.terminate() }
                _ = active[k].process.readLines()
                let i = active[k].index
                trials[i].exitStatus = active[k].process.exitStatus.map(Int.init)
                let hasObjective = !(trials[i].reports[experiment.objectiveMetric] ?? []).isEmpty
                if active[k].stopped {
                    trials[i].condition = "EarlyStopped"
                } else if active[k].process.exitStatus == 0 {
                    trials[i].condition = hasObjective ? "Succeeded" : "MetricsUnavailable"
                } else {
                    trials[i].condition = "Failed"
                }
                active.remove(at: k)
                save()
            }
            progress(running: active.count)
            usleep(20_000)
        }
        if !quiet && Self.standardErrorIsTerminal { writeError("\n") }
        save()
        return outcome
    }

    func handle(_ line: String, _ a: inout Active, _ parser: MetricsParser) {
        // Reports after the stop are not collected (Katib's collector stops reading there).
        for (name, value) in parser.parse(line) where !a.stopped {
            trials[a.index].reports[name, default: []].append(value)
            guard !a.rules.isEmpty else { continue }
            a.counts[name, default: 0] += 1
            let compared = name == experiment.objectiveMetric
                ? trials[a.index].observed(name, strategy: experiment.maximize ? "max" : "min")! : value
            a.rules.removeAll { rule in
                guard rule.name == name else { return false }
                guard rule.startStep == 0 || a.counts[name] == Int(rule.startStep) else { return false }
                guard let threshold = ValueFormatting.parseDouble(rule.value) else { return false }
                switch rule.comparison {
                case .less: return compared < threshold
                case .greater: return compared > threshold
                case .equal: return compared == threshold
                default: return false
                }
            }
            if a.rules.isEmpty { a.stopped = true }
        }
    }

    /// Rules for a trial about to start, from the trials finished so far (logs are in memory here).
    func earlyStoppingRules(_ stopping: (any StoppingAlgorithm, Settings)?) async throws(RPCError) -> [EarlyStoppingRule] {
        guard let (algorithm, settings) = stopping else { return [] }
        let context = StoppingContext(objectiveMetric: experiment.objectiveMetric,
                                      objectiveType: experiment.maximize ? .maximize : .minimize, settings: settings,
                                      trials: trials.map { $0.apiTrial(experiment) }, logs: MemoryLogs(trials: trials))
        return try await algorithm.rules(context)
    }

    func goalReached() -> Bool {
        guard let goal = experiment.goal, let best = bestTrial()?.1 else { return false }
        return experiment.maximize ? best >= goal : best <= goal
    }

    public func bestTrial() -> (LocalTrial, Double)? {
        var best: (LocalTrial, Double)? = nil
        for t in trials where t.condition == "Succeeded" || t.condition == "EarlyStopped" {
            guard let v = t.observed(experiment.objectiveMetric, strategy: experiment.strategies[experiment.objectiveMetric] ?? "latest") else { continue }
            if best == nil || (experiment.maximize ? v > best!.1 : v < best!.1) { best = (t, v) }
        }
        return best
    }

    func progress(running: Int) {
        guard !quiet else { return }
        let done = trials.filter { $0.condition != "Running" }.count
        let failed = trials.filter { ["Failed", "MetricsUnavailable", "Killed"].contains($0.condition) }.count
        let best = bestTrial().map { "\(experiment.objectiveMetric)=\(ValueFormatting.formatDouble($0.1)) (\($0.0.name))" } ?? "none yet"
        let line = "[\(experiment.name)] \(done)/\(experiment.maxTrialCount) done, \(running) running, \(failed) failed, best \(best)"
        guard line != lastProgress else { return }
        lastProgress = line
        // A live line (carriage return, erase-line escape) only on a terminal; plain lines in log files.
        writeError(Self.standardErrorIsTerminal ? "\r\u{1B}[2K" + line : line + "\n")
    }

    func log(_ message: String) { if !quiet { writeError(message + "\n") } }

    /// Writes the results file; false when it could not be written (errno says why).
    @discardableResult
    func save() -> Bool {
        guard let path = resultsPath else { return true }
        return TextFiles.write(path, Results.encode(trials, experiment: experiment))
    }

    /// The final table: trials sorted by objective (best first), then the others.
    public func report() -> String {
        let metric = experiment.objectiveMetric
        let strategy = experiment.strategies[metric] ?? "latest"
        let sorted = trials.sorted { a, b in
            let va = a.observed(metric, strategy: strategy), vb = b.observed(metric, strategy: strategy)
            switch (va, vb) {
            case let (x?, y?): return experiment.maximize ? x > y : x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.name < b.name
            }
        }
        var lines = ["trial                          condition            \(metric)    assignments"]
        for t in sorted {
            let v = t.observed(metric, strategy: strategy).map(ValueFormatting.formatDouble) ?? "-"
            let a = t.assignments.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
            lines.append(t.name.padding(30) + " " + t.condition.padding(20) + " " + v.padding(metric.count + 3) + " " + a)
        }
        if let (t, v) = bestTrial() {
            lines.append("")
            lines.append("best: \(t.name) \(metric)=\(ValueFormatting.formatDouble(v))")
            for a in t.assignments { lines.append("  \(a.name) = \(a.value)") }
        }
        return lines.joined(separator: "\n")
    }
}

/// Observation logs of the local trials, in report order.
struct MemoryLogs: ObservationLogSource {
    let trials: [LocalTrial]
    func values(trial: String, metric: String) async throws(RPCError) -> [Double] {
        trials.first { $0.name == trial }?.reports[metric] ?? []
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

/// One write(2) to standard error.
public func writeError(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// The results file: JSON `{"experiment": name, "objective": metric, "trials": [{"name",
/// "condition", "assignments": {name: value}, "reports": {metric: [values]}, "exitStatus"}]}`.
public enum Results {
    public static func encode(_ trials: [LocalTrial], experiment: LocalExperiment) -> String {
        let items: [JSONValue] = trials.map { t in
            var members: [(String, JSONValue)] = [
                ("name", .string(t.name)), ("condition", .string(t.condition)),
                ("assignments", .object(t.assignments.map { ($0.name, .string($0.value)) })),
                ("reports", .object(t.reports.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map { .number(ValueFormatting.formatDouble($0)) })) })),
            ]
            if let e = t.exitStatus { members.append(("exitStatus", .number(String(e)))) }
            return .object(members)
        }
        return JSONValue.object([("experiment", .string(experiment.name)), ("objective", .string(experiment.objectiveMetric)),
                                 ("trials", .array(items))]).serialized + "\n"
    }

    public static func decode(_ text: String, experiment: LocalExperiment) throws(RPCError) -> [LocalTrial] {
        let root: JSONValue
        do { root = try JSONValue.parse(text) } catch { throw .invalidArgument("the results file is not valid JSON: \(error.message)") }
        guard root["experiment"]?.stringValue == experiment.name else {
            throw .invalidArgument("the results file belongs to experiment \(root["experiment"]?.stringValue ?? "?"), not \(experiment.name)")
        }
        var out: [LocalTrial] = []
        for t in root["trials"]?.arrayValue ?? [] {
            guard let name = t["name"]?.stringValue, let condition = t["condition"]?.stringValue else {
                throw .invalidArgument("the results file has a trial without name or condition")
            }
            let assignments = objectMembers(t["assignments"] ?? .object([])).compactMap { k, v in v.stringValue.map { ParameterAssignment(name: k, value: $0) } }
            var reports: [String: [Double]] = [:]
            for (k, v) in objectMembers(t["reports"] ?? .object([])) {
                reports[k] = (v.arrayValue ?? []).compactMap { x in scalarText(x).flatMap(ValueFormatting.parseDouble) }
            }
            out.append(LocalTrial(name: name, condition: condition, assignments: assignments, reports: reports,
                                  exitStatus: t["exitStatus"].flatMap(scalarText).flatMap { Int($0) }))
        }
        return out
    }
}

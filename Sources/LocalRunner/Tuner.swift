#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import SuggestionAPI
import LocalSystem
import Algorithms
import EarlyStopping

/// One trial of a local run, as the results file stores it.
public struct LocalTrial: Sendable {
    public var name: String
    /// Katib's condition names: Running, Succeeded, Failed, EarlyStopped, MetricsUnavailable, Killed;
    /// and Interrupted (local only: stopped by Ctrl-C or SIGTERM, run again on resume).
    public var condition: String
    public var assignments: [ParameterAssignment]
    /// Every report of every experiment metric, in order.
    public var reports: [String: [Double]]
    public var exitStatus: Int?
    /// UTC start and end (`YYYY-MM-DDTHH:MM:SSZ`) and the run time in seconds.
    public var startTime: String?
    public var endTime: String?
    public var durationSeconds: Double?
    /// Why the trial did not succeed, in words (nil when it did).
    public var explanation: String?
    /// The last lines of standard error (failed trials) or of all output (trials without metrics).
    public var outputTail: [String] = []
    /// The labels the algorithm gave the trial (Katib sets them on the Trial).
    public var labels: [String: String] = [:]

    public init(name: String, condition: String, assignments: [ParameterAssignment], reports: [String: [Double]],
                exitStatus: Int? = nil) {
        self.name = name
        self.condition = condition
        self.assignments = assignments
        self.reports = reports
        self.exitStatus = exitStatus
    }

    /// The value Katib records for `metric` (`min`, `max` or `latest` of its reports).
    public func observed(_ metric: String, strategy: String) -> Double? {
        guard let values = reports[metric], !values.isEmpty else { return nil }
        switch strategy {
        case "min": return values.min()
        case "max": return values.max()
        default: return values.last
        }
    }

    /// Counts against `maxFailedTrialCount` (Katib: Failed and MetricsUnavailable).
    public var isFailure: Bool { condition == "Failed" || condition == "MetricsUnavailable" }

    /// The trial as Katib's controller would send it in a request.
    public func apiTrialForRequest(_ e: LocalExperiment) -> Trial { apiTrial(e) }

    func apiTrial(_ e: LocalExperiment) -> Trial {
        // An interrupted trial is about to run again: pending, as Katib sends a trial that runs.
        let conditions: [String: TrialStatus.TrialConditionType] = [
            "Running": .running, "Interrupted": .running, "Succeeded": .succeeded, "Failed": .failed,
            "EarlyStopped": .earlystopped, "MetricsUnavailable": .metricsunavailable, "Killed": .killed]
        var metrics: [Metric] = []
        for (m, strategy) in e.strategies.sorted(by: { $0.key < $1.key }) {
            if let v = observed(m, strategy: strategy) { metrics.append(Metric(name: m, value: ValueFormatting.formatDouble(v))) }
        }
        return Trial(name: name, spec: TrialSpec(parameterAssignments: TrialSpec.ParameterAssignments(assignments: assignments)),
                     status: TrialStatus(condition: conditions[condition] ?? .unknown, observation: Observation(metrics: metrics)))
    }
}

/// Ctrl-C and SIGTERM while `tune` runs: counted by the handlers `Tuner.run` installs, read by its loop.
enum Interrupts {
    static let count = Atomic<Int>(0)
    static let lastSignal = Atomic<Int32>(0)
}

/// Runs a `LocalExperiment`: asks the embedded algorithms (the same `AlgorithmService` the gRPC
/// server uses) for suggestions, runs each trial's command as a local process (in a process group of
/// its own) with the experiment's parallelism, reads metrics from its output as Katib's StdOut
/// collector does, applies early-stopping rules as Katib's file metrics collector does (each rule
/// checked once, at the start_step-th report of its metric, against the best value so far for the
/// objective and the latest value otherwise; start_step 0 checks every report; when every rule has
/// fired the trial is stopped), and stops as Katib's experiment controller does: at the goal, when
/// Failed plus MetricsUnavailable trials reach `maxFailedTrialCount`, when `maxTrialCount` trials have
/// finished, or when the algorithm has nothing left to suggest.
///
/// Files: the results file is rewritten after every change; each trial's standard output and error
/// go to `<results>.d/<trial>/stdout.log` and `stderr.log`. A run started with an existing results
/// file continues it: trials that were running or interrupted run again with the same name and
/// assignments (they are not new trials, so they do not use up the budget).
///
/// Interrupts: the first SIGINT or SIGTERM stops launching and sends SIGTERM to every running
/// trial's process group, then SIGKILL after `graceSeconds`; a second one sends SIGKILL at once.
/// Those trials are recorded as Interrupted.
public final class Tuner {
    public let experiment: LocalExperiment
    let directory: String
    let resultsPath: String?
    let parallel: Int
    let quiet: Bool
    public private(set) var trials: [LocalTrial] = []
    public private(set) var outcome: Outcome? = nil
    var lastProgress = ""
    static let standardErrorIsTerminal = isatty(2) == 1
    /// Seconds between SIGTERM and SIGKILL for the trials of an interrupted run.
    static let graceSeconds = 5.0
    /// Lines of a failed trial's output kept in the results and shown in the table.
    static let tailLines = 8

    public init(experiment: LocalExperiment, directory: String, resultsPath: String?, parallel: Int?, quiet: Bool) {
        self.experiment = experiment
        self.directory = directory
        self.resultsPath = resultsPath
        self.parallel = parallel ?? experiment.parallelTrialCount
        self.quiet = quiet
    }

    /// Where trial output goes: `<results>.d`.
    public var runDirectory: String? { resultsPath.map { $0 + ".d" } }

    /// The HTML report (`HTMLReport`): the results path with `.html` for `.json`, else `.html` added.
    public var reportPath: String? {
        resultsPath.map { $0.hasSuffix(".json") ? String($0.dropLast(5)) + ".html" : $0 + ".html" }
    }

    struct Active {
        var index: Int
        var process: ChildProcess
        var rules: [EarlyStoppingRule]
        var counts: [String: Int] = [:]
        var stopped = false
        var started: ContinuousClock.Instant
        var log: TrialLog
        /// The File collector's file for this trial, and how much of it has been read.
        var metricsFile: String? = nil
        var metricsOffset = 0
    }

    /// Why a run stopped (Katib's experiment conditions, and a local interrupt).
    public enum Outcome: Sendable, Equatable {
        case goal, budget, failures, exhausted(String), interrupted

        /// The sentence the summary and the results file show.
        public func sentence(_ e: LocalExperiment, _ trials: [LocalTrial]) -> String {
            switch self {
            case .goal: return "the objective goal was reached (Katib: Succeeded, ExperimentGoalReached)"
            case .budget: return "maxTrialCount (\(e.maxTrialCount)) trials have finished (Katib: Succeeded, ExperimentMaxTrialsReached)"
            case .failures:
                let n = trials.filter(\.isFailure).count
                return "\(n) trials failed or reported no metrics, maxFailedTrialCount is \(e.maxFailedTrialCount ?? 0) (Katib: Failed, ExperimentFailed)"
            case .exhausted(let why): return "the algorithm has nothing left to suggest: \(why) (Katib: Succeeded, ExperimentSuggestionEndReached)"
            case .interrupted: return "interrupted; the running trials were stopped and are run again on resume"
            }
        }

        /// The stop reason's short name in the results file.
        public var name: String {
            switch self {
            case .goal: return "GoalReached"
            case .budget: return "MaxTrialsReached"
            case .failures: return "MaxFailedTrialsReached"
            case .exhausted: return "SuggestionEndReached"
            case .interrupted: return "Interrupted"
            }
        }
    }

    public func run() async throws(RPCError) -> Outcome {
        let service = AlgorithmService()
        try service.validate(experiment.experiment)
        var stopping: (any StoppingAlgorithm, Settings)? = nil
        if let es = experiment.experiment.spec?.earlyStopping { stopping = try StoppingAlgorithms.parse(es) }
        let parser: MetricsParser
        do {
            parser = try MetricsParser(formats: experiment.metricsFormats, names: Set([experiment.objectiveMetric] + experiment.additionalMetrics))
        } catch { throw .invalidArgument(error.message) }
        var rerun: [Int] = []
        if let path = resultsPath, let text = TextFiles.read(path) {
            trials = try Results.decode(text, experiment: experiment)
            rerun = trials.indices.filter { trials[$0].condition == "Running" || trials[$0].condition == "Interrupted" }
            log("resuming \(experiment.name) from \(path): \(trials.count) trials" + (rerun.isEmpty ? "" : ", \(rerun.count) of them run again"))
        }
        // A results file that cannot be written is found now, not after every trial has run.
        if let path = resultsPath, !save() {
            throw .invalidArgument("cannot write the results file \(path) (\(String(cString: strerror(errno)))); choose a writable path with --results")
        }
        if let run = runDirectory, !TrialLog.makeDirectory(run) {
            throw .invalidArgument("cannot create the trial log directory \(run) (\(String(cString: strerror(errno)))); choose another --results")
        }
        Interrupts.count.store(0, ordering: .relaxed)
        let previous = (signal(SIGINT, Tuner.onSignal), signal(SIGTERM, Tuner.onSignal))
        defer {
            signal(SIGINT, previous.0)
            signal(SIGTERM, previous.1)
        }

        var active: [Active] = []
        var stopLaunching = false
        var interruptedAt: ContinuousClock.Instant? = nil
        var killed = false
        while true {
            let interrupts = Interrupts.count.load(ordering: .relaxed)
            if interrupts > 0 && interruptedAt == nil {
                interruptedAt = .now
                stopLaunching = true
                outcome = .interrupted
                log("\ninterrupted: stopping \(active.count) running trials (SIGTERM, SIGKILL after \(Int(Self.graceSeconds)) s; interrupt again to kill them now)")
                for a in active { a.process.signalGroup(SIGTERM) }
            }
            if let at = interruptedAt, !killed, interrupts > 1 || at.duration(to: .now) > .seconds(Self.graceSeconds) {
                killed = true
                for a in active { a.process.signalGroup(SIGKILL) }
            }
            if outcome == nil, let maxFailed = experiment.maxFailedTrialCount {
                let failed = trials.filter(\.isFailure).count
                if failed > 0 && failed >= maxFailed { stopLaunching = true; outcome = .failures }
            }
            if outcome == nil, goalReached() {
                stopLaunching = true
                outcome = .goal
            }
            if !stopLaunching {
                while let i = rerun.first, active.count < parallel {
                    rerun.removeFirst()
                    trials[i].condition = "Running"
                    trials[i].reports = [:]
                    active.append(try await launch(i, stopping))
                }
                let free = Swift.min(parallel - active.count, experiment.maxTrialCount - trials.count)
                if free > 0 && rerun.isEmpty {
                    let request = GetSuggestionsRequest(experiment: experiment.experiment, trials: trials.map { $0.apiTrial(experiment) },
                                                        currentRequestNumber: Int32(free), totalRequestNumber: Int32(trials.count + free))
                    do {
                        let reply = try service.suggestions(request)
                        for pa in reply.parameterAssignments {
                            let name = pa.trialName.isEmpty ? "\(experiment.name)-\(String(trials.count, radix: 36))" : pa.trialName
                            // A template that cannot take these assignments stops the run before the trial exists.
                            let resolved = try experiment.resolved(assignments: pa.assignments, trialName: name, labels: pa.labels)
                            var trial = LocalTrial(name: name, condition: "Running", assignments: pa.assignments, reports: [:])
                            trial.labels = pa.labels
                            trials.append(trial)
                            active.append(try await launch(trials.count - 1, stopping, resolved: resolved))
                        }
                    } catch let e where e.code == .failedPrecondition {
                        // Katib ends the experiment when the algorithm has nothing left (grid exhausted).
                        stopLaunching = true
                        outcome = .exhausted(e.message)
                    }
                }
                save()
            }
            // Nothing runs after the launch phase: nothing more can be launched (budget, stop, or an
            // algorithm that proposed nothing), so the run is over.
            if active.isEmpty { break }
            for k in active.indices.reversed() {
                let exited = active[k].process.poll()
                let fromFile = active[k].metricsFile != nil
                for (stream, line) in active[k].process.readLines() {
                    active[k].log.write(stream, line)
                    if !fromFile { handle(line, &active[k], parser) }
                }
                for line in metricsFileLines(&active[k]) {
                    handle(reports(line, json: experiment.metricsFileFormat == "JSON", parser), &active[k])
                }
                guard exited || active[k].stopped else { continue }
                if active[k].stopped { active[k].process.terminate() }
                for (stream, line) in active[k].process.readLines() { active[k].log.write(stream, line) }
                for line in metricsFileLines(&active[k]) where !active[k].stopped {
                    handle(reports(line, json: experiment.metricsFileFormat == "JSON", parser), &active[k])
                }
                finish(active[k], interrupted: interruptedAt != nil, parser)
                active.remove(at: k)
                save()
            }
            progress(running: active.count)
            usleep(20_000)
        }
        if !quiet && Self.standardErrorIsTerminal { writeError("\n") }
        let result = outcome ?? .budget
        outcome = result
        save()
        return result
    }

    /// Starts trial `i` (its name and assignments are set), with its template already substituted
    /// when the caller has done it (`resolved`).
    func launch(_ i: Int, _ stopping: (any StoppingAlgorithm, Settings)?,
                resolved: (command: [String], environment: [String: String])? = nil) async throws(RPCError) -> Active {
        let name = trials[i].name
        var (command, environment) = if let resolved { resolved } else {
            try experiment.resolved(assignments: trials[i].assignments, trialName: name, labels: trials[i].labels)
        }
        let rules = try await earlyStoppingRules(stopping)
        let trialDirectory = (runDirectory ?? directory + "/.tune") + "/" + TrialLog.safeName(name)
        let log = TrialLog(directory: trialDirectory)
        // The File collector's path (Katib's examples use /var/log/katib/… or /katib/…, not writable
        // here) becomes a file in the trial's directory, and the command and env that name it are
        // rewritten to match.
        var metricsFile: String? = nil
        if let path = experiment.metricsFile {
            let local = trialDirectory + "/metrics/" + (path.split(separator: "/").last.map(String.init) ?? "metrics")
            _ = TrialLog.makeDirectory(trialDirectory + "/metrics")
            _ = unlink(local)
            command = command.map { $0.replacingAll(path, with: local) }
            environment = environment.mapValues { $0.replacingAll(path, with: local) }
            metricsFile = local
        }
        environment["KATIB_TRIAL_NAME"] = name
        let process = try ChildProcess(arguments: command, directory: directory, environment: environment)
        trials[i].startTime = TextFiles.utcTimestamp()
        trials[i].endTime = nil
        trials[i].durationSeconds = nil
        trials[i].exitStatus = nil
        trials[i].explanation = nil
        trials[i].outputTail = []
        return Active(index: i, process: process, rules: rules, started: .now, log: log, metricsFile: metricsFile)
    }

    /// Records how trial `a` ended.
    func finish(_ a: Active, interrupted: Bool, _ parser: MetricsParser) {
        let i = a.index
        let elapsed = a.started.duration(to: .now)
        trials[i].endTime = TextFiles.utcTimestamp()
        trials[i].durationSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        trials[i].exitStatus = a.process.exitStatus.map(Int.init)
        let hasObjective = !(trials[i].reports[experiment.objectiveMetric] ?? []).isEmpty
        if a.stopped {
            trials[i].condition = "EarlyStopped"
        } else if interrupted && (a.process.exitStatus != 0 || !hasObjective) {
            // Stopped by the interrupt (a trial that exits 0 on SIGTERM without its metric too).
            trials[i].condition = "Interrupted"
            trials[i].explanation = "stopped by the interrupt of the run (\(a.process.explanation ?? "exited"))"
        } else if a.process.exitStatus == 0 {
            if hasObjective {
                trials[i].condition = "Succeeded"
            } else {
                trials[i].condition = "MetricsUnavailable"
                let formats = parser.formatTexts.map { "/\($0)/" }.joined(separator: " or ")
                trials[i].explanation = "the trial exited with status 0 but printed no value for \(experiment.objectiveMetric): "
                    + "a line must match \(formats) with \(experiment.objectiveMetric) as the name, e.g. \"\(experiment.objectiveMetric)=0.25\""
                trials[i].outputTail = a.log.tail(.stdout)
            }
        } else {
            trials[i].condition = "Failed"
            trials[i].explanation = a.process.explanation
            trials[i].outputTail = a.log.tail(.stderr)
        }
    }

    /// SIGINT and SIGTERM while running: counted, acted on by the loop.
    static let onSignal: @convention(c) (Int32) -> Void = { signal in
        Interrupts.lastSignal.store(signal, ordering: .relaxed)
        Interrupts.count.add(1, ordering: .relaxed)
    }

    /// The metric reports of one output line (StdOut collector) or metrics-file line (File
    /// collector: TEXT lines through the formats, JSON lines as objects whose members named like a
    /// metric carry its value as a number or a numeric string, as Katib's file collector reads them).
    func reports(_ line: String, json: Bool, _ parser: MetricsParser) -> [(name: String, value: Double)] {
        guard json else { return parser.parse(line) }
        guard let object = try? JSONValue.parse(line) else { return [] }
        return objectMembers(object).compactMap { key, value in
            guard parser.names.contains(key), let text = scalarText(value), let v = ValueFormatting.parseDouble(text) else { return nil }
            return (key, v)
        }
    }

    /// New complete lines of the trial's metrics file (File collector).
    func metricsFileLines(_ a: inout Active) -> [String] {
        guard let path = a.metricsFile, let text = TextFiles.read(path) else { return [] }
        let bytes = Array(text.utf8)
        guard bytes.count > a.metricsOffset, let last = bytes.lastIndex(of: 10), last >= a.metricsOffset else { return [] }
        let fresh = String(decoding: bytes[a.metricsOffset...last], as: UTF8.self)
        a.metricsOffset = last + 1
        return fresh.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    func handle(_ line: String, _ a: inout Active, _ parser: MetricsParser) {
        handle(parser.parse(line), &a)
    }

    func handle(_ found: [(name: String, value: Double)], _ a: inout Active) {
        // Reports after the stop are not collected (Katib's collector stops reading there).
        for (name, value) in found where !a.stopped {
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
        let failed = trials.filter(\.isFailure).count
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
        guard TextFiles.write(path, Results.encode(trials, experiment: experiment, outcome: outcome)) else { return false }
        if let report = reportPath { TextFiles.write(report, HTMLReport.render(trials, experiment: experiment, outcome: outcome)) }
        return true
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
        let activity = ParameterActivity(experiment)
        var lines = ["trial                          condition            \(metric)    assignments"]
        for t in sorted {
            let v = t.observed(metric, strategy: strategy).map(ValueFormatting.formatDouble) ?? "-"
            let inactive = activity.inactive(t.assignments)
            let a = t.assignments.map { ParameterActivity.text($0, inactive: inactive) }.joined(separator: " ")
            lines.append(t.name.padding(30) + " " + t.condition.padding(20) + " " + v.padding(metric.count + 3) + " " + a)
            if let why = t.explanation, t.condition != "Succeeded" {
                lines.append("    " + why)
                for line in t.outputTail { lines.append("    | " + line) }
            }
        }
        if let run = runDirectory, trials.contains(where: { $0.explanation != nil }) {
            lines.append("")
            lines.append("trial output: \(run)/<trial>/stdout.log and stderr.log")
        }
        if let (t, v) = bestTrial() {
            lines.append("")
            lines.append("best: \(t.name) \(metric)=\(ValueFormatting.formatDouble(v))")
            let inactive = activity.inactive(t.assignments)
            for a in t.assignments { lines.append("  \(a.name) = \(inactive.contains(a.name) ? "(inactive)" : a.value)") }
        }
        lines += ParetoFront.lines(trials, experiment)
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

/// The results file, indented JSON: `{"experiment": name, "objective": metric, "stopReason",
/// "stopMessage", "trials": [{"name", "condition", "assignments": {name: value}, "reports": {metric:
/// [every report in order]}, "exitStatus", "startTime", "endTime", "durationSeconds", "explanation",
/// "outputTail"}]}` (the stop fields once the run has stopped; the trial fields after the first four
/// when known).
public enum Results {
    public static func encode(_ trials: [LocalTrial], experiment: LocalExperiment, outcome: Tuner.Outcome? = nil) -> String {
        let items: [JSONValue] = trials.map { t in
            var members: [(String, JSONValue)] = [
                ("name", .string(t.name)), ("condition", .string(t.condition)),
                ("assignments", .object(t.assignments.map { ($0.name, .string($0.value)) })),
                ("reports", .object(t.reports.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map { .number(ValueFormatting.formatDouble($0)) })) })),
            ]
            if let e = t.exitStatus { members.append(("exitStatus", .number(String(e)))) }
            if let v = t.startTime { members.append(("startTime", .string(v))) }
            if let v = t.endTime { members.append(("endTime", .string(v))) }
            if let v = t.durationSeconds { members.append(("durationSeconds", .number(ValueFormatting.formatDouble((v * 1000).rounded() / 1000)))) }
            if !t.labels.isEmpty { members.append(("labels", .object(t.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))) }
            if let v = t.explanation { members.append(("explanation", .string(v))) }
            if !t.outputTail.isEmpty { members.append(("outputTail", .array(t.outputTail.map { .string($0) }))) }
            return .object(members)
        }
        var root: [(String, JSONValue)] = [("experiment", .string(experiment.name)), ("objective", .string(experiment.objectiveMetric))]
        if let outcome {
            root.append(("stopReason", .string(outcome.name)))
            root.append(("stopMessage", .string(outcome.sentence(experiment, trials))))
        }
        root.append(("trials", .array(items)))
        return JSONValue.object(root).indented + "\n"
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
            var trial = LocalTrial(name: name, condition: condition, assignments: assignments, reports: reports,
                                   exitStatus: t["exitStatus"].flatMap(scalarText).flatMap { Int($0) })
            trial.startTime = t["startTime"]?.stringValue
            trial.endTime = t["endTime"]?.stringValue
            trial.durationSeconds = t["durationSeconds"].flatMap(scalarText).flatMap(ValueFormatting.parseDouble)
            trial.explanation = t["explanation"]?.stringValue
            for (k, v) in objectMembers(t["labels"] ?? .object([])) { trial.labels[k] = v.stringValue ?? "" }
            trial.outputTail = (t["outputTail"]?.arrayValue ?? []).compactMap(\.stringValue)
            out.append(trial)
        }
        return out
    }
}

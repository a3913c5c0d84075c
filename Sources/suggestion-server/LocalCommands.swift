#if canImport(Glibc)
import Glibc
#endif
import SuggestionAPI
import LocalSystem
import GRPCTransport
import LocalRunner

/// `suggestion-server tune` and `suggestion-server suggest`.
enum LocalCommands {
    static let usage = tuneUsage + "\n" + suggestUsage

    static let tuneUsage = """
        USAGE: suggestion-server tune EXPERIMENT.yaml [--results FILE] [--csv FILE] [--parallel N] [--strict] [--quiet]

        Runs a Katib Experiment (kubeflow.org/v1beta1; the first document of that kind in the file)
        on this machine: the trial template's command
        (a Job's container, the primary replica of a PyTorchJob, TFJob, XGBoostJob, MPIJob, JAXJob or
        PaddleJob, or a TrainJob's trainer) runs as local processes, parallelTrialCount at a time;
        metrics are read as Katib's StdOut or File collector reads them; suggestions come from the
        algorithms the server serves. It stops as Katib does: at the goal, when maxTrialCount trials
        have finished, when failed trials (Failed and MetricsUnavailable) reach maxFailedTrialCount
        (exit status 1), or when the algorithm has nothing left to suggest.

          --results FILE   results (JSON), rewritten after every trial; default <EXPERIMENT>.results.json
                           beside the manifest. Running again with the same file continues the run.
                           Each trial's stdout and stderr are kept in FILE.d/<trial>/, and a
                           self-contained HTML report (history, parameters, intermediate values,
                           table) is written beside it (FILE with .html for .json).
          --csv FILE       also write the trials as CSV (one row per trial, one column per parameter
                           and metric) when the run stops.
          --parallel N     trials at a time instead of parallelTrialCount.
          --strict         refuse fields Katib's Experiment does not have (they are warnings otherwise).
          --quiet          no progress or warnings on standard error.

        Ctrl-C (or SIGTERM) stops the running trials (SIGTERM to their process groups, SIGKILL after
        5 s, or at once on a second Ctrl-C), prints the table and the command that resumes the run;
        the interrupted trials run again on resume. Exit status: 0 succeeded, 1 the experiment
        failed, 2 bad input, 130 interrupted.
        """

    static let suggestUsage = """
        USAGE: suggestion-server suggest --target HOST:PORT EXPERIMENT.yaml [--results FILE] [--count N]

        Sends one GetSuggestions for the Experiment (with the trials of a tune results file, if
        given) to a running server and prints the reply as JSON.

          --target HOST:PORT   the suggestion service to ask.
          --results FILE       trials to send, from a `tune` results file.
          --count N            suggestions to ask for (default parallelTrialCount).
        """

    static func run(_ arguments: [String]) async -> Int32 {
        let command = arguments[0]
        var rest = Array(arguments.dropFirst())
        var options: [String: String] = [:]
        var flags: Set<String> = []
        var positional: [String] = []
        while !rest.isEmpty {
            let a = rest.removeFirst()
            switch a {
            case "--results", "--parallel", "--target", "--count", "--csv":
                guard !rest.isEmpty else { return fail("\(a) needs a value") }
                options[a] = rest.removeFirst()
            case "--quiet", "--strict": flags.insert(a)
            case "-h", "--help": print(command == "tune" ? tuneUsage : command == "suggest" ? suggestUsage : usage); return 0
            case "--version": print("suggestion-server \(serverVersion)"); return 0
            default:
                if a.hasPrefix("-") { return fail("unknown option \(a)") }
                positional.append(a)
            }
        }
        guard positional.count == 1 else { return fail("give exactly one Experiment manifest") }
        let path = positional[0]
        guard let text = TextFiles.read(path) else { return fail("cannot read \(path)") }
        let experiment: LocalExperiment
        do {
            experiment = try LocalExperiment.load(try YAML.documents(text), strict: flags.contains("--strict"))
        } catch let e as YAML.ParseError {
            return fail("\(path): \(e)")
        } catch let e as RPCError {
            return fail("\(path): \(e.message)")
        } catch {
            return fail("\(path): \(error)")
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        switch command {
        case "tune":
            for w in experiment.warnings where !flags.contains("--quiet") { writeError("warning: \(w)\n") }
            var parallel: Int? = nil
            if let p = options["--parallel"] {
                guard let n = Int(p), n >= 1 else { return fail("--parallel must be a positive integer") }
                parallel = n
            }
            let base = [".yaml", ".yml", ".json"].first(where: path.hasSuffix).map { String(path.dropLast($0.count)) } ?? path
            let results = options["--results"] ?? base + ".results.json"
            let tuner = Tuner(experiment: experiment, directory: directory, resultsPath: results, parallel: parallel,
                              quiet: flags.contains("--quiet"))
            do {
                let outcome = try await tuner.run()
                print(tuner.report())
                print("stopped: \(outcome.sentence(experiment, tuner.trials))")
                print("results: \(results)")
                if let report = tuner.reportPath { print("report: \(report)") }
                if let csv = options["--csv"] {
                    guard TextFiles.write(csv, CSVExport.render(tuner.trials, experiment: experiment)) else {
                        return fail("cannot write \(csv) (\(String(cString: strerror(errno))))")
                    }
                    print("csv: \(csv)")
                }
                switch outcome {
                case .failures: return 1
                case .interrupted:
                    let quoted = ([CommandLine.arguments[0], "tune", path, "--results", results]
                                  + (options["--parallel"].map { ["--parallel", $0] } ?? [])).map(shellQuoted).joined(separator: " ")
                    print("resume with: \(quoted)")
                    return 130
                default: return 0
                }
            } catch {
                print(tuner.report())
                return fail("\(error.code): \(error.message)")
            }
        case "suggest":
            guard let target = options["--target"], let colon = target.lastIndex(of: ":"), let port = Int(target[target.index(after: colon)...]) else {
                return fail("suggest needs --target HOST:PORT")
            }
            var count = experiment.parallelTrialCount
            if let c = options["--count"] {
                guard let n = Int(c), n >= 1 else { return fail("--count must be a positive integer, got \"\(c)\"") }
                count = n
            }
            var trials: [Trial] = []
            if let r = options["--results"] {
                guard let t = TextFiles.read(r) else { return fail("cannot read \(r)") }
                do { trials = try Results.decode(t, experiment: experiment).map { $0.apiTrialForRequest(experiment) } } catch {
                    return fail(error.message)
                }
            }
            let request = GetSuggestionsRequest(experiment: experiment.experiment, trials: trials, currentRequestNumber: Int32(count),
                                                totalRequestNumber: Int32(trials.count + count))
            let client = GRPCClient(host: String(target[..<colon]), port: port)
            do {
                let reply = try await client.call(.getSuggestions, request, timeout: .seconds(60))
                let items: [JSONValue] = reply.parameterAssignments.map { pa in
                    .object([("trialName", .string(pa.trialName)),
                             ("assignments", .object(pa.assignments.map { ($0.name, .string($0.value)) })),
                             ("labels", .object(pa.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))])
                }
                print(JSONValue.object([("parameterAssignments", .array(items))]).serialized)
                return 0
            } catch {
                return fail("\(error.code): \(error.message)")
            }
        default:
            return fail("unknown command \(command)")
        }
    }

    /// `text` as one shell word (single-quoted unless it is plain).
    static func shellQuoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,@+".contains($0) }
        return plain ? text : "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    static func fail(_ message: String) -> Int32 {
        writeError("suggestion-server: \(message)\n")
        return 2
    }
}

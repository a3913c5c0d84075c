#if canImport(Glibc)
import Glibc
#endif
import SuggestionAPI
import LocalRunner

/// `suggestion-server tune` and `suggestion-server suggest`.
enum LocalCommands {
    static let usage = """
        USAGE: suggestion-server tune EXPERIMENT.yaml [--results FILE] [--parallel N] [--quiet]
               suggestion-server suggest --target HOST:PORT EXPERIMENT.yaml [--results FILE] [--count N]

        tune     runs a Katib Experiment (kubeflow.org/v1beta1) on this machine: the trial template's
                 command runs as local processes (parallelTrialCount at a time, or --parallel), metrics
                 are read from their output as Katib's StdOut collector reads them, and suggestions
                 come from the same algorithms the server serves. Results go to FILE (default
                 <EXPERIMENT>.results.json beside the manifest) after every trial; running again with
                 the same file continues the experiment.
        suggest  sends one GetSuggestions for the Experiment (with the trials of a results file, if
                 given) to a running server and prints the reply as JSON.
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
            case "--results", "--parallel", "--target", "--count":
                guard !rest.isEmpty else { return fail("\(a) needs a value") }
                options[a] = rest.removeFirst()
            case "--quiet": flags.insert(a)
            case "-h", "--help": print(usage); return 0
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
            experiment = try LocalExperiment.load(try YAML.parse(text))
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
            let base = path.hasSuffix(".yaml") ? String(path.dropLast(5)) : path.hasSuffix(".yml") ? String(path.dropLast(4)) : path
            let results = options["--results"] ?? base + ".results.json"
            let tuner = Tuner(experiment: experiment, directory: directory, resultsPath: results, parallel: parallel,
                              quiet: flags.contains("--quiet"))
            do {
                let outcome = try await tuner.run()
                print(tuner.report())
                switch outcome {
                case .goal: print("stopped: goal reached")
                case .budget: print("stopped: \(experiment.maxTrialCount) trials")
                case .failures:
                    print("stopped: more than \(experiment.maxFailedTrialCount ?? 0) trials failed")
                    return 1
                }
                print("results: \(results)")
                return 0
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
                let bytes = try await client.unary(path: MethodPath.getSuggestions, request: request.serializedBytes(), timeout: .seconds(60))
                let reply = try GetSuggestionsReply(serializedBytes: bytes)
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

    static func fail(_ message: String) -> Int32 {
        writeError("suggestion-server: \(message)\n")
        return 2
    }
}

import SuggestionAPI
import GRPCTransport

/// Command-line options of `suggestion-server`. Parsing is hand-written: four flags do not earn a
/// package dependency.
struct Options {
    enum Service: String { case suggestions, earlyStopping = "early-stopping" }
    var service = Service.suggestions
    var host = "0.0.0.0"
    /// nil: the service's Katib port (6789 suggestions, 6788 early stopping).
    var explicitPort: Int?
    var port: Int { explicitPort ?? (service == .suggestions ? 6789 : 6788) }
    /// Kubernetes API access for SetTrialStatus; nil fields keep the in-cluster defaults.
    var kubeAPI: (host: String, port: Int)?
    var kubeTokenFile: String?
    var kubeCAFile: String?
    var kubeNamespace: String?
    /// DBManager addresses admitted besides Katib's own (`DBManagerPolicy.katib`); "*" admits any.
    var dbManagerAllowed: [String] = []
    /// nil serves every registered algorithm.
    var algorithms: Set<String>? = nil
    var eventLoops = ServerConfiguration().eventLoops
    var maxMessageBytes = 64 << 20
    /// The per-call budget (`ServerConfiguration.maxCallDuration`), in seconds.
    var maxCallSeconds = 60
    /// `ServerConfiguration.stalledRequestTimeout`, in seconds.
    var stalledRequestSeconds = 30
    var logCalls = true
    /// Print the algorithm names of the selected service, one per line, and exit.
    var listAlgorithms = false
    /// Where Katib mounts the pbt suggestion volume; empty disables checkpoint copying.
    var pbtDataDirectory = "/opt/katib/data"

    static func usage(algorithms: [String]) -> String {
        """
        USAGE: suggestion-server [options]
               suggestion-server tune EXPERIMENT.yaml [...]     (see suggestion-server tune --help)
               suggestion-server suggest --target HOST:PORT EXPERIMENT.yaml [...]

        Serves Kubeflow Katib's api.v1.beta1.Suggestion gRPC service, or its EarlyStopping service
        (with --service early-stopping), and grpc.health.v1.Health, over cleartext HTTP/2.
        Stateless: every call carries the whole experiment and trial history.

        OPTIONS:
          --service NAME            suggestions (default) or early-stopping
          --host ADDRESS            IPv4 address to listen on (default 0.0.0.0)
          --port N                  TCP port (default 6789 for suggestions, 6788 for early stopping,
                                    Katib's ports; 0 picks a free one)
          --algorithms A,B,...      serve only these algorithms (default: all). Registered:
                                    \(algorithms.joined(separator: ", "))
          --event-loops N           I/O threads, each with its own listener (default: active cores, \(ServerConfiguration().eventLoops))
          --max-message-bytes N     largest request or reply accepted (default 67108864 = 64 MiB);
                                    larger ones get RESOURCE_EXHAUSTED. Katib resends every trial on
                                    every call, so keep this generous.
          --max-call-seconds N      per-call budget (default 60, Katib's own deadline): a call still
                                    running after N seconds, or after its grpc-timeout if sooner,
                                    gets DEADLINE_EXCEEDED and its work stops within ~100 ms
          --stalled-request-seconds N  a request that sends no data for N seconds is reset and its
                                    buffered bytes freed (default 30)
          --pbt-data-dir PATH       pbt: the suggestion volume (default /opt/katib/data, Katib's
                                    mount); each new trial's checkpoint directory is made there as
                                    a copy of its parent's. Ignored when PATH is not a directory;
                                    "" disables.
          --quiet                   do not log one line per call

        EARLY STOPPING (SetTrialStatus patches the Trial through the Kubernetes API; in a pod the
        defaults come from KUBERNETES_SERVICE_HOST/PORT and the service account under
        /var/run/secrets/kubernetes.io/serviceaccount):
          --kube-api https://HOST:PORT   the Kubernetes API server
          --kube-token-file PATH    bearer token file (default: the service account's token)
          --kube-ca-file PATH       CA bundle that signs the API server's certificate
                                    (default: the service account's ca.crt)
          --kube-namespace NS       namespace of the Trials (default: the service account's)
          --dbmanager-allow HOST:PORT  also admit this db_manager_address (repeatable; a * in HOST
                                    matches one DNS label, "*" alone any address). By default only
                                    Katib's katib-db-manager.<namespace>[.svc[.cluster.local]]:6789
                                    is dialled; requests naming any other address get
                                    INVALID_ARGUMENT without a connection being made
          --list-algorithms         print the algorithm names of the selected service, one per line
          --describe [ALGORITHM]    print the settings (allowed values, defaults, meaning) of one
                                    algorithm or of all; --describe --markdown prints the README's
                                    settings reference
          --version                 print the version and exit
          -h, --help                show this help

        Stops gracefully on SIGTERM or SIGINT: in-flight calls finish, new ones are refused.
        """
    }

    struct UsageError: Error { let message: String }

    static func parse(_ arguments: [String], knownAlgorithms: [String]) throws(UsageError) -> Options? {
        var options = Options()
        var index = 0
        func value(_ flag: String) throws(UsageError) -> String {
            index += 1
            guard index < arguments.count else { throw UsageError(message: "\(flag) needs a value") }
            return arguments[index]
        }
        func integer(_ flag: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
            let text = try value(flag)
            guard let number = Int(text), range.contains(number) else {
                throw UsageError(message: "\(flag) must be an integer in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
            }
            return number
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "-h", "--help": return nil
            case "--host": options.host = try value(argument)
            case "--port": options.explicitPort = try integer(argument, in: 0...65535)
            case "--service":
                let name = try value(argument)
                guard let service = Service(rawValue: name) else {
                    throw UsageError(message: "--service must be suggestions or early-stopping, got \"\(name)\"")
                }
                options.service = service
            case "--kube-api":
                let url = try value(argument)
                guard url.hasPrefix("https://") else { throw UsageError(message: "--kube-api must be an https:// URL, got \"\(url)\"") }
                var rest = Substring(url.dropFirst("https://".count))
                if rest.hasSuffix("/") { rest = rest.dropLast() }
                var host = rest
                var port = 443
                if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    host = rest[rest.index(after: rest.startIndex)..<close]
                    let tail = rest[rest.index(after: close)...]
                    if tail.hasPrefix(":") {
                        guard let p = Int(tail.dropFirst()), (1...65535).contains(p) else { throw UsageError(message: "--kube-api: bad port in \"\(url)\"") }
                        port = p
                    }
                } else if let colon = rest.lastIndex(of: ":") {
                    host = rest[..<colon]
                    guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else {
                        throw UsageError(message: "--kube-api: bad port in \"\(url)\"")
                    }
                    port = p
                }
                guard !host.isEmpty, !host.contains("/") else { throw UsageError(message: "--kube-api: no host in \"\(url)\"") }
                options.kubeAPI = (String(host), port)
            case "--kube-token-file": options.kubeTokenFile = try value(argument)
            case "--kube-ca-file": options.kubeCAFile = try value(argument)
            case "--kube-namespace": options.kubeNamespace = try value(argument)
            case "--dbmanager-allow":
                let pattern = try value(argument)
                guard pattern == "*" || (pattern.contains(":") && Int(pattern[pattern.index(after: pattern.lastIndex(of: ":")!)...]) != nil) else {
                    throw UsageError(message: "--dbmanager-allow takes HOST:PORT (or \"*\"), got \"\(pattern)\"")
                }
                options.dbManagerAllowed.append(pattern)
            case "--event-loops": options.eventLoops = try integer(argument, in: 1...256)
            case "--max-message-bytes": options.maxMessageBytes = try integer(argument, in: 1024...(1 << 31 - 1))
            case "--max-call-seconds": options.maxCallSeconds = try integer(argument, in: 1...86_400)
            case "--stalled-request-seconds": options.stalledRequestSeconds = try integer(argument, in: 1...86_400)
            case "--quiet": options.logCalls = false
            case "--list-algorithms": options.listAlgorithms = true
            case "--pbt-data-dir": options.pbtDataDirectory = try value(argument)
            case "--algorithms":
                let names = try value(argument).split(separator: ",").map { String($0).trimming(" ") }.filter { !$0.isEmpty }
                guard !names.isEmpty else { throw UsageError(message: "--algorithms needs at least one name") }
                let unknown = names.filter { !knownAlgorithms.contains($0) }
                guard unknown.isEmpty else {
                    throw UsageError(message: "unknown algorithm \(unknown.joined(separator: ", ")); registered: \(knownAlgorithms.joined(separator: ", "))")
                }
                options.algorithms = Set(names)
            default:
                throw UsageError(message: "unknown option \"\(argument)\"")
            }
            index += 1
        }
        return options
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import SuggestionAPI
import GRPCTransport
import LocalSystem
import Algorithms
import EarlyStopping

if CommandLine.arguments.dropFirst().first == "--version" {
    print("suggestion-server \(serverVersion)")
    exit(0)
}

if CommandLine.arguments.dropFirst().first == "--describe" {
    exit(describe(Array(CommandLine.arguments.dropFirst(2))))
}

if let first = CommandLine.arguments.dropFirst().first, first == "tune" || first == "suggest" {
    exit(await LocalCommands.run(Array(CommandLine.arguments.dropFirst())))
}

let known = AlgorithmService.registeredAlgorithmNames
let options: Options
do {
    guard let parsed = try Options.parse(Array(CommandLine.arguments.dropFirst()), knownAlgorithms: known) else {
        print(Options.usage(algorithms: known))
        exit(0)
    }
    options = parsed
} catch {
    writeStandardError("suggestion-server: \(error.message)\n\n\(Options.usage(algorithms: known))")
    exit(2)
}

if options.listAlgorithms {
    print((options.service == .suggestions ? known : StoppingAlgorithms.names).joined(separator: "\n"))
    exit(0)
}

var handlers: [String: UnaryHandler]
var inlineAttempts: [String: InlineAttempt] = [:]
let health: HealthService
switch options.service {
case .suggestions:
    let algorithms = CheckpointInheritanceService(base: AlgorithmService(enabledAlgorithms: options.algorithms),
                                          dataDirectory: options.pbtDataDirectory)
    if options.logCalls {
        let logging = LoggingSuggestionService(base: algorithms)
        (handlers, inlineAttempts) = (logging.handlers(), logging.inlineAttempts())
    } else {
        (handlers, inlineAttempts) = (algorithms.handlers(), algorithms.inlineAttempts())
    }
    health = HealthService(services: ["api.v1.beta1.Suggestion"])
case .earlyStopping:
    var access = KubernetesAccess()
    if let api = options.kubeAPI {
        access.host = api.host
        access.port = api.port
    }
    if let f = options.kubeTokenFile { access.tokenFile = f }
    if let f = options.kubeCAFile { access.caFile = f }
    if let ns = options.kubeNamespace { access.namespace = ns }
    let policy = DBManagerPolicy(allowed: DBManagerPolicy.katib.allowed + options.dbManagerAllowed)
    let service = EarlyStoppingRulesService(trialStatus: KubernetesTrialStatus(access: access), dbManagerPolicy: policy,
                                            notes: { experiment, note in logLine("GetEarlyStoppingRules experiment=\(experiment) note=\(logQuoted(note))") })
    handlers = options.logCalls ? LoggingEarlyStoppingService(base: service).handlers() : service.handlers()
    health = HealthService(services: ["api.v1.beta1.EarlyStopping"])
}

MemoryPolicy.apply()
var configuration = ServerConfiguration()
// malloc_trim takes time in proportion to the heaps: off the event loop that calls the hook.
configuration.afterLargeCall = { Task.detached(priority: .background) { MemoryPolicy.trim() } }
configuration.host = options.host
configuration.port = options.port
configuration.eventLoops = options.eventLoops
configuration.maxMessageBytes = options.maxMessageBytes
configuration.maxCallDuration = .seconds(options.maxCallSeconds)
configuration.stalledRequestTimeout = .seconds(options.stalledRequestSeconds)
let server = GRPCServer(configuration: configuration, handlers: handlers, inlineHandlers: health.inlineHandlers(),
                        inlineAttempts: inlineAttempts)

do {
    try server.start()
} catch {
    logLine("suggestion-server: \(error.message)", lifecycle: true)
    exit(1)
}

do {
    try stopOnSignals(server)
} catch {
    logLine("suggestion-server: \(error.message)", lifecycle: true)
    exit(1)
}

let served = options.service == .suggestions
    ? (options.algorithms.map { Array($0) } ?? known).sorted().joined(separator: ",")
    : StoppingAlgorithms.names.joined(separator: ",")
logLine("suggestion-server: \(options.service.rawValue) listening on \(options.host):\(server.boundPort) event_loops=\(options.eventLoops) max_message_bytes=\(options.maxMessageBytes) max_call_seconds=\(options.maxCallSeconds) algorithms=\(served)", lifecycle: true)
server.waitUntilStopped()
logLine("suggestion-server: stopped", lifecycle: true)
exit(0)

#if canImport(Glibc)
import Glibc
#endif
import SuggestionAPI
import GRPCTransport

/// SIGTERM and SIGINT start a graceful shutdown (GOAWAY, in-flight calls finish within the grace
/// period); SIGPIPE is ignored. The signals are read on their own thread (`handleSignals`), so a
/// server whose workers are all busy still drains and exits within the grace period.
func stopOnSignals(_ server: GRPCServer) throws(RPCError) {
    try handleSignals([SIGTERM, SIGINT]) { number in
        logLine("suggestion-server: signal \(number), draining in-flight calls", lifecycle: true)
        server.shutdown()
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import SuggestionAPI

/// SIGTERM and SIGINT start a graceful shutdown (GOAWAY, in-flight calls finish); SIGPIPE is ignored.
/// Lives outside main.swift so the handlers are not main-actor isolated: Dispatch runs them on its
/// own queue. Keep the returned sources alive.
func stopOnSignals(_ server: GRPCServer) -> [any DispatchSourceSignal] {
    signal(SIGPIPE, SIG_IGN)
    return [SIGTERM, SIGINT].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            logLine("suggestion-server: signal \(number), draining in-flight calls")
            server.shutdown()
        }
        source.resume()
        return source
    }
}

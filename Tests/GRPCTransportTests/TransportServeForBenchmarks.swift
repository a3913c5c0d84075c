import Testing
import SuggestionAPI
@testable import GRPCTransport
#if canImport(Glibc)
import Glibc
#endif

/// Not a test: with TRANSPORT_SERVE_PORT set, serves a few byte handlers on that port for
/// TRANSPORT_SERVE_SECONDS (default 60) so that h2load or grpcio can be pointed at the transport:
///   TRANSPORT_SERVE_PORT=7000 swift test -c release --filter serveForBenchmarks
/// Handlers: /bench.B/Empty (empty reply), /bench.B/Echo, /bench.B/Fail (INVALID_ARGUMENT, message =
/// request), /bench.B/Sleep (sleeps the request's first byte x 10 ms).
@Test(.enabled(if: Environment.servePort != nil)) func serveForBenchmarks() async throws {
    var config = ServerConfiguration()
    config.port = Environment.servePort ?? 0
    if let loops = Environment.int("TRANSPORT_SERVE_LOOPS") { config.eventLoops = loops }
    if let cap = Environment.int("TRANSPORT_SERVE_MAX_MESSAGE") { config.maxMessageBytes = cap }
    let server = GRPCServer(configuration: config, handlers: [
        "/bench.B/Empty": { _, _ in [] },
        "/bench.B/Echo": { request, _ in request },
        "/bench.B/Fail": { request, _ throws(RPCError) in
            throw RPCError(.invalidArgument, String(decoding: request, as: UTF8.self))
        },
        "/bench.B/Sleep": { request, _ in
            try? await Task.sleep(for: .milliseconds(10 * Int(request.first ?? 0)))
            return request
        },
    ])
    try server.start()
    try await Task.sleep(for: .seconds(Environment.int("TRANSPORT_SERVE_SECONDS") ?? 60))
    server.shutdown()
    server.waitUntilStopped()
}

private enum Environment {
    static func int(_ name: String) -> Int? { getenv(name).flatMap { Int(String(cString: $0)) } }
    static var servePort: Int? { int("TRANSPORT_SERVE_PORT") }
}

import Testing
import SuggestionAPI
@testable import GRPCTransport

@Suite(.timeLimit(.minutes(1))) struct TypedClientTests {
    /// A server whose health method is the real HealthService, and a raw echo under the
    /// GetSuggestions path that sends back bytes that are no GetSuggestionsReply.
    func server() throws -> GRPCServer {
        var config = ServerConfiguration()
        config.host = "127.0.0.1"
        config.port = 0
        config.eventLoops = 1
        let server = GRPCServer(configuration: config, handlers: [
            MethodPath.getSuggestions: { _, _ in [0xFF, 0xFF, 0xFF] },
        ], inlineHandlers: HealthService(services: ["x"]).inlineHandlers())
        try server.start()
        return server
    }

    @Test func typedCallsEncodeDecodeAndNameAnUndecodableReply() async throws {
        let s = try server()
        defer { stop(s) }
        let client = GRPCClient(host: "127.0.0.1", port: s.boundPort)
        defer { client.close() }
        let reply = try await client.call(.healthCheck, HealthCheckRequest(service: "x"), timeout: .seconds(5))
        #expect(reply.status == .serving)
        let notFound = await code { _ = try await client.call(.healthCheck, HealthCheckRequest(service: "y")) }
        #expect(notFound?.code == .notFound)
        let bad = await code { _ = try await client.call(.getSuggestions, GetSuggestionsRequest()) }
        #expect(bad?.code == .unavailable)
        #expect(bad?.message.contains("api.v1.beta1.GetSuggestionsReply") == true)
    }

    @Test func poolSharesOneClientPerAddressAndEvictsTheLeastRecentlyUsed() {
        let pool = GRPCClientPool(capacity: 2)
        let a = pool.client(host: "127.0.0.1", port: 1)
        #expect(pool.client(host: "127.0.0.1", port: 1) === a)
        let b = pool.client(host: "127.0.0.1", port: 2)
        #expect(b !== a && pool.count == 2)
        _ = pool.client(host: "127.0.0.1", port: 1)          // a is now the most recent
        _ = pool.client(host: "127.0.0.1", port: 3)          // evicts b
        #expect(pool.count == 2)
        #expect(pool.client(host: "127.0.0.1", port: 1) === a)
        #expect(pool.client(host: "127.0.0.1", port: 2) !== b)
    }
}

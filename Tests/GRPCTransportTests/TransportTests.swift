import Synchronization
import Testing
import SuggestionAPI
@testable import GRPCTransport
#if canImport(Glibc)
import Glibc
#endif

/// Handlers shared by the transport tests, and flags they set.
final class Probe: Sendable {
    let startedSleeps = Atomic<Int>(0)
    let startedSlow = Atomic<Int>(0)
    let startedBig = Atomic<Int>(0)
    let startedSpins = Atomic<Int>(0)
    let cancelledSleeps = Atomic<Int>(0)
    /// `Hold` calls wait until this is set (or 30 s pass), so a test decides when they end.
    let releaseHeld = Atomic<Bool>(false)
    let lastMetadata = Mutex<[(name: String, value: String)]>([])

    let answeredAttempts = Atomic<Int>(0)

    /// Echo answers on the event loop a request starting 0xA1 (marking its reply), refuses one
    /// starting 0xA2, and leaves every other to its handler.
    var inlineAttempts: [String: InlineAttempt] {
        ["/test.Echo/Echo": { request, _ in
            switch request.first {
            case 0xA1:
                self.answeredAttempts.add(1, ordering: .relaxed)
                return .success(request + [1])
            case 0xA2: return .failure(RPCError(.invalidArgument, "refused inline"))
            default: return nil
            }
        }]
    }

    var handlers: [String: UnaryHandler] {
        [
            "/test.Echo/Echo": { request, context in
                self.lastMetadata.withLock { $0 = context.metadata }
                return request
            },
            "/test.Echo/Fail": { request, _ throws(RPCError) in
                throw RPCError(.invalidArgument, String(decoding: request, as: UTF8.self))
            },
            "/test.Echo/Sleep": { _, _ throws(RPCError) in
                self.startedSleeps.add(1, ordering: .relaxed)
                do {
                    try await Task.sleep(for: .seconds(5))
                } catch {
                    self.cancelledSleeps.add(1, ordering: .relaxed)
                    throw RPCError(.cancelled, "cancelled")
                }
                return []
            },
            "/test.Echo/Slow": { request, _ in
                self.startedSlow.add(1, ordering: .relaxed)
                try? await Task.sleep(for: .milliseconds(300))
                return request
            },
            "/test.Echo/Hold": { request, _ in
                self.startedSlow.add(1, ordering: .relaxed)
                let end = ContinuousClock.now + .seconds(30)
                while !self.releaseHeld.load(ordering: .relaxed) && ContinuousClock.now < end {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                return request
            },
            "/test.Echo/Spin": { request, _ throws(RPCError) in
                // Occupies its worker thread without suspending, as a sampler does, until cancelled.
                self.startedSpins.add(1, ordering: .relaxed)
                let end = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < end && !Task.isCancelled {}
                return request
            },
            "/test.Echo/Big": { request, _ in
                self.startedBig.add(1, ordering: .relaxed)
                return [UInt8](repeating: 0xAB, count: Int(request.first ?? 0) << 20)
            },
        ]
    }
}

func startServer(_ probe: Probe, configure: (inout ServerConfiguration) -> Void = { _ in })
    throws -> GRPCServer {
    var config = ServerConfiguration()
    config.host = "127.0.0.1"
    config.port = 0
    config.eventLoops = 2
    config.shutdownGracePeriod = .seconds(3)
    // Handlers run on the Swift task pool, which CPU-heavy synchronous tests elsewhere in this
    // process can hold for a minute: the server's own per-call budget must not be what a test sees.
    config.maxCallDuration = .seconds(600)
    configure(&config)
    let server = GRPCServer(configuration: config, handlers: probe.handlers, inlineHandlers: [
        "/test.Echo/Inline": { request, _ throws(RPCError) in request },
    ], inlineAttempts: probe.inlineAttempts)
    try server.start()
    return server
}

func stop(_ server: GRPCServer) {
    server.shutdown()
    server.waitUntilStopped()
}

/// The RPCError a call ends with, or nil on success.
func code(_ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        return nil
    } catch {
        return error as? RPCError ?? RPCError(.unknown, "not an RPCError: \(error)")
    }
}

@Suite(.timeLimit(.minutes(1))) struct TransportTests {
    @Test func echoRoundTripAndEmptyMessages() async throws {
        let probe = Probe()
        let server = try startServer(probe)
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        defer { client.close() }

        let request = Array("hello".utf8) + [0, 255]
        #expect(try await client.unary(path: "/test.Echo/Echo", request: request,
                                       metadata: [("X-Trace", "abc")]) == request)
        #expect(probe.lastMetadata.withLock { $0 }.contains { $0.name == "x-trace" && $0.value == "abc" })
        #expect(try await client.unary(path: "/test.Echo/Echo", request: []) == [])
        #expect(try await client.unary(path: "/test.Echo/Echo", request: [1], timeout: .seconds(5)) == [1])
    }

    @Test func unknownMethodIsUnimplemented() async throws {
        let server = try startServer(Probe())
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        let error = await code { _ = try await client.unary(path: "/no.Such/Method", request: [1]) }
        #expect(error?.code == .unimplemented)
        #expect(error?.message == "unknown method /no.Such/Method")
    }

    @Test func errorMessagesRoundTripExactly() async throws {
        let server = try startServer(Probe())
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        let message = "learning rate «lr» must be in (0, 1]: got 150% ✓ 学习率"
        let error = await code { _ = try await client.unary(path: "/test.Echo/Fail", request: Array(message.utf8)) }
        #expect(error == RPCError(.invalidArgument, message))
    }

    @Test func threeMegabyteRequestAndReply() async throws {
        let server = try startServer(Probe())
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        let request = (0 ..< 3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(try await client.unary(path: "/test.Echo/Echo", request: request) == request)
        let reply = try await client.unary(path: "/test.Echo/Big", request: [3])
        #expect(reply.count == 3 << 20 && reply.allSatisfy { $0 == 0xAB })
    }

    @Test func messagesOverTheCapAreResourceExhausted() async throws {
        let server = try startServer(Probe()) { $0.maxMessageBytes = 1 << 20 }
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        let big = [UInt8](repeating: 7, count: (1 << 20) + 1)
        let error = await code { _ = try await client.unary(path: "/test.Echo/Echo", request: big) }
        #expect(error?.code == .resourceExhausted)
        #expect(error?.message.contains("exceeds the limit of 1048576 bytes") == true)
        // A reply over the cap, then the connection still serves.
        let replyError = await code { _ = try await client.unary(path: "/test.Echo/Big", request: [2]) }
        #expect(replyError?.code == .resourceExhausted)
        #expect(try await client.unary(path: "/test.Echo/Echo", request: [9]) == [9])

        // The client's own cap on replies.
        let small = GRPCClient(host: "127.0.0.1", port: server.boundPort, maxMessageBytes: 1000)
        let clientError = await code { _ = try await small.unary(path: "/test.Echo/Echo", request: [UInt8](repeating: 1, count: 900)) }
        #expect(clientError == nil)
        let tooBig = await code { _ = try await small.unary(path: "/test.Echo/Big", request: [1]) }
        #expect(tooBig?.code == .resourceExhausted)
        #expect(tooBig?.message.contains("reply message of 1048576 bytes") == true)
    }

    @Test func serverWideBufferBudgetRefusesThenRecovers() async throws {
        let probe = Probe()
        let server = try startServer(probe) { $0.maxBufferedRequestBytes = 3 << 20 }
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        defer { client.close() }
        // Two held 1 MiB calls keep 2 MiB while a 2 MiB call arrives: it does not fit. They are held
        // until the refusal is seen, however slowly a loaded machine moves the 2 MiB.
        let mib = [UInt8](repeating: 1, count: 1 << 20)
        async let a = client.unary(path: "/test.Echo/Hold", request: mib)
        async let b = client.unary(path: "/test.Echo/Hold", request: mib)
        while probe.startedSlow.load(ordering: .relaxed) < 2 { try await Task.sleep(for: .milliseconds(5)) }
        let refused = await code { _ = try await client.unary(path: "/test.Echo/Echo", request: mib + mib) }
        probe.releaseHeld.store(true, ordering: .relaxed)
        #expect(refused?.code == .resourceExhausted)
        #expect(refused?.message.contains("3145728 bytes of requests") == true)
        let (ra, rb) = try await (a, b)
        #expect(ra == mib && rb == mib)
        // Budget released when those streams closed: the same call now succeeds.
        #expect(try await client.unary(path: "/test.Echo/Echo", request: mib + mib) == mib + mib)
    }

    @Test func deadlineExceededCancelsTheHandler() async throws {
        let probe = Probe()
        let server = try startServer(probe)
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        let start = ContinuousClock.now
        let error = await code { _ = try await client.unary(path: "/test.Echo/Sleep", request: [], timeout: .milliseconds(500)) }
        #expect(error?.code == .deadlineExceeded)
        #expect(start.duration(to: .now) < .seconds(2))
        #expect(probe.startedSleeps.load(ordering: .relaxed) == 1)
        for _ in 0 ..< 200 where probe.cancelledSleeps.load(ordering: .relaxed) == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(probe.cancelledSleeps.load(ordering: .relaxed) == 1)
        #expect(try await client.unary(path: "/test.Echo/Echo", request: [4]) == [4])
    }

    @Test func callerCancellationResetsTheStream() async throws {
        let probe = Probe()
        let server = try startServer(probe)
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        let task = Task { await code { _ = try await client.unary(path: "/test.Echo/Sleep", request: []) } }
        for _ in 0 ..< 200 where probe.startedSleeps.load(ordering: .relaxed) == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        task.cancel()
        #expect(await task.value?.code == .cancelled)
        for _ in 0 ..< 200 where probe.cancelledSleeps.load(ordering: .relaxed) == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(probe.cancelledSleeps.load(ordering: .relaxed) == 1)
    }

    @Test func manyConcurrentCallsOnOneAndSeveralClients() async throws {
        let server = try startServer(Probe())
        defer { stop(server) }
        let clients = (0 ..< 4).map { _ in GRPCClient(host: "127.0.0.1", port: server.boundPort) }
        let ok = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0 ..< 500 {
                group.addTask {
                    let request = Array("call \(i)".utf8)
                    return try await clients[0].unary(path: "/test.Echo/Echo", request: request) == request
                }
            }
            for i in 0 ..< 300 {
                group.addTask {
                    let request = [UInt8](repeating: UInt8(i % 256), count: i)
                    return try await clients[1 + i % 3].unary(path: "/test.Echo/Echo", request: request) == request
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(ok == 800)
    }

    @Test func gracefulShutdownFinishesInFlightCalls() async throws {
        let probe = Probe()
        // A long grace period: the call must finish within it even when other tests keep every
        // worker thread busy (the server stops as soon as the call is done).
        let server = try startServer(probe) { $0.shutdownGracePeriod = .seconds(50) }
        let port = server.boundPort
        let client = GRPCClient(host: "127.0.0.1", port: port)
        let inFlight = Task { try await client.unary(path: "/test.Echo/Slow", request: [42]) }
        for _ in 0 ..< 200 where probe.startedSlow.load(ordering: .relaxed) == 0 {
            try await Task.sleep(for: .milliseconds(5))
        }
        server.shutdown()
        #expect(try await inFlight.value == [42])
        server.waitUntilStopped()
        let after = await code { _ = try await client.unary(path: "/test.Echo/Echo", request: [1]) }
        #expect(after?.code == .unavailable)
        #expect(after?.message.contains("127.0.0.1:\(port)") == true)
    }

    @Test func unreachableServerIsUnavailable() async throws {
        // Bind and close to find a port nobody listens on.
        let server = try startServer(Probe())
        let port = server.boundPort
        stop(server)
        let client = GRPCClient(host: "127.0.0.1", port: port)
        let error = await code { _ = try await client.unary(path: "/test.Echo/Echo", request: []) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("127.0.0.1:\(port)") == true)
    }

    @Test func clientRedialsAfterClose() async throws {
        let server = try startServer(Probe())
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        #expect(try await client.unary(path: "/test.Echo/Echo", request: [1]) == [1])
        client.close()
        #expect(try await client.unary(path: "/test.Echo/Echo", request: [2]) == [2])
    }

    @Test func oversizedHeadersAreRefused() async throws {
        let server = try startServer(Probe()) { $0.maxHeaderListBytes = 4096 }
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        let big = String(repeating: "v", count: 5000)
        let error = await code { _ = try await client.unary(path: "/test.Echo/Echo", request: [1], metadata: [("x-big", big)]) }
        #expect(error?.code == .resourceExhausted)
        #expect(try await client.unary(path: "/test.Echo/Echo", request: [2], metadata: [("x-small", "v")]) == [2])
    }

    @Test func idleConnectionsAreClosed() async throws {
        let server = try startServer(Probe()) { $0.idleTimeout = .milliseconds(200) }
        defer { stop(server) }
        let idle = try RawSocket(port: server.boundPort)
        let start = ContinuousClock.now
        #expect(idle.readUntilClosed(timeoutMs: 3000))
        #expect(start.duration(to: .now) >= .milliseconds(150))
    }

    @Test(arguments: [
        Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8) + (0 ... 255).map { UInt8($0) },
        Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0x64]
            + [0xFF, 0xFF, 0xFF, 0x01, 0x05, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 64),
    ])
    func hostilePeersAreDisconnected(garbage: [UInt8]) async throws {
        let server = try startServer(Probe())
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        let good = Task { try await client.unary(path: "/test.Echo/Slow", request: [5]) }
        let idle = try RawSocket(port: server.boundPort)   // never speaks
        let peer = try RawSocket(port: server.boundPort)
        peer.send(garbage)
        #expect(peer.readUntilClosed(timeoutMs: 3000), "the server closes the connection")
        #expect(try await good.value == [5])
        #expect(try await client.unary(path: "/test.Echo/Echo", request: [6]) == [6])
        _ = idle
    }
}

/// A blocking loopback TCP socket for hostile-peer tests.
final class RawSocket {
    let fd: Int32

    struct Failed: Error {}

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failed() }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw Failed()
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What the peer has sent so far (waits at most 100 ms for the first byte).
    func readAvailable() -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&p, 1, out.isEmpty ? 100 : 0) == 1 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buffer[..<n]
        }
        return out
    }

    /// Reads (and discards) until EOF or error; false on timeout.
    func readUntilClosed(timeoutMs: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, timeoutMs) == 1 else { return false }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return true }
        }
    }
}

// Regression tests for what hostile or careless peers did to the transport: requests that never
// finish, one connection taking the whole buffer budget, health checks starved by busy workers,
// deadline timers kept after their calls, error messages larger than a client accepts.
import Synchronization
import Testing
import SuggestionAPI
@testable import GRPCTransport
#if canImport(Glibc)
import Glibc
#endif

/// Minimal HTTP/2 frames for a peer that starts a gRPC request and never finishes it.
enum RawH2 {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    static func frame(type: UInt8, flags: UInt8, stream: UInt32, _ payload: [UInt8]) -> [UInt8] {
        let n = payload.count
        return [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF), type, flags,
                UInt8(stream >> 24 & 0x7F), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF)] + payload
    }

    /// HPACK "literal header field without indexing, new name", no Huffman (RFC 7541 §6.2.2); names
    /// and values under 127 bytes.
    static func headerBlock(_ fields: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in fields {
            out.append(0x00)
            out.append(UInt8(name.utf8.count))
            out += Array(name.utf8)
            out.append(UInt8(value.utf8.count))
            out += Array(value.utf8)
        }
        return out
    }

    /// Preface, SETTINGS, and on stream `stream` a request for `path` announcing a `declared`-byte
    /// message of which `sent` bytes follow, without END_STREAM.
    static func unfinishedRequest(path: String, stream: UInt32 = 1, declared: Int, sent: Int, preface withPreface: Bool = true) -> [UInt8] {
        var out = withPreface ? preface + frame(type: 4, flags: 0, stream: 0, []) : []
        out += frame(type: 1, flags: 0x4, stream: stream, headerBlock([
            (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "x"),
            ("content-type", "application/grpc"), ("te", "trailers"),
        ]))
        let prefix: [UInt8] = [0, UInt8(declared >> 24 & 0xFF), UInt8(declared >> 16 & 0xFF), UInt8(declared >> 8 & 0xFF), UInt8(declared & 0xFF)]
        let body = prefix + [UInt8](repeating: 7, count: sent - 5)
        // DATA frames of at most 16,384 bytes, the default SETTINGS_MAX_FRAME_SIZE.
        for start in stride(from: 0, to: body.count, by: 16_384) {
            out += frame(type: 0, flags: 0, stream: stream, Array(body[start ..< min(start + 16_384, body.count)]))
        }
        return out
    }
}

@Suite(.timeLimit(.minutes(1))) struct TransportHardeningTests {
    @Test func stalledRequestIsResetAndItsBytesReleased() async throws {
        let server = try startServer(Probe()) {
            $0.maxBufferedRequestBytes = 100_000
            // Long enough that the refused call below reaches the server first even when other tests
            // keep the worker threads busy.
            $0.stalledRequestTimeout = .seconds(5)
        }
        defer { stop(server) }
        let peer = try RawSocket(port: server.boundPort)
        peer.send(RawH2.unfinishedRequest(path: "/test.Echo/Echo", declared: 1_000_000, sent: 60_000))
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        defer { client.close() }
        let payload = [UInt8](repeating: 3, count: 60_000)
        // While the stalled stream holds its 60 kB, a second 60 kB request does not fit the budget...
        try await Task.sleep(for: .milliseconds(200))
        let refused = await code { _ = try await client.unary(path: "/test.Echo/Echo", request: payload) }
        #expect(refused?.code == .resourceExhausted)
        // ...and once the stall timeout has reset it, the bytes are back.
        try await Task.sleep(for: .seconds(6))
        #expect(try await client.unary(path: "/test.Echo/Echo", request: payload) == payload)
        #expect(!peer.readAvailable().isEmpty, "the stalled stream was answered")
    }

    @Test func oneConnectionCannotTakeTheWholeBudget() async throws {
        let server = try startServer(Probe()) {
            $0.maxBufferedRequestBytes = 250_000
            $0.maxBufferedRequestBytesPerConnection = 100_000
        }
        defer { stop(server) }
        // Three unfinished 60 kB requests on one connection: without a per-connection share they
        // would hold 180 kB of the server's 250 kB.
        let hog = try RawSocket(port: server.boundPort)
        hog.send(RawH2.unfinishedRequest(path: "/test.Echo/Echo", stream: 1, declared: 1_000_000, sent: 60_000))
        hog.send(RawH2.unfinishedRequest(path: "/test.Echo/Echo", stream: 3, declared: 1_000_000, sent: 60_000, preface: false))
        hog.send(RawH2.unfinishedRequest(path: "/test.Echo/Echo", stream: 5, declared: 1_000_000, sent: 60_000, preface: false))
        try await Task.sleep(for: .milliseconds(200))
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        defer { client.close() }
        let payload = [UInt8](repeating: 5, count: 95_000)
        #expect(try await client.unary(path: "/test.Echo/Echo", request: payload) == payload)
        let refused = await code { _ = try await client.unary(path: "/test.Echo/Echo", request: payload + payload) }
        #expect(refused?.code == .resourceExhausted)
        #expect(refused?.message.contains("this connection already holds 100000 bytes") == true)
    }

    @Test func aPeerThatReadsNoRepliesStopsGettingItsRequestsComputed() async throws {
        let probe = Probe()
        let server = try startServer(probe) {
            $0.maxUnsentReplyBytesPerConnection = 3 << 20
            $0.maxRunningCallsPerConnection = 2
        }
        defer { stop(server) }
        // A peer whose flow-control window is 0 can be sent no reply byte: every reply stays held.
        let hog = try RawSocket(port: server.boundPort)
        hog.send(RawH2.preface + RawH2.frame(type: 4, flags: 0, stream: 0, [0x00, 0x04, 0, 0, 0, 0]))
        for i in 0 ..< 12 {
            var request = RawH2.unfinishedRequest(path: "/test.Echo/Big", stream: UInt32(2 * i + 1), declared: 1, sent: 6, preface: false)
            request[request.count - 1] = 1                                      // a 1 MiB reply
            request += RawH2.frame(type: 0, flags: 0x1, stream: UInt32(2 * i + 1), [])   // END_STREAM
            hog.send(request)
        }
        try await Task.sleep(for: .seconds(1))
        // Three replies reach the 3 MiB budget; with two calls running at most, at most five start.
        let started = probe.startedBig.load(ordering: .relaxed)
        #expect(started >= 3 && started <= 5, "\(started) of 12 requests were computed")
        // Others are served meanwhile.
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        defer { client.close() }
        #expect(try await client.unary(path: "/test.Echo/Echo", request: [9]) == [9])
        #expect(probe.startedBig.load(ordering: .relaxed) == started)
        // Nor does the hog get a reply computed inline: it could not be sent either.
        var cheap = RawH2.unfinishedRequest(path: "/test.Echo/Echo", stream: 25, declared: 1, sent: 6, preface: false)
        cheap[cheap.count - 1] = 0xA1
        hog.send(cheap + RawH2.frame(type: 0, flags: 0x1, stream: 25, []))
        try await Task.sleep(for: .milliseconds(300))
        #expect(probe.answeredAttempts.load(ordering: .relaxed) == 0)
        #expect(try await client.unary(path: "/test.Echo/Echo", request: [0xA1]) == [0xA1, 1], "a reading peer is answered inline")
        #expect(probe.answeredAttempts.load(ordering: .relaxed) == 1)
    }

    /// Calls started together, before any reply was unsent, wait for the peer to read before they
    /// compute: a zero-window peer gets the budget's worth of replies computed, not one per call.
    @Test func callsStartedTogetherWaitForAPeerThatReadsNothing() async throws {
        let probe = Probe()
        let server = try startServer(probe) { $0.maxUnsentReplyBytesPerConnection = 3 << 20 }   // 16 calls may run
        defer { stop(server) }
        let hog = try RawSocket(port: server.boundPort)
        hog.send(RawH2.preface + RawH2.frame(type: 4, flags: 0, stream: 0, [0x00, 0x04, 0, 0, 0, 0]))
        var requests: [UInt8] = []
        for i in 0 ..< 12 {
            var request = RawH2.unfinishedRequest(path: "/test.Echo/Big", stream: UInt32(2 * i + 1), declared: 1, sent: 6, preface: false)
            request[request.count - 1] = 1                                      // a 1 MiB reply
            requests += request + RawH2.frame(type: 0, flags: 0x1, stream: UInt32(2 * i + 1), [])
        }
        hog.send(requests)   // all 12 at once: each starts while nothing is unsent yet
        try await Task.sleep(for: .seconds(1))
        // Three replies reach the budget; a few more may pass the check before the loop counts them
        // (one per worker thread), but not all twelve.
        let started = probe.startedBig.load(ordering: .relaxed)
        #expect(started >= 3 && started <= 3 + Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) + 1, "\(started) of 12 replies were computed")
    }

    @Test func inlineHandlersAnswerWhileEveryWorkerIsBusy() async throws {
        let probe = Probe()
        let server = try startServer(probe)
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        defer { client.close() }
        try await Self.whileEveryWorkerSpins(client, probe) { () async throws in
            let start = ContinuousClock.now
            #expect(try await client.unary(path: "/test.Echo/Inline", request: [9], timeout: .seconds(5)) == [9])
            #expect(start.duration(to: .now) < .seconds(1), "the inline handler did not wait for a worker")
        }
    }

    /// Runs `body` while more spinning calls than worker threads (one per core) hold the pool; each
    /// stops when its deadline cancels it (short: the test process's other tests share these threads).
    static func whileEveryWorkerSpins(_ client: GRPCClient, _ probe: Probe, _ body: () async throws -> Void) async throws {
        let spinners = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) + 2
        let busy = (0 ..< spinners).map { _ in Task { await code { _ = try await client.unary(path: "/test.Echo/Spin", request: [1], timeout: .milliseconds(700)) } } }
        for _ in 0 ..< 200 where probe.startedSpins.load(ordering: .relaxed) < 2 { try await Task.sleep(for: .milliseconds(10)) }
        try await body()
        for t in busy { #expect(await t.value?.code == .deadlineExceeded) }
    }

    @Test func inlineAttemptsAnswerOnTheLoopOrHandTheCallToItsHandler() async throws {
        let probe = Probe()
        let server = try startServer(probe)
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        defer { client.close() }
        #expect(try await client.unary(path: "/test.Echo/Echo", request: [0xA1, 7]) == [0xA1, 7, 1])
        #expect(try await client.unary(path: "/test.Echo/Echo", request: [7]) == [7], "declined: the handler echoes")
        #expect(await code { _ = try await client.unary(path: "/test.Echo/Echo", request: [0xA2]) } == RPCError(.invalidArgument, "refused inline"))
        // With every worker spinning, an answered attempt does not wait for one.
        try await Self.whileEveryWorkerSpins(client, probe) { () async throws in
            let start = ContinuousClock.now
            #expect(try await client.unary(path: "/test.Echo/Echo", request: [0xA1], timeout: .seconds(5)) == [0xA1, 1])
            #expect(start.duration(to: .now) < .seconds(1), "the inline attempt did not wait for a worker")
        }
    }

    @Test func callsOverTheServerBudgetGetDeadlineExceeded() async throws {
        let server = try startServer(Probe()) { $0.maxCallDuration = .milliseconds(300) }
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        defer { client.close() }
        let error = await code { _ = try await client.unary(path: "/test.Echo/Sleep", request: []) }
        #expect(error?.code == .deadlineExceeded)
        #expect(error?.message.contains("per-call budget") == true)
    }

    @Test func longErrorMessagesAreCappedOnTheWire() async throws {
        let server = try startServer(Probe())
        defer { stop(server) }
        let client = GRPCClient(host: "127.0.0.1", port: server.boundPort)
        defer { client.close() }
        let message = String(repeating: "é", count: 50_000)
        let error = await code { _ = try await client.unary(path: "/test.Echo/Fail", request: Array(message.utf8)) }
        #expect(error?.code == .invalidArgument)
        #expect(error.map { $0.message.utf8.count <= RPCError.maxSentMessageBytes } == true)
        #expect(error?.message.hasSuffix("(100000 bytes, cut)") == true)
    }

    @Test func cappedMessagesEndOnAScalarBoundary() {
        #expect(RPCError.capped("short") == "short")
        let capped = RPCError.capped(String(repeating: "ß", count: 1000), maxBytes: 101)
        #expect(capped.utf8.count <= 101)
        #expect(capped.hasPrefix("ßß") && capped.hasSuffix("(2000 bytes, cut)"))
        #expect(!capped.contains("\u{FFFD}"))
    }

    @Test func timersAreRemovedWithTheirCalls() {
        var heap = TimerHeap()
        let now = ContinuousClock.now
        let ids = (0 ..< 100).map { heap.push(deadline: now + .seconds(100 - $0), connection: 1, key: Int64($0)) }
        for id in ids where id % 3 != 0 { heap.remove(id) }
        heap.remove(999_999)
        #expect(heap.count == ids.filter { $0 % 3 == 0 }.count)
        var last = now
        while let top = heap.peek {
            #expect(top.deadline >= last, "still a min-heap after removals")
            last = top.deadline
            heap.remove(top.id)
        }
        #expect(heap.count == 0)
    }
}

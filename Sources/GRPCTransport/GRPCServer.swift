// A byte-oriented gRPC unary server on nghttp2: h2c with prior knowledge, N event loops each with
// its own SO_REUSEPORT listener, handlers run as Swift Tasks off the loops.

import SuggestionAPI
import Synchronization
internal import CNghttp2
internal import CShims
#if canImport(Glibc)
import Glibc
#endif

public struct ServerConfiguration: Sendable {
    public var host: String = "0.0.0.0"
    /// 0 picks an ephemeral port (see `GRPCServer.boundPort`).
    public var port: Int = 6789
    /// One event-loop thread per active core by default; handlers run on Swift's cooperative pool.
    public var eventLoops: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    /// Cap on a request or reply message (RESOURCE_EXHAUSTED). Generous because Katib resends every
    /// trial with every call. At most 4 GiB - 1 (the gRPC length prefix is 32 bits).
    public var maxMessageBytes: Int = 64 << 20
    public var maxConcurrentStreams: UInt32 = 256
    /// Cap on request bytes held at once by the whole server, summed over every connection and stream
    /// from the first DATA byte until the stream closes: bounds what many large concurrent requests
    /// can make the process allocate. A call that would exceed it fails with RESOURCE_EXHAUSTED.
    public var maxBufferedRequestBytes: Int = 512 << 20
    /// Sum over request headers of name + value + 32 (RFC 9113 §6.5.2), advertised and enforced.
    public var maxHeaderListBytes: Int = 16 << 10
    /// Cap on request bytes held at once by one connection (same accounting): one peer cannot take
    /// the whole server's budget.
    public var maxBufferedRequestBytesPerConnection: Int = 128 << 20
    /// The per-call CPU budget: a call's deadline is the earlier of its `grpc-timeout` and this long
    /// after its headers. Katib's controller gives every call 60 s; work past that is never read.
    /// When it passes the caller gets DEADLINE_EXCEEDED and the handler's Task is cancelled (samplers
    /// check `Task.isCancelled` at loop boundaries and stop within ~100 ms).
    public var maxCallDuration: Duration = .seconds(60)
    /// A stream still receiving its request that gets no DATA for this long is answered
    /// DEADLINE_EXCEEDED and reset, and its request bytes are released: a peer cannot hold buffer
    /// memory by opening streams and never finishing them.
    public var stalledRequestTimeout: Duration = .seconds(30)
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// A connection with no open stream and no traffic for this long is closed (GOAWAY).
    public var idleTimeout: Duration = .seconds(300)
    /// Called on the event loop when memory of a call whose request or reply had at least
    /// `largeCallBytes` has been freed: once its reply is computed (what computing it took), once the
    /// reply has been handed to the socket, and when such a call ends early (a reset, a closed
    /// connection). The server returns memory to the system from here (`MemoryPolicy.trim`). It must
    /// not block: hand slow work on.
    public var afterLargeCall: (@Sendable () -> Void)? = nil
    /// Back-pressure on replies: reply bytes a connection holds that its peer has not read yet. While
    /// a connection holds this many, the requests it sends wait (holding only their request bytes,
    /// under the request budgets above) instead of being computed into more replies; and while the
    /// whole server holds `maxUnsentReplyBytes`, so do the requests of every connection that holds
    /// any. They start as the replies are read, and calls already started wait before computing while
    /// the budget is exceeded (`ServerConnection.start`). A peer that never reads can make the server
    /// hold at most this much plus one reply per worker thread (those computed before the first one
    /// was counted). 8 MiB: a reading client drains it in milliseconds.
    public var maxUnsentReplyBytesPerConnection: Int = 8 << 20
    public var maxUnsentReplyBytes: Int = 256 << 20
    /// Calls of one connection computed at once; further complete requests wait their turn (Katib's
    /// controller sends one call per experiment at a time).
    public var maxRunningCallsPerConnection: Int = 16
    public var largeCallBytes: Int = 4 << 20
    public init() {}
}

public struct CallContext: Sendable {
    /// The method, e.g. "/api.v1.beta1.Suggestion/GetSuggestions".
    public let path: String
    /// From the request's grpc-timeout; the server also enforces it (DEADLINE_EXCEEDED, Task cancelled).
    public let deadline: ContinuousClock.Instant?
    /// Request headers other than pseudo-headers, content-type, te and grpc-*.
    public let metadata: [(name: String, value: String)]

    public init(path: String, deadline: ContinuousClock.Instant? = nil, metadata: [(name: String, value: String)] = []) {
        self.path = path
        self.deadline = deadline
        self.metadata = metadata
    }
}

/// Takes the request message (without the 5-byte prefix) and returns the reply message. The request
/// is handed over (`consuming`): a handler that has decoded it can free it before its real work.
public typealias UnaryHandler = @Sendable (_ request: consuming [UInt8], _ context: CallContext) async throws(RPCError) -> [UInt8]

/// A handler the event loop runs itself, at once, instead of in a Task: for constant-time methods
/// (health checks) that must answer while every worker thread is busy with sampler work. It must
/// not block or do more than microseconds of work.
public typealias InlineHandler = @Sendable (_ request: [UInt8], _ context: CallContext) throws(RPCError) -> [UInt8]

/// A first try at a pooled method on the event loop: given the request, either the call's outcome,
/// when the handler can tell at once that answering costs microseconds (an empty trial history), or
/// nil, and the method's `UnaryHandler` then runs it on the worker pool as usual. It must decline
/// before decoding a large request, and must not block. It runs only while the connection is within
/// its unsent-reply budgets, so a peer that does not read gets no more replies computed this way.
public typealias InlineAttempt = @Sendable (_ request: [UInt8], _ context: CallContext) -> Result<[UInt8], RPCError>?

public final class GRPCServer: Sendable {
    private let core: ServerCore
    private let state = Mutex(State())
    private let joined = Mutex(false)

    private struct State {
        var loops: [EventLoop] = []
        var threads: [pthread_t] = []
        var port = 0
        var started = false
        var shuttingDown = false
    }

    /// `handlers` and `inlineHandlers` are keyed by :path, e.g. "/grpc.health.v1.Health/Check"; a
    /// path in both is served inline.
    /// An `inlineAttempts` entry applies to the `handlers` method of the same path.
    public init(configuration: ServerConfiguration, handlers: [String: UnaryHandler],
                inlineHandlers: [String: InlineHandler] = [:], inlineAttempts: [String: InlineAttempt] = [:]) {
        core = ServerCore(configuration: configuration, handlers: handlers, inlineHandlers: inlineHandlers,
                          inlineAttempts: inlineAttempts)
    }

    /// Binds one listener per loop and starts the loop threads; returns once listening.
    public func start() throws(RPCError) {
        let config = core.configuration
        let core = self.core
        try state.withLock { (s: inout State) throws(RPCError) in
            guard !s.started else { return }
            var listeners: [Int32] = []
            var port = config.port
            // The loops' listeners share the port through SO_REUSEPORT, which would also let a second
            // process join it silently and take half the calls: refuse a port someone else holds.
            if port != 0 && cshims_port_taken(config.host, Int32(clamping: port)) != 0 {
                throw RPCError(.unavailable, "cannot listen on \(config.host):\(port): address already in use")
            }
            for _ in 0 ..< max(1, config.eventLoops) {
                let fd = cshims_tcp_listen(config.host, Int32(clamping: port), 1024)
                guard fd >= 0 else {
                    let text = errnoText()
                    for l in listeners { close(l) }
                    throw RPCError(.unavailable, "cannot listen on \(config.host):\(port): \(text)")
                }
                if port == 0 { port = Int(cshims_local_port(fd)) }
                listeners.append(fd)
            }
            var loops: [EventLoop] = []
            var threads: [pthread_t] = []
            do throws(RPCError) {
                let sweep = min(.seconds(15), max(min(config.idleTimeout, config.stalledRequestTimeout) / 4, .milliseconds(10)))
                for fd in listeners {
                    let loop = try EventLoop(sweepInterval: sweep)
                    loop.adoptListener(fd)
                    loop.acceptHandler = { loop, id, fd in
                        ServerConnection(id: id, fd: fd, loop: loop, core: core)
                    }
                    loops.append(loop)
                }
                for loop in loops {
                    threads.append(try startThread { loop.run() })
                }
            } catch {
                // Loops that never ran close their listener in deinit.
                for loop in loops.prefix(threads.count) { loop.post(.run { $0.stop() }) }
                for t in threads { pthread_join(t, nil) }
                for fd in listeners.dropFirst(loops.count) { close(fd) }
                throw error
            }
            s.loops = loops
            s.threads = threads
            s.port = port
            s.started = true
        }
    }

    /// The port actually bound (after `start`; useful with port 0).
    public var boundPort: Int { state.withLock { $0.port } }

    /// GOAWAY to every connection, stop accepting, let in-flight calls finish within the grace
    /// period, then stop the loops. Returns at once; see `waitUntilStopped`.
    public func shutdown() {
        let grace = core.configuration.shutdownGracePeriod
        let loops: [EventLoop] = state.withLock { s in
            guard s.started, !s.shuttingDown else { return [] }
            s.shuttingDown = true
            return s.loops
        }
        for loop in loops { loop.post(.run { $0.beginShutdown(grace: grace) }) }
    }

    /// Blocks the calling thread until every loop has exited (after `shutdown`).
    public func waitUntilStopped() {
        let threads = state.withLock { $0.threads }
        joined.withLock { done in
            guard !done else { return }
            for t in threads { pthread_join(t, nil) }
            done = !threads.isEmpty
        }
    }
}

/// What every server loop shares: immutable configuration and the handler table.
final class ServerCore: Sendable {
    let configuration: ServerConfiguration
    let handlers: [String: UnaryHandler]
    let inlineHandlers: [String: InlineHandler]
    let inlineAttempts: [String: InlineAttempt]
    let maxMessageBytes: Int
    /// Request bytes held by every stream of every loop (see `maxBufferedRequestBytes`).
    private let bufferedBytes = Atomic<Int>(0)
    /// Reply bytes not yet read by their peers, over every connection (`maxUnsentReplyBytes`).
    let unsentReplyBytes = Atomic<Int>(0)

    init(configuration: ServerConfiguration, handlers: [String: UnaryHandler], inlineHandlers: [String: InlineHandler],
         inlineAttempts: [String: InlineAttempt] = [:]) {
        self.configuration = configuration
        self.handlers = handlers
        self.inlineHandlers = inlineHandlers
        self.inlineAttempts = inlineAttempts
        maxMessageBytes = min(max(configuration.maxMessageBytes, 0), Int(UInt32.max))
    }

    /// Takes `count` bytes of the server-wide budget; false (and nothing taken) when it would overflow.
    func reserve(_ count: Int) -> Bool {
        let total = bufferedBytes.add(count, ordering: .relaxed).newValue
        if total <= configuration.maxBufferedRequestBytes { return true }
        bufferedBytes.subtract(count, ordering: .relaxed)
        return false
    }

    func release(_ count: Int) {
        if count > 0 { bufferedBytes.subtract(count, ordering: .relaxed) }
    }

    func serves(_ path: String) -> Bool { handlers[path] != nil || inlineHandlers[path] != nil }
}

private let okResponseHeaders = StaticHeaderBlock([(":status", "200"), ("content-type", "application/grpc")])
private let okTrailers = StaticHeaderBlock([("grpc-status", "0")])

/// A connection's reply bytes not yet read by its peer: written by its event loop, read by its
/// calls' Tasks too (`ServerConnection.start`).
private final class UnsentReplies: Sendable {
    /// Replies handed to the connection's streams and not yet read.
    let bytes = Atomic<Int>(0)
    /// Replies a Task has computed whose completion the loop has not taken yet: counted at once, so
    /// the next Task's check sees them (the loop may be busy for a while).
    let computed = Atomic<Int>(0)

    /// Neither this connection's unsent replies nor (when it holds any) the whole server's are at
    /// their cap (`maxUnsentReplyBytesPerConnection`, `maxUnsentReplyBytes`).
    func withinBudgets(_ core: ServerCore) -> Bool {
        let mine = bytes.load(ordering: .relaxed) + computed.load(ordering: .relaxed)
        let config = core.configuration
        let overConnection = mine >= config.maxUnsentReplyBytesPerConnection
        let overServer = mine > 0 && core.unsentReplyBytes.load(ordering: .relaxed) >= config.maxUnsentReplyBytes
        return !overConnection && !overServer
    }
}

private final class ServerStream {
    /// receiving → (queued →) running → replying → done; any of them → done on failure.
    enum Phase { case receiving, queued, running, replying, done }

    let id: Int32
    var phase = Phase.receiving
    var path = ""
    var isPost = false
    var contentTypeOK = false
    var encoding: [UInt8]?
    var timeout: Duration?
    /// The grpc-timeout value when it did not parse (the call is then refused).
    var malformedTimeout: String?
    var deadline: ContinuousClock.Instant?
    /// The deadline timer (`EventLoop.schedule`), cancelled when the stream goes away.
    var deadlineTimer: EventLoop.TimerID?
    /// When the last request DATA arrived (or the headers, before any): see `stalledRequestTimeout`.
    var lastProgress = ContinuousClock.now
    var metadata: [(name: String, value: String)] = []
    var headerBytes = 0
    var headersTooLarge = false
    var remoteClosed = false
    var resetAfterReply = false
    var assembler: MessageAssembler
    /// Bytes of this stream counted in `ServerCore`'s budget; released when the stream goes away.
    var reservedBytes = 0
    var task: Task<Void, Never>?
    var reply: [UInt8] = []
    var replyOffset = 0
    /// The request or the reply reached `ServerConfiguration.largeCallBytes`.
    var isLarge = false
    /// A complete request waiting for its turn (`.queued`).
    var queuedRequest: [UInt8]?
    /// Reply bytes counted in the connection's and the server's unsent-reply totals.
    var heldReplyBytes = 0

    init(id: Int32, limit: Int) {
        self.id = id
        assembler = MessageAssembler(limit: limit)
    }
}

/// Hands a request to its handler's Task without the Task's closure keeping a reference to it (a
/// captured array would stay alive, at its full size, until the call ends).
private final class RequestBody: @unchecked Sendable {
    private var bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    /// Called once, by the Task.
    func take() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }
}

final class ServerConnection: H2Connection {
    private let core: ServerCore
    private var streams: [Int32: ServerStream] = [:]
    /// Request bytes held by this connection's streams (`maxBufferedRequestBytesPerConnection`).
    private var reservedBytes = 0
    /// Reply bytes of this connection's streams not yet read (`maxUnsentReplyBytesPerConnection`).
    /// Written on the loop only; atomic because this connection's tasks read it (see `start`).
    private let unsent = UnsentReplies()
    private var unsentReplyBytes: Int { unsent.bytes.load(ordering: .relaxed) }
    /// Streams whose handler runs, and complete requests waiting to run, in arrival order.
    private var running = 0
    private var queue: [Int32] = []

    init?(id: UInt64, fd: Int32, loop: EventLoop, core: ServerCore) {
        self.core = core
        super.init(id: id, fd: fd, loop: loop)
        guard makeSession(server: true) else {
            teardown()
            return nil
        }
        submitSettings(maxConcurrentStreams: core.configuration.maxConcurrentStreams,
                       maxHeaderListBytes: core.configuration.maxHeaderListBytes)
    }

    override func teardown() {
        queue.removeAll()   // nothing may start while the streams are forgotten
        for s in streams.values { forget(s) }
        streams.removeAll()
        super.teardown()
    }

    /// Everything a stream holds beyond its entry in `streams`: its task, its timer, its bytes.
    private func forget(_ s: ServerStream) {
        // A large call ended early (reset, connection closed): its memory is free now.
        if s.isLarge && s.phase != .done { core.configuration.afterLargeCall?() }
        transition(s, to: .done)
        s.task?.cancel()
        s.task = nil
        if let timer = s.deadlineTimer { loop.cancelTimer(timer) }
        s.deadlineTimer = nil
        releaseRequestBytes(s)
    }

    /// Every phase change of a stream goes through here, so the running count and the unsent-reply
    /// totals stay true; leaving `.running` or `.replying` may let waiting requests start.
    private func transition(_ s: ServerStream, to phase: ServerStream.Phase, reply: [UInt8] = []) {
        let old = s.phase
        guard old != phase else { return }
        s.phase = phase
        if old == .running { running -= 1 }
        if phase == .running { running += 1 }
        if phase == .replying {
            s.reply = reply
            s.heldReplyBytes = reply.count
            unsent.bytes.add(reply.count, ordering: .relaxed)
            core.unsentReplyBytes.add(reply.count, ordering: .relaxed)
        } else if s.heldReplyBytes > 0 {
            unsent.bytes.subtract(s.heldReplyBytes, ordering: .relaxed)
            core.unsentReplyBytes.subtract(s.heldReplyBytes, ordering: .relaxed)
            s.heldReplyBytes = 0
            s.reply = []
        }
        if old == .queued { s.queuedRequest = nil }
        if old == .running || old == .replying { startQueued() }
    }

    /// Starts waiting requests, oldest first, while the connection is under its running-call cap and
    /// its unsent-reply budget, and the server under its own (which a connection holding no unsent
    /// reply ignores: it is not the peer that does not read).
    private func startQueued() {
        let config = core.configuration
        while let id = queue.first {
            guard let s = streams[id], s.phase == .queued, let request = s.queuedRequest else {
                queue.removeFirst()
                continue
            }
            guard running < config.maxRunningCallsPerConnection, withinReplyBudgets,
                  let handler = core.handlers[s.path] else { return }
            queue.removeFirst()
            s.queuedRequest = nil
            start(s, request, handler)
        }
    }

    /// Neither this connection's unsent replies nor (when it holds any) the server's are at their cap.
    private var withinReplyBudgets: Bool { unsent.withinBudgets(core) }

    /// Runs the handler in a Task. The reply budgets are checked again when the Task gets a worker,
    /// and it waits (holding only its request) while they are exceeded: calls started together, while
    /// nothing was unsent, would otherwise each compute its reply for a peer that reads none (16 calls
    /// of 20 MiB replies held 590 MiB for a zero-window peer before this wait).
    private func start(_ s: ServerStream, _ request: [UInt8], _ handler: @escaping UnaryHandler) {
        transition(s, to: .running)
        let context = CallContext(path: s.path, deadline: s.deadline, metadata: s.metadata)
        let loop = self.loop, connection = id, stream = s.id, unsent = self.unsent, core = self.core
        let body = RequestBody(request)
        s.task = Task {
            let result: Result<[UInt8], RPCError>
            do throws(RPCError) {
                while !unsent.withinBudgets(core) {
                    // Cancelled at the call's deadline or on a reset: the stream is answered already.
                    guard (try? await Task.sleep(for: .milliseconds(10))) != nil else {
                        throw RPCError(.cancelled, "cancelled while waiting for the peer to read its replies")
                    }
                }
                let reply = try await handler(body.take(), context)
                unsent.computed.add(reply.count, ordering: .relaxed)   // taken back by `complete`
                result = .success(reply)
            } catch {
                result = .failure(error)
            }
            loop.post(.completion(connection: connection, stream: stream, result: result))
        }
    }

    private func releaseRequestBytes(_ s: ServerStream) {
        core.release(s.reservedBytes)
        reservedBytes -= s.reservedBytes
        s.reservedBytes = 0
    }

    // MARK: Request

    override func onBeginHeaders(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        if frame.pointee.hd.type == NG.headersFrame && frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST {
            let id = frame.pointee.hd.stream_id
            streams[id] = ServerStream(id: id, limit: core.maxMessageBytes)
        }
        return 0
    }

    override func onHeader(_ frame: UnsafePointer<nghttp2_frame>, name: UnsafeBufferPointer<UInt8>,
                           value: UnsafeBufferPointer<UInt8>) -> Int32 {
        guard frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST, let s = streams[frame.pointee.hd.stream_id],
              !s.headersTooLarge else { return 0 }
        s.headerBytes = s.headerBytes &+ name.count &+ value.count &+ 32
        if s.headerBytes > core.configuration.maxHeaderListBytes {
            s.headersTooLarge = true
            s.metadata = []
            return 0
        }
        if Self.equals(name, ":path") {
            s.path = String(decoding: value, as: UTF8.self)
        } else if Self.equals(name, ":method") {
            s.isPost = Self.equals(value, "POST")
        } else if name.first == UInt8(ascii: ":") {
            return 0
        } else if Self.equals(name, "content-type") {
            // "application/grpc" optionally followed by "+format" or parameters.
            s.contentTypeOK = Self.hasPrefix(value, "application/grpc")
                && (value.count == 16 || value[16] == UInt8(ascii: "+") || value[16] == UInt8(ascii: ";"))
        } else if Self.equals(name, "grpc-timeout") {
            s.timeout = GRPCFraming.parseTimeout(value)
            s.malformedTimeout = s.timeout == nil ? String(decoding: value, as: UTF8.self) : nil
        } else if Self.equals(name, "grpc-encoding") {
            s.encoding = Array(value)
        } else if !Self.hasPrefix(name, "grpc-") && !Self.equals(name, "te") {
            s.metadata.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return 0
    }

    override func onData(stream: Int32, _ data: UnsafeRawBufferPointer) -> Int32 {
        guard let s = streams[stream], s.phase == .receiving else { return 0 }
        let perConnection = core.configuration.maxBufferedRequestBytesPerConnection
        guard reservedBytes + data.count <= perConnection else {
            fail(s, RPCError(.resourceExhausted,
                             "this connection already holds \(perConnection) bytes of unfinished requests, its limit; finish or cancel them, or retry later"))
            return 0
        }
        guard core.reserve(data.count) else {
            fail(s, RPCError(.resourceExhausted,
                             "the server already holds \(core.configuration.maxBufferedRequestBytes) bytes of requests, its limit; retry later"))
            return 0
        }
        s.reservedBytes += data.count
        reservedBytes += data.count
        s.lastProgress = ContinuousClock.now
        s.assembler.append(data)
        if let failure = s.assembler.failure { fail(s, error(for: failure)) }
        return 0
    }

    override func onFrameReceived(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let type = frame.pointee.hd.type
        guard type == NG.headersFrame || type == NG.dataFrame, let s = streams[frame.pointee.hd.stream_id] else {
            return 0
        }
        if type == NG.headersFrame && frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST { headersComplete(s) }
        if frame.pointee.hd.flags & NG.endStream != 0 {
            s.remoteClosed = true
            if s.phase == .receiving { requestComplete(s) }
        }
        return 0
    }

    override func onFrameSent(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        // After an early error reply, stop a client that is still sending its request.
        guard frame.pointee.hd.type == NG.headersFrame, frame.pointee.hd.flags & NG.endStream != 0,
              let s = streams[frame.pointee.hd.stream_id], s.resetAfterReply, !s.remoteClosed,
              let session else { return 0 }
        s.resetAfterReply = false
        _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), s.id, NG.noError)
        return 0
    }

    override func onStreamClosed(_ stream: Int32, errorCode: UInt32) {
        // A client RST_STREAM (cancel, deadline) lands here too: stop the handler.
        guard let s = streams.removeValue(forKey: stream) else { return }
        forget(s)
    }

    private func headersComplete(_ s: ServerStream) {
        let config = core.configuration
        if s.headersTooLarge {
            return fail(s, RPCError(.resourceExhausted, "request headers exceed \(config.maxHeaderListBytes) bytes"))
        }
        if !s.isPost {
            return fail(s, RPCError(.unimplemented, "gRPC requires POST"), httpStatus: 405)
        }
        if !s.contentTypeOK {
            return fail(s, RPCError(.unknown, "content-type must be application/grpc"), httpStatus: 415)
        }
        if let encoding = s.encoding, encoding != Array("identity".utf8) {
            let name = String(decoding: encoding, as: UTF8.self)
            return fail(s, RPCError(.unimplemented, "grpc-encoding \(name) is not supported; only identity is"),
                        extra: [HeaderField("grpc-accept-encoding", "identity")])
        }
        if !core.serves(s.path) {
            return fail(s, RPCError(.unimplemented, "unknown method \(s.path)"))
        }
        if let text = s.malformedTimeout {
            return fail(s, RPCError(.invalidArgument,
                                    "grpc-timeout \"\(text)\" is malformed: it must be 1 to 8 digits followed by one unit of H, M, S, m, u, n"))
        }
        let budget = config.maxCallDuration
        let deadline = ContinuousClock.now + (s.timeout.map { min($0, budget) } ?? budget)
        s.deadline = deadline
        s.deadlineTimer = loop.schedule(at: deadline, connection: id, key: Int64(s.id))
    }

    private func requestComplete(_ s: ServerStream) {
        switch s.assembler.finish() {
        case let .failure(failure):
            fail(s, error(for: failure))
        case .success:
            let request = s.assembler.takeMessage()
            s.isLarge = request.count >= core.configuration.largeCallBytes
            let context = CallContext(path: s.path, deadline: s.deadline, metadata: s.metadata)
            if let inline = core.inlineHandlers[s.path] {
                transition(s, to: .running)
                let result: Result<[UInt8], RPCError>
                do throws(RPCError) { result = .success(try inline(request, context)) } catch { result = .failure(error) }
                return finish(stream: s.id, result: result)
            }
            guard core.handlers[s.path] != nil else {
                return fail(s, RPCError(.unimplemented, "unknown method \(s.path)"))
            }
            // Only behind no queued call (they keep their order) and within the reply budgets.
            if queue.isEmpty, withinReplyBudgets, let attempt = core.inlineAttempts[s.path],
               let result = attempt(request, context) {
                transition(s, to: .running)
                return finish(stream: s.id, result: result)
            }
            transition(s, to: .queued)
            s.queuedRequest = request
            queue.append(s.id)
            startQueued()
        }
    }

    private func error(for failure: MessageAssembler.Failure) -> RPCError {
        switch failure {
        case .compressed:
            return RPCError(.unimplemented, "compressed messages are not supported; only identity encoding is")
        case let .tooLarge(declared):
            return RPCError(.resourceExhausted,
                            "request message of \(declared) bytes exceeds the limit of \(core.maxMessageBytes) bytes")
        case .multipleMessages:
            return RPCError(.invalidArgument, "a unary request must carry exactly one message, got more")
        case .truncated:
            return RPCError(.invalidArgument, "request message truncated: the stream ended inside it")
        case .noMessage:
            // grpc-java answers INTERNAL ("Half-closed without a request"); INTERNAL means a fault of
            // this server here, and the fault is the caller's, so it gets INVALID_ARGUMENT.
            return RPCError(.invalidArgument,
                            "a unary request must carry exactly one message, got none: send the (possibly empty) request message before ending the stream")
        }
    }

    // MARK: Reply

    /// A Task's outcome (through the loop's mailbox): its reply bytes move from `unsent.computed`
    /// to the stream (or are dropped with it).
    override func complete(stream: Int32, result: Result<[UInt8], RPCError>) {
        if case let .success(reply) = result { unsent.computed.subtract(reply.count, ordering: .relaxed) }
        finish(stream: stream, result: result)
    }

    /// A call's outcome, from its Task or from an inline handler or attempt.
    private func finish(stream: Int32, result: Result<[UInt8], RPCError>) {
        guard let s = streams[stream], s.phase == .running, let session else { return }   // late or reset: ignore
        s.task = nil
        if let timer = s.deadlineTimer { loop.cancelTimer(timer) }
        s.deadlineTimer = nil
        switch result {
        case let .failure(error):
            fail(s, error)
        case let .success(reply):
            guard reply.count <= core.maxMessageBytes else {
                return fail(s, RPCError(.resourceExhausted,
                                        "reply message of \(reply.count) bytes exceeds the limit of \(core.maxMessageBytes) bytes"))
            }
            transition(s, to: .replying, reply: reply)
            if reply.count >= core.configuration.largeCallBytes {
                s.isLarge = true
                // What computing it took is free now (the reply itself is held until it is read).
                core.configuration.afterLargeCall?()
            }
            let rc = NG.submitResponse(session, stream: s.id, headers: okResponseHeaders.pointer,
                                       count: okResponseHeaders.count, withBody: true)
            if rc != 0 { reset(s) }
            loop.markDirty(self)
        }
    }

    override func readBody(stream: Int32, into buffer: UnsafeMutableRawBufferPointer,
                           flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard let s = streams[stream], s.phase == .replying, let session else { return Int(NG.temporalFailure) }
        let n = GRPCFraming.copyFramed(s.reply, from: s.replyOffset, into: buffer)
        s.replyOffset += n
        if s.replyOffset >= s.reply.count + 5 {
            // Trailers must be submitted here, on EOF: submitted earlier they overtake the DATA.
            flags.pointee |= NG.eofNoEndStream
            transition(s, to: .done)
            if nghttp2_submit_trailer(session, s.id, okTrailers.pointer, okTrailers.count) != 0 { reset(s) }
            if s.isLarge { core.configuration.afterLargeCall?() }
        }
        return n
    }

    /// Trailers-Only error reply (one HEADERS frame with END_STREAM), or a plain HTTP error.
    private func fail(_ s: ServerStream, _ error: RPCError, httpStatus: Int = 200, extra: [HeaderField] = []) {
        guard s.phase == .receiving || s.phase == .queued || s.phase == .running, let session else { return }
        transition(s, to: .done)
        s.task?.cancel()
        s.task = nil
        var fields = [HeaderField(":status", String(httpStatus)), HeaderField("content-type", "application/grpc"),
                      HeaderField("grpc-status", String(error.code.rawValue))]
        if !error.message.isEmpty { fields.append(HeaderField("grpc-message", GRPCFraming.percentEncode(error.sentMessage))) }
        fields += extra
        let rc = withHeaderBlock(fields) { NG.submitResponse(session, stream: s.id, headers: $0, count: $1, withBody: false) }
        if rc != 0 {
            reset(s)
        } else if !s.remoteClosed {
            s.resetAfterReply = true
        }
        loop.markDirty(self)
    }

    private func reset(_ s: ServerStream) {
        transition(s, to: .done)
        if let session {
            _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), s.id,
                                          UInt32(NGHTTP2_INTERNAL_ERROR.rawValue))
        }
    }

    // MARK: Timers, idleness, shutdown

    override func timerFired(key: Int64, now: ContinuousClock.Instant) {
        guard let s = streams[Int32(truncatingIfNeeded: key)], let deadline = s.deadline, deadline <= now else { return }
        s.deadlineTimer = nil
        let budget = core.configuration.maxCallDuration
        let clientDeadline = s.timeout.map { $0 <= budget } ?? false   // false: the budget came first
        fail(s, RPCError(.deadlineExceeded, clientDeadline
            ? "deadline exceeded" : "deadline exceeded: the call ran longer than the server's per-call budget of \(budget)"))
    }

    override func sweep(now: ContinuousClock.Instant) -> Bool {
        guard let session else { return false }
        let stall = core.configuration.stalledRequestTimeout
        for s in streams.values where s.phase == .receiving && s.lastProgress + stall <= now {
            fail(s, RPCError(.deadlineExceeded, "the request stalled: no data for \(stall); the stream is reset"))
            releaseRequestBytes(s)
        }
        if streams.isEmpty && lastActivity + core.configuration.idleTimeout <= now {
            _ = nghttp2_session_terminate_session(session, NG.noError)
            loop.markDirty(self)
        }
        return true
    }

    override func shutdownNotice() {
        guard let session else { return }
        _ = nghttp2_submit_shutdown_notice(session)
    }

    override func finalGoaway() {
        guard let session else { return }
        _ = nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue),
                                  nghttp2_session_get_last_proc_stream_id(session), NG.noError, nil, 0)
    }
}

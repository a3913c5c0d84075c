// A byte-oriented gRPC unary client on nghttp2: h2c with prior knowledge, one TCP connection
// (re-dialled lazily when it drops or the server sends GOAWAY), calls multiplexed as streams.
// Its connection lives on a private EventLoop thread; callers hand calls over through the mailbox.

import SuggestionAPI
import Synchronization
internal import CNghttp2
internal import CShims
#if canImport(Glibc)
import Glibc
#endif

public final class GRPCClient: Sendable {
    private let loop: EventLoop?
    private let core: ClientCore
    private let nextCallID = Atomic<UInt64>(1)

    /// `maxMessageBytes` caps the reply (RESOURCE_EXHAUSTED) and the request.
    public init(host: String, port: Int, maxMessageBytes: Int = 64 << 20) {
        core = ClientCore(host: host, port: port, maxMessageBytes: min(max(maxMessageBytes, 0), Int(UInt32.max)))
        var started: EventLoop?
        if let loop = try? EventLoop(), let thread = try? startThread({ loop.run() }) {
            pthread_detach(thread)
            started = loop
        }
        loop = started
    }

    deinit {
        // No call can be in flight here: every pending `unary` holds `self`.
        loop?.post(.run { $0.stop() })
    }

    /// One unary call. `timeout` is sent as grpc-timeout and also enforced here (DEADLINE_EXCEEDED).
    /// Cancelling the calling Task resets the stream (CANCELLED).
    public func unary(path: String, request: [UInt8], timeout: Duration? = nil,
                      metadata: [(String, String)] = []) async throws(RPCError) -> [UInt8] {
        guard let loop else { throw RPCError(.unavailable, "client for \(core.authority) has no I/O thread") }
        guard request.count <= core.maxMessageBytes else {
            throw RPCError(.resourceExhausted,
                           "request message of \(request.count) bytes exceeds the limit of \(core.maxMessageBytes) bytes")
        }
        let call = ClientCall(id: nextCallID.wrappingAdd(1, ordering: .relaxed).oldValue, path: path, request: request,
                              deadline: timeout.map { ContinuousClock.now + $0 }, metadata: metadata,
                              limit: core.maxMessageBytes)
        let core = self.core
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<[UInt8], RPCError>, Never>) in
                call.continuation = continuation
                loop.post(.run { core.start(call, on: $0) })
            }
        } onCancel: {
            call.cancelRequested.store(true, ordering: .relaxed)
            loop.post(.run { _ in core.cancel(call) })
        }
        return try result.get()
    }

    /// A typed unary call: the request encoded, the reply decoded by `decode` (a reply that does not
    /// decode is UNAVAILABLE naming the method: the peer, not the caller, is at fault).
    public func call<Request, Reply, Result>(_ method: RPCMethod<Request, Reply>, _ request: Request,
                                             timeout: Duration? = nil,
                                             decode: ([UInt8]) throws(RPCError) -> Result) async throws(RPCError) -> Result {
        let bytes = try await unary(path: method.path, request: request.serializedBytes(), timeout: timeout)
        do {
            return try decode(bytes)
        } catch {
            throw RPCError(.unavailable, "\(core.authority) sent an undecodable \(Reply.protoFullName) for \(method.path): \(error.message)")
        }
    }

    /// A typed unary call whose reply is decoded into `Reply`.
    public func call<Request, Reply>(_ method: RPCMethod<Request, Reply>, _ request: Request,
                                     timeout: Duration? = nil) async throws(RPCError) -> Reply {
        try await call(method, request, timeout: timeout) { (bytes: [UInt8]) throws(RPCError) in try Reply(serializedBytes: bytes) }
    }

    /// Closes the connection; calls in flight fail with CANCELLED. A later call dials again.
    public func close() {
        let core = self.core
        loop?.post(.run { core.closeAll(on: $0) })
    }
}

/// One call. `@unchecked Sendable`: created by the caller, then touched only on the loop thread,
/// except `cancelRequested` (atomic).
final class ClientCall: @unchecked Sendable {
    let id: UInt64
    let path: String
    var request: [UInt8]
    let deadline: ContinuousClock.Instant?
    let metadata: [(String, String)]
    let cancelRequested = Atomic<Bool>(false)
    var continuation: CheckedContinuation<Result<[UInt8], RPCError>, Never>?
    var streamID: Int32 = 0
    var requestOffset = 0
    var httpStatus = 0
    var status: StatusCode?
    var statusInvalid = false
    var message: String?
    var assembler: MessageAssembler
    var finished = false
    /// The connection carrying this call (loop thread only).
    weak var connection: ClientConnection?

    init(id: UInt64, path: String, request: [UInt8], deadline: ContinuousClock.Instant?, metadata: [(String, String)],
         limit: Int) {
        self.id = id
        self.path = path
        self.request = request
        self.deadline = deadline
        self.metadata = metadata
        assembler = MessageAssembler(limit: limit)
    }

    func finish(_ result: Result<[UInt8], RPCError>) {
        guard !finished else { return }
        finished = true
        request = []
        continuation?.resume(returning: result)
        continuation = nil
    }
}

/// The client's state on its loop thread. `@unchecked Sendable`: only touched on that thread.
final class ClientCore: @unchecked Sendable {
    let host: String
    let port: Int
    let authority: String
    let maxMessageBytes: Int
    private var current: ClientConnection?
    private var live: [UInt64: ClientConnection] = [:]

    init(host: String, port: Int, maxMessageBytes: Int) {
        self.host = host
        self.port = port
        authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        self.maxMessageBytes = maxMessageBytes
    }

    func start(_ call: ClientCall, on loop: EventLoop) {
        if call.cancelRequested.load(ordering: .relaxed) {
            return call.finish(.failure(RPCError(.cancelled, "call cancelled by the caller")))
        }
        let connection: ClientConnection
        if let c = current, !c.isClosed, !c.goingAway {
            connection = c
        } else {
            switch dial(on: loop) {
            case let .success(c): connection = c
            case let .failure(error): return call.finish(.failure(error))
            }
        }
        current = connection
        if let deadline = call.deadline {
            loop.schedule(at: deadline, connection: connection.id, key: Int64(bitPattern: call.id))
        }
        connection.add(call)
    }

    func cancel(_ call: ClientCall) {
        guard !call.finished else { return }
        if let c = call.connection { c.abort(call, RPCError(.cancelled, "call cancelled by the caller"), code: NG.cancel) }
    }

    func closeAll(on loop: EventLoop) {
        current = nil
        for c in Array(live.values) {
            c.closedByCaller = true
            loop.closeConnection(c)
        }
    }

    func connectionGone(_ c: ClientConnection) {
        live[c.id] = nil
        if current === c { current = nil }
    }

    func connectionGoingAway(_ c: ClientConnection) {
        if current === c { current = nil }
    }

    private func dial(on loop: EventLoop) -> Result<ClientConnection, RPCError> {
        var gaiError: Int32 = 0
        let fd = cshims_tcp_connect(host, Int32(clamping: port), &gaiError)
        guard fd >= 0 else {
            let reason = gaiError != 0 ? String(cString: gai_strerror(gaiError)) : errnoText()
            return .failure(RPCError(.unavailable, "cannot connect to \(authority): \(reason)"))
        }
        let c = ClientConnection(id: loop.makeConnectionID(), fd: fd, loop: loop, core: self)
        c.watchingWritable = true
        guard loop.register(c, writable: true) else {
            let reason = errnoText()
            c.teardown()
            return .failure(RPCError(.unavailable, "cannot connect to \(authority): \(reason)"))
        }
        live[c.id] = c
        return .success(c)
    }
}

final class ClientConnection: H2Connection {
    private let core: ClientCore
    private var connecting = true
    private var connectError: String?
    private var pending: [ClientCall] = []
    private var streams: [Int32: ClientCall] = [:]
    private var calls: [UInt64: ClientCall] = [:]
    var goingAway = false
    var closedByCaller = false

    init(id: UInt64, fd: Int32, loop: EventLoop, core: ClientCore) {
        self.core = core
        super.init(id: id, fd: fd, loop: loop)
    }

    override var keepsOpenWithoutSession: Bool { connecting }

    override func writableWithoutSession() -> Bool {
        let error = cshims_socket_error(fd)
        guard error == 0 else {
            connectError = errnoText(error)
            return false
        }
        connecting = false
        guard makeSession(server: false) else {
            connectError = "cannot create an HTTP/2 session"
            return false
        }
        submitSettings(maxConcurrentStreams: nil, maxHeaderListBytes: 64 << 10)
        let waiting = pending
        pending = []
        for call in waiting { submit(call) }
        loop.markDirty(self)
        return true
    }

    func add(_ call: ClientCall) {
        calls[call.id] = call
        call.connection = self
        if connecting { pending.append(call) } else { submit(call) }
    }

    private func submit(_ call: ClientCall) {
        guard !call.finished, let session else { return }
        var fields = [HeaderField(":method", "POST"), HeaderField(":scheme", "http"), HeaderField(":path", call.path),
                      HeaderField(":authority", core.authority), HeaderField("content-type", "application/grpc"),
                      HeaderField("te", "trailers")]
        if let deadline = call.deadline {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return finish(call, .failure(RPCError(.deadlineExceeded, "deadline exceeded"))) }
            fields.append(HeaderField("grpc-timeout", GRPCFraming.encodeTimeout(remaining)))
        }
        for (name, value) in call.metadata where !name.hasPrefix(":") {
            fields.append(HeaderField(name.lowercased(), value))
        }
        let stream = withHeaderBlock(fields) { NG.submitRequest(session, headers: $0, count: $1) }
        guard stream > 0 else {
            if stream == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE.rawValue {
                goingAway = true
                core.connectionGoingAway(self)
            }
            return finish(call, .failure(nghttp2Error(stream, "cannot start a call to \(core.authority)")))
        }
        call.streamID = stream
        streams[stream] = call
        loop.markDirty(self)
    }

    private func finish(_ call: ClientCall, _ result: Result<[UInt8], RPCError>) {
        calls[call.id] = nil
        call.finish(result)
    }

    /// Ends a call locally (deadline, cancellation, oversized reply) and resets its stream.
    func abort(_ call: ClientCall, _ error: RPCError, code: UInt32) {
        guard !call.finished else { return }
        finish(call, .failure(error))
        if call.streamID > 0, let session {
            _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), call.streamID, code)
            loop.markDirty(self)
        } else {
            pending.removeAll { $0 === call }
        }
    }

    override func timerFired(key: Int64, now: ContinuousClock.Instant) {
        guard let call = calls[UInt64(bitPattern: key)] else { return }
        abort(call, RPCError(.deadlineExceeded, "deadline exceeded"), code: NG.cancel)
    }

    override func teardown() {
        let error: RPCError
        if closedByCaller {
            error = RPCError(.cancelled, "client closed")
        } else if connecting || session == nil {
            error = RPCError(.unavailable, "cannot connect to \(core.authority): \(connectError ?? "connection failed")")
        } else {
            error = RPCError(.unavailable, "connection to \(core.authority) closed")
        }
        let open = Array(calls.values)
        calls.removeAll()
        streams.removeAll()
        pending.removeAll()
        for call in open { call.finish(.failure(error)) }
        core.connectionGone(self)
        super.teardown()
    }

    // MARK: Callbacks

    override func readBody(stream: Int32, into buffer: UnsafeMutableRawBufferPointer,
                           flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard let call = streams[stream], !call.finished else { return Int(NG.temporalFailure) }
        let n = GRPCFraming.copyFramed(call.request, from: call.requestOffset, into: buffer)
        call.requestOffset += n
        if call.requestOffset >= call.request.count + 5 {
            flags.pointee |= NG.eof
            call.request = []
        }
        return n
    }

    override func onHeader(_ frame: UnsafePointer<nghttp2_frame>, name: UnsafeBufferPointer<UInt8>,
                           value: UnsafeBufferPointer<UInt8>) -> Int32 {
        guard let call = streams[frame.pointee.hd.stream_id], !call.finished else { return 0 }
        if Self.equals(name, ":status") {
            call.httpStatus = Int(GRPCFraming.parseStatus(value)?.rawValue ?? 0)
        } else if Self.equals(name, "grpc-status") {
            call.status = GRPCFraming.parseStatus(value)
            call.statusInvalid = call.status == nil
        } else if Self.equals(name, "grpc-message") {
            call.message = GRPCFraming.percentDecode(value)
        }
        return 0
    }

    override func onData(stream: Int32, _ data: UnsafeRawBufferPointer) -> Int32 {
        guard let call = streams[stream], !call.finished else { return 0 }
        call.assembler.append(data)
        switch call.assembler.failure {
        case nil:
            break
        case let .tooLarge(declared):
            abort(call, RPCError(.resourceExhausted,
                                 "reply message of \(declared) bytes exceeds the limit of \(core.maxMessageBytes) bytes"),
                  code: NG.cancel)
        case .compressed:
            abort(call, RPCError(.internalError, "compressed reply, but only identity encoding was offered"), code: NG.cancel)
        default:
            abort(call, RPCError(.internalError, "a unary reply must carry exactly one message, got more"), code: NG.cancel)
        }
        return 0
    }

    override func onFrameReceived(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        if frame.pointee.hd.type == NG.goawayFrame {
            goingAway = true
            core.connectionGoingAway(self)
        }
        return 0
    }

    override func onStreamClosed(_ stream: Int32, errorCode: UInt32) {
        guard let call = streams.removeValue(forKey: stream), !call.finished else { return }
        finish(call, outcome(of: call, errorCode: errorCode))
    }

    private func outcome(of call: ClientCall, errorCode: UInt32) -> Result<[UInt8], RPCError> {
        if let status = call.status {
            guard status == .ok else { return .failure(RPCError(status, call.message ?? "")) }
            switch call.assembler.finish() {
            case let .success(message): return .success(message)
            case .failure(.noMessage): return .failure(RPCError(.internalError, "OK reply without a message"))
            case .failure: return .failure(RPCError(.internalError, "reply message truncated"))
            }
        }
        if call.statusInvalid { return .failure(RPCError(.internalError, "reply carried an invalid grpc-status")) }
        switch errorCode {
        case NG.noError:
            break
        case NG.refusedStream:
            return .failure(RPCError(.unavailable, "\(core.authority) refused the call (stream refused)"))
        case NG.cancel:
            return .failure(RPCError(.cancelled, "\(core.authority) cancelled the call"))
        case UInt32(NGHTTP2_ENHANCE_YOUR_CALM.rawValue):
            return .failure(RPCError(.resourceExhausted, "\(core.authority) reset the call: enhance your calm"))
        default:
            return .failure(RPCError(.internalError, "\(core.authority) reset the call with HTTP/2 error \(errorCode)"))
        }
        if call.httpStatus != 200 && call.httpStatus != 0 {
            return .failure(RPCError(GRPCFraming.statusForHTTP(call.httpStatus), "HTTP status \(call.httpStatus)"))
        }
        return .failure(RPCError(.internalError, "reply from \(core.authority) carried no grpc-status"))
    }
}

/// Clients shared across calls, one per address: a service that calls the same peer on every request
/// (the early-stopping service and Katib's DBManager) keeps one connection and one I/O thread
/// instead of starting both per call. At most `capacity` addresses are kept; the least recently used
/// one is closed when another is needed.
public final class GRPCClientPool: Sendable {
    private struct Entry {
        let client: GRPCClient
        var lastUse: UInt64
    }
    private let entries = Mutex<(clients: [String: Entry], clock: UInt64)>(([:], 0))
    public let capacity: Int
    public let maxMessageBytes: Int

    public init(capacity: Int = 4, maxMessageBytes: Int = 64 << 20) {
        self.capacity = max(capacity, 1)
        self.maxMessageBytes = maxMessageBytes
    }

    /// The client for `host:port`, created on first use.
    public func client(host: String, port: Int) -> GRPCClient {
        let key = "\(host)\u{0}\(port)"
        let (client, evicted) = entries.withLock { state -> (GRPCClient, GRPCClient?) in
            state.clock += 1
            if var entry = state.clients[key] {
                entry.lastUse = state.clock
                state.clients[key] = entry
                return (entry.client, nil)
            }
            var evicted: GRPCClient? = nil
            if state.clients.count >= capacity, let oldest = state.clients.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                evicted = oldest.value.client
                state.clients[oldest.key] = nil
            }
            let client = GRPCClient(host: host, port: port, maxMessageBytes: maxMessageBytes)
            state.clients[key] = Entry(client: client, lastUse: state.clock)
            return (client, evicted)
        }
        evicted?.close()
        return client
    }

    /// How many clients are kept (for tests).
    public var count: Int { entries.withLock { $0.clients.count } }
}

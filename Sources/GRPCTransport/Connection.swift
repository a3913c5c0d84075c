// One HTTP/2 connection: its socket, its nghttp2 session, and the byte pump between them.
// Server and client connections subclass H2Connection and override the frame callbacks.
//
// Invariants:
// - Only the owning EventLoop's thread touches a connection or its session.
// - nghttp2 callbacks receive the connection as an unretained `user_data`; the session is deleted
//   in `teardown()` (and at the latest in `deinit`), so the pointer never outlives the object.
// - Callbacks never close the connection or call mem_recv/mem_send; they only submit frames and
//   mark the connection dirty. Closing happens at the top of the loop.
// - Nothing a peer sends may trap: callbacks guard every lookup and use checked arithmetic.

import SuggestionAPI
internal import CNghttp2
internal import CShims
#if canImport(Glibc)
import Glibc
#endif

// MARK: nghttp2 API surface that changed in 1.60 (the `*2` / nghttp2_ssize variants).
// Every use of mem_send, data providers, submit_response and submit_request goes through here.

enum NG {
    typealias ReadCallback = nghttp2_data_source_read_callback

    static func memSend(_ session: OpaquePointer, _ data: inout UnsafePointer<UInt8>?) -> Int {
        nghttp2_session_mem_send(session, &data)
    }

    static func submitResponse(_ session: OpaquePointer, stream: Int32, headers: UnsafePointer<nghttp2_nv>,
                               count: Int, withBody: Bool) -> Int32 {
        guard withBody else { return nghttp2_submit_response(session, stream, headers, count, nil) }
        var provider = nghttp2_data_provider()
        provider.read_callback = dataSourceRead
        return nghttp2_submit_response(session, stream, headers, count, &provider)
    }

    /// Returns the new stream id, or a negative nghttp2 error code.
    static func submitRequest(_ session: OpaquePointer, headers: UnsafePointer<nghttp2_nv>, count: Int) -> Int32 {
        var provider = nghttp2_data_provider()
        provider.read_callback = dataSourceRead
        return nghttp2_submit_request(session, nil, headers, count, &provider, nil)
    }

    static let dataSourceRead: ReadCallback = { _, streamID, buffer, length, flags, _, userData in
        guard let userData, let buffer, let flags else { return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue) }
        let connection = Unmanaged<H2Connection>.fromOpaque(userData).takeUnretainedValue()
        return connection.readBody(stream: streamID, into: UnsafeMutableRawBufferPointer(start: buffer, count: length),
                                   flags: flags)
    }

    static let temporalFailure = Int32(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
    static let eofNoEndStream = UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue)
    static let eof = UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue)
    static let endStream = UInt8(NGHTTP2_FLAG_END_STREAM.rawValue)
    static let headersFrame = UInt8(NGHTTP2_HEADERS.rawValue)
    static let dataFrame = UInt8(NGHTTP2_DATA.rawValue)
    static let goawayFrame = UInt8(NGHTTP2_GOAWAY.rawValue)
    static let noError = UInt32(NGHTTP2_NO_ERROR.rawValue)
    static let cancel = UInt32(NGHTTP2_CANCEL.rawValue)
    static let refusedStream = UInt32(NGHTTP2_REFUSED_STREAM.rawValue)
}

/// The one mapping from nghttp2 library error codes (negative return values) to RPCError.
func nghttp2Error(_ code: some BinaryInteger, _ context: String) -> RPCError {
    let value = Int32(truncatingIfNeeded: code)
    let text = String(cString: nghttp2_strerror(value))
    let status: StatusCode
    switch value {
    case NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE.rawValue, NGHTTP2_ERR_START_STREAM_NOT_ALLOWED.rawValue,
         NGHTTP2_ERR_SESSION_CLOSING.rawValue, NGHTTP2_ERR_EOF.rawValue:
        status = .unavailable
    case NGHTTP2_ERR_NOMEM.rawValue:
        status = .resourceExhausted
    default:
        status = .internalError
    }
    return RPCError(status, "\(context): \(text)")
}

// MARK: Header blocks

/// A header to send. Names must be lowercase.
struct HeaderField {
    var name: String
    var value: [UInt8]
    init(_ name: String, _ value: [UInt8]) { self.name = name; self.value = value }
    init(_ name: String, _ value: String) { self.name = name; self.value = Array(value.utf8) }
}

/// Packs the fields into one temporary buffer and calls `body` with an nghttp2_nv array over it.
/// nghttp2 copies names and values during submit_*, so the buffer need only outlive the call.
func withHeaderBlock<R>(_ fields: [HeaderField], _ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
    var total = 0
    for f in fields { total += f.name.utf8.count + f.value.count }
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 1)
    defer { storage.deallocate() }
    let nvs = UnsafeMutablePointer<nghttp2_nv>.allocate(capacity: max(fields.count, 1))
    defer { nvs.deallocate() }
    var offset = 0
    for (i, f) in fields.enumerated() {
        let name = storage.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
        UnsafeMutableRawBufferPointer(rebasing: storage[offset...]).copyBytes(from: f.name.utf8)
        offset += f.name.utf8.count
        let value = storage.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
        UnsafeMutableRawBufferPointer(rebasing: storage[offset...]).copyBytes(from: f.value)
        offset += f.value.count
        (nvs + i).initialize(to: nghttp2_nv(name: name, value: value, namelen: f.name.utf8.count, valuelen: f.value.count,
                                            flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
    }
    return body(nvs, fields.count)
}

/// A header block built once and kept for the life of the process (hot-path OK replies).
struct StaticHeaderBlock: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<nghttp2_nv>
    let count: Int

    init(_ fields: [(String, String)]) {
        pointer = .allocate(capacity: fields.count)
        count = fields.count
        for (i, (name, value)) in fields.enumerated() {
            let n = Array(name.utf8), v = Array(value.utf8)
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: n.count + v.count)
            bytes.initialize(from: n + v, count: n.count + v.count)
            pointer[i] = nghttp2_nv(name: bytes, value: bytes + n.count, namelen: n.count, valuelen: v.count,
                                    flags: UInt8(NGHTTP2_NV_FLAG_NO_COPY_NAME.rawValue | NGHTTP2_NV_FLAG_NO_COPY_VALUE.rawValue))
        }
    }
}

// MARK: Connection

class H2Connection {
    let id: UInt64
    let fd: Int32
    unowned let loop: EventLoop
    var session: OpaquePointer?
    private(set) var isClosed = false
    var isDirty = false
    /// Whether EPOLLOUT is registered (set by whoever registers the socket with it).
    var watchingWritable = false
    private var output: [UInt8] = []
    private var outputSent = 0
    var lastActivity: ContinuousClock.Instant = .now

    /// Coalesce this much of nghttp2's small frames before each send().
    private static let sendChunk = 64 << 10

    init(id: UInt64, fd: Int32, loop: EventLoop) {
        self.id = id
        self.fd = fd
        self.loop = loop
        output.reserveCapacity(Self.sendChunk)
    }

    deinit {
        if let session { nghttp2_session_del(session) }
        if !isClosed { close(fd) }
    }

    /// Creates the session with the shared callbacks; `server` selects the role.
    func makeSession(server: Bool) -> Bool {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else { return false }
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            guard let frame, let userData else { return 0 }
            return Unmanaged<H2Connection>.fromOpaque(userData).takeUnretainedValue().onBeginHeaders(frame)
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, userData in
            guard let frame, let userData, let name, let value else { return 0 }
            return Unmanaged<H2Connection>.fromOpaque(userData).takeUnretainedValue().onHeader(
                frame, name: UnsafeBufferPointer(start: name, count: nameLength),
                value: UnsafeBufferPointer(start: value, count: valueLength))
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, length, userData in
            guard let userData, let data else { return 0 }
            return Unmanaged<H2Connection>.fromOpaque(userData).takeUnretainedValue().onData(
                stream: streamID, UnsafeRawBufferPointer(start: data, count: length))
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            guard let frame, let userData else { return 0 }
            return Unmanaged<H2Connection>.fromOpaque(userData).takeUnretainedValue().onFrameReceived(frame)
        }
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks) { _, frame, userData in
            guard let frame, let userData else { return 0 }
            return Unmanaged<H2Connection>.fromOpaque(userData).takeUnretainedValue().onFrameSent(frame)
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            guard let userData else { return 0 }
            Unmanaged<H2Connection>.fromOpaque(userData).takeUnretainedValue().onStreamClosed(streamID, errorCode: errorCode)
            return 0
        }

        // nghttp2's defaults already bound SETTINGS, PING-ACK and RST_STREAM floods and CONTINUATION
        // runs; keep them.
        var created: OpaquePointer?
        let me = Unmanaged.passUnretained(self).toOpaque()
        let rc = server ? nghttp2_session_server_new(&created, callbacks, me)
                        : nghttp2_session_client_new(&created, callbacks, me)
        guard rc == 0, let created else { return false }
        session = created
        return true
    }

    /// SETTINGS plus the connection-level receive window (SETTINGS cannot raise that one).
    func submitSettings(maxConcurrentStreams: UInt32?, maxHeaderListBytes: Int) {
        guard let session else { return }
        var settings = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: 1 << 20),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue),
                                   value: UInt32(clamping: maxHeaderListBytes)),
        ]
        if let maxConcurrentStreams {
            settings.append(nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue),
                                                   value: maxConcurrentStreams))
        } else {
            settings.append(nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0))
        }
        _ = nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), settings, settings.count)
        _ = nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, 8 << 20)
        loop.markDirty(self)
    }

    // MARK: I/O (called by the loop)

    /// Reads what is available and feeds it to nghttp2. Returns false when the connection must close.
    func readable(buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard let session, !isClosed else { return false }
        // A few reads per wake-up keep one busy peer from starving the others (level-triggered).
        for _ in 0 ..< 4 {
            let n = cshims_recv(fd, buffer.baseAddress, UInt(buffer.count))
            if n == -2 { break }
            if n <= 0 { return false }
            lastActivity = .now
            let consumed = nghttp2_session_mem_recv(session, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), n)
            loop.markDirty(self)
            if consumed < 0 {
                // Let nghttp2's GOAWAY (bad preface, protocol error, flood) go out, then close.
                _ = flush()
                return false
            }
            if n < buffer.count { break }
        }
        return true
    }

    /// Drains nghttp2's output to the socket. Returns false when the connection must close.
    func flush() -> Bool {
        guard let session, !isClosed else { return false }
        while true {
            if outputSent < output.count {
                let n = output.withUnsafeBytes { cshims_send(fd, $0.baseAddress! + outputSent, UInt($0.count - outputSent)) }
                if n == -2 {
                    watchWritable(true)
                    return true
                }
                if n < 0 { return false }
                outputSent += n
                continue
            }
            output.removeAll(keepingCapacity: true)
            outputSent = 0
            while output.count < Self.sendChunk {
                var chunk: UnsafePointer<UInt8>?
                let n = NG.memSend(session, &chunk)
                if n < 0 { return false }
                guard n > 0, let chunk else { break }
                output.append(contentsOf: UnsafeBufferPointer(start: chunk, count: n))
            }
            if output.isEmpty {
                watchWritable(false)
                return nghttp2_session_want_read(session) != 0 || nghttp2_session_want_write(session) != 0
                    || keepsOpenWithoutSession
            }
        }
    }

    /// A connection with no session traffic that must stay registered (a client still connecting).
    var keepsOpenWithoutSession: Bool { false }

    private func watchWritable(_ on: Bool) {
        guard on != watchingWritable else { return }
        watchingWritable = on
        _ = cshims_epoll_mod(loop.epollFD, fd, CSHIMS_EV_IN | (on ? CSHIMS_EV_OUT : 0), id)
    }

    /// Closes the socket and deletes the session; subclasses first fail or cancel their streams.
    func teardown() {
        guard !isClosed else { return }
        isClosed = true
        if let session { nghttp2_session_del(session) }
        session = nil
        close(fd)
    }

    // MARK: Callbacks (overridden)

    func onBeginHeaders(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 { 0 }
    func onHeader(_ frame: UnsafePointer<nghttp2_frame>, name: UnsafeBufferPointer<UInt8>,
                  value: UnsafeBufferPointer<UInt8>) -> Int32 { 0 }
    func onData(stream: Int32, _ data: UnsafeRawBufferPointer) -> Int32 { 0 }
    func onFrameReceived(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 { 0 }
    func onFrameSent(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 { 0 }
    func onStreamClosed(_ stream: Int32, errorCode: UInt32) {}
    func readBody(stream: Int32, into buffer: UnsafeMutableRawBufferPointer,
                  flags: UnsafeMutablePointer<UInt32>) -> Int { Int(NG.temporalFailure) }
    /// A handler Task's result, posted through the loop's mailbox.
    func complete(stream: Int32, result: Result<[UInt8], RPCError>) {}
    /// A timer this connection scheduled with `key` is due.
    func timerFired(key: Int64, now: ContinuousClock.Instant) {}
    /// The socket became writable while `keepsOpenWithoutSession` (client connect completion).
    func writableWithoutSession() -> Bool { false }
    /// Periodic housekeeping; return false to close.
    func sweep(now: ContinuousClock.Instant) -> Bool { true }
    /// Graceful shutdown, phase 1 (GOAWAY notice) and phase 2 (final GOAWAY).
    func shutdownNotice() {}
    func finalGoaway() {}

    // MARK: Helpers for subclasses

    /// Byte-wise comparison of a header name against a lowercase ASCII literal.
    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        for i in 0 ..< bytes.count where bytes[i] != p[i] { return false }
        return true
    }

    static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        guard bytes.count >= literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        for i in 0 ..< literal.utf8CodeUnitCount where bytes[i] != p[i] { return false }
        return true
    }
}

// gRPC-over-HTTP/2 framing rules that do not depend on nghttp2: the 5-byte message prefix,
// grpc-timeout, grpc-message percent-encoding, and the HTTP-status fallback mapping.
// Pure functions over bytes (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md).
import SuggestionAPI

enum GRPCFraming {
    /// The Length-Prefixed-Message header: compressed flag (always 0 here) and big-endian length.
    static func prefix(length: Int) -> (UInt8, UInt8, UInt8, UInt8, UInt8) {
        let n = UInt32(truncatingIfNeeded: length)
        return (0, UInt8(truncatingIfNeeded: n >> 24), UInt8(truncatingIfNeeded: n >> 16),
                UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n))
    }

    /// Byte `index` of the virtual concatenation `prefix(length: message.count) + message`, copied
    /// into `destination`; returns how many bytes were written. Lets a DATA frame carry the framed
    /// message without first copying the message behind a prefix.
    static func copyFramed(_ message: [UInt8], from offset: Int,
                           into destination: UnsafeMutableRawBufferPointer) -> Int {
        var written = 0
        var position = offset
        if position < 5 {
            let p = prefix(length: message.count)
            let header = [p.0, p.1, p.2, p.3, p.4]
            while position < 5 && written < destination.count {
                destination[written] = header[position]
                written += 1
                position += 1
            }
        }
        let start = position - 5
        let count = min(message.count - start, destination.count - written)
        if count > 0 {
            message.withUnsafeBytes { src in
                (destination.baseAddress! + written).copyMemory(from: src.baseAddress! + start, byteCount: count)
            }
            written += count
        }
        return written
    }

    // MARK: grpc-timeout

    /// Parses `grpc-timeout` ("TimeoutValue TimeoutUnit": 1 to 8 ASCII digits, then one of
    /// H M S m u n). Returns nil for anything else; the server then refuses the call with
    /// INVALID_ARGUMENT naming the value (grpc-go answers INTERNAL instead).
    static func parseTimeout<C: Collection>(_ value: C) -> Duration? where C.Element == UInt8 {
        guard value.count >= 2, value.count <= 9 else { return nil }
        var amount: Int64 = 0
        var iterator = value.makeIterator()
        for _ in 0 ..< value.count - 1 {
            guard let c = iterator.next(), c >= 0x30, c <= 0x39 else { return nil }
            amount = amount * 10 + Int64(c - 0x30)   // at most 8 digits: no overflow
        }
        switch iterator.next() {
        case UInt8(ascii: "H"): return .seconds(amount * 3600)
        case UInt8(ascii: "M"): return .seconds(amount * 60)
        case UInt8(ascii: "S"): return .seconds(amount)
        case UInt8(ascii: "m"): return .milliseconds(amount)
        case UInt8(ascii: "u"): return .microseconds(amount)
        case UInt8(ascii: "n"): return .nanoseconds(amount)
        default: return nil
        }
    }

    /// Encodes a timeout with the finest unit that fits in 8 digits, rounding up so that the
    /// server never sees a shorter deadline than the caller asked for.
    static func encodeTimeout(_ timeout: Duration) -> String {
        let (seconds, attoseconds) = timeout.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return "0n" }
        let maxValue: Int64 = 99_999_999
        let (nsFromSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow || nsFromSeconds > Int64.max - 1_000_000_000 { return "\(maxValue)H" }
        let ns = nsFromSeconds + (attoseconds + 999_999_999) / 1_000_000_000
        let units: [(Int64, String)] = [(1, "n"), (1_000, "u"), (1_000_000, "m"), (1_000_000_000, "S"),
                                        (60_000_000_000, "M"), (3_600_000_000_000, "H")]
        for (scale, unit) in units {
            let value = ns / scale + (ns % scale == 0 ? 0 : 1)
            if value <= maxValue { return "\(value)\(unit)" }
        }
        return "\(maxValue)H"
    }

    // MARK: grpc-message

    /// Percent-encodes a status message: every byte of its UTF-8 outside 0x20...0x7E, and '%'.
    static func percentEncode(_ message: String) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(message.utf8.count)
        for b in message.utf8 {
            if b >= 0x20 && b <= 0x7E && b != UInt8(ascii: "%") {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        return out
    }

    /// Decodes a percent-encoded grpc-message. Malformed escapes are kept literally, and invalid
    /// UTF-8 becomes U+FFFD, as the spec asks of receivers.
    static func percentDecode<C: Collection>(_ value: C) -> String where C.Element == UInt8 {
        let bytes = Array(value)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
               let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30 ... 0x39: return c - 0x30
        case 0x41 ... 0x46: return c - 0x41 + 10
        case 0x61 ... 0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    /// Parses a grpc-status value: decimal digits only (no sign, at most 9 digits).
    static func parseStatus<C: Collection>(_ value: C) -> StatusCode? where C.Element == UInt8 {
        guard !value.isEmpty, value.count <= 9 else { return nil }
        var code: Int32 = 0
        for c in value {
            guard c >= 0x30, c <= 0x39 else { return nil }
            code = code * 10 + Int32(c - 0x30)
        }
        return StatusCode(rawValue: code)
    }

    /// The status a client reports for a reply without grpc-status but with a non-200 HTTP status
    /// (PROTOCOL-HTTP2.md, "HTTP to gRPC Status Code Mapping").
    static func statusForHTTP(_ status: Int) -> StatusCode {
        switch status {
        case 400: return .internalError
        case 401: return .unauthenticated
        case 403: return .permissionDenied
        case 404: return .unimplemented
        case 429, 502, 503, 504: return .unavailable
        default: return .unknown
        }
    }
}

/// Reassembles the single Length-Prefixed-Message of a unary call from DATA chunks, enforcing the
/// size cap on the declared length so that an oversized message is refused before it is buffered.
struct MessageAssembler {
    enum Failure: Error, Equatable {
        case compressed
        case tooLarge(declared: Int)
        case multipleMessages
        case truncated
        case noMessage
    }

    let limit: Int
    private(set) var message: [UInt8] = []
    private var header: UInt64 = 0      // prefix bytes read so far, big-endian accumulated
    private var headerCount = 0
    private var remaining = 0
    private var started = false     // a full prefix has been read
    private(set) var failure: Failure?

    init(limit: Int) { self.limit = limit }

    /// Feeds one chunk. Once a failure is reported, later chunks are ignored.
    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        var rest = chunk[...]
        while !rest.isEmpty {
            if remaining > 0 {
                let take = min(remaining, rest.count)
                message.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest.prefix(take)))
                remaining -= take
                rest = rest.dropFirst(take)
                continue
            }
            if started { failure = .multipleMessages; return }
            let take = min(5 - headerCount, rest.count)
            for b in rest.prefix(take) { header = header << 8 | UInt64(b) }
            headerCount += take
            rest = rest.dropFirst(take)
            guard headerCount == 5 else { return }
            if (header >> 32) & 1 != 0 { failure = .compressed; return }
            let length = Int(header & 0xFFFF_FFFF)
            if length > limit { failure = .tooLarge(declared: length); return }
            started = true
            remaining = length
            // A declared length is only a claim: reserve a bounded amount and let the rest grow.
            message.reserveCapacity(min(length, 4 << 20))
        }
    }

    /// The message once the peer has ended its side of the stream.
    func finish() -> Result<[UInt8], Failure> {
        if let failure { return .failure(failure) }
        if !started { return .failure(headerCount == 0 ? .noMessage : .truncated) }
        if remaining > 0 { return .failure(.truncated) }
        return .success(message)
    }

    /// Takes the message out without copying (call after `finish()` succeeded).
    mutating func takeMessage() -> [UInt8] {
        defer { message = [] }
        return message
    }
}

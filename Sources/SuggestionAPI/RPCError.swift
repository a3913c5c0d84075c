/// A gRPC status code (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
/// A struct, not a closed enum, so that a code received from a peer that this build does not know
/// still round-trips.
public struct StatusCode: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let ok = StatusCode(rawValue: 0)
    public static let cancelled = StatusCode(rawValue: 1)
    public static let unknown = StatusCode(rawValue: 2)
    public static let invalidArgument = StatusCode(rawValue: 3)
    public static let deadlineExceeded = StatusCode(rawValue: 4)
    public static let notFound = StatusCode(rawValue: 5)
    public static let alreadyExists = StatusCode(rawValue: 6)
    public static let permissionDenied = StatusCode(rawValue: 7)
    public static let resourceExhausted = StatusCode(rawValue: 8)
    public static let failedPrecondition = StatusCode(rawValue: 9)
    public static let aborted = StatusCode(rawValue: 10)
    public static let outOfRange = StatusCode(rawValue: 11)
    public static let unimplemented = StatusCode(rawValue: 12)
    public static let internalError = StatusCode(rawValue: 13)
    public static let unavailable = StatusCode(rawValue: 14)
    public static let dataLoss = StatusCode(rawValue: 15)
    public static let unauthenticated = StatusCode(rawValue: 16)

    private static let names = [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
        "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ]
    public var description: String {
        rawValue >= 0 && Int(rawValue) < Self.names.count ? Self.names[Int(rawValue)] : "CODE_\(rawValue)"
    }
}

/// The one error type of the project: a gRPC status code, a message for the person who has to fix
/// the problem, and optionally the underlying cause.
///
/// Invariant: user mistakes (bad search space, bad settings, malformed message) carry
/// `.invalidArgument`, never `.internalError`: Katib's controller treats INTERNAL from validation as
/// "valid" and then retries GetSuggestions forever.
public struct RPCError: Error, Sendable, CustomStringConvertible, Equatable {
    public var code: StatusCode
    public var message: String
    public var cause: (any Error & Sendable)?

    public init(_ code: StatusCode, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public static func invalidArgument(_ message: String) -> RPCError { RPCError(.invalidArgument, message) }

    public var description: String { "\(code): \(message)" }

    /// The most UTF-8 bytes of a message that leave this process (`grpc-message`, log lines). Messages
    /// quote what the request held, and a request value can be megabytes: echoed whole it would exceed
    /// clients' header limits (grpcio: 8 KiB of metadata) and the caller would see RESOURCE_EXHAUSTED
    /// or no reply instead of the error. 1 KiB percent-encodes to at most 3 KiB.
    public static let maxSentMessageBytes = 1024

    /// `message` cut to at most `maxBytes` UTF-8 bytes on a scalar boundary, with a note of how much
    /// was left out; unchanged when it fits.
    public static func capped(_ message: String, maxBytes: Int = maxSentMessageBytes) -> String {
        let utf8 = message.utf8
        guard utf8.count > maxBytes else { return message }
        let note = " … (\(utf8.count) bytes, cut)"
        var end = utf8.index(utf8.startIndex, offsetBy: Swift.max(0, maxBytes - note.utf8.count))
        // Back up to the start of a scalar: continuation bytes are 0b10xxxxxx.
        while end > utf8.startIndex && utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        return String(decoding: utf8[..<end], as: UTF8.self) + note
    }

    /// The message as sent to peers: `capped(message)`.
    public var sentMessage: String { Self.capped(message) }

    public static func == (a: RPCError, b: RPCError) -> Bool { a.code == b.code && a.message == b.message }
}

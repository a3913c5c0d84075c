// HTTPS/1.1 requests over OpenSSL (Sources/CHTTPS), for the early-stopping service's calls to the
// Kubernetes API. One connection per request (`Connection: close`); the blocking exchange runs on a
// Dispatch worker so no Swift concurrency thread waits on the network.

import Dispatch
import SuggestionAPI
internal import CHTTPS

/// An HTTP response: status code, header fields (names lower-cased, in order) and the decoded body.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A client for one HTTPS server, verified against a CA bundle.
public struct HTTPSClient: Sendable {
    public var host: String
    public var port: Int
    /// PEM file of the certificate authorities that may sign the server's certificate.
    public var caFile: String
    /// Bound on connecting, and on each read and write.
    public var timeoutMilliseconds: Int
    /// Responses above this size are refused (UNAVAILABLE): nothing this project asks for is large.
    public var maxResponseBytes: Int

    public init(host: String, port: Int, caFile: String, timeoutMilliseconds: Int = 10_000,
                maxResponseBytes: Int = 16 << 20) {
        self.host = host
        self.port = port
        self.caFile = caFile
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxResponseBytes = maxResponseBytes
    }

    /// Sends one request. Transport failures (resolution, connection, TLS, timeouts, a response that
    /// is not HTTP) are UNAVAILABLE with the reason; any HTTP status is returned to the caller.
    public func send(method: String, path: String, headers: [HTTPHeader] = [], body: [UInt8] = []) async throws(RPCError) -> HTTPResponse {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(authority)\r\nConnection: close\r\n"
        for h in headers { text += "\(h.name): \(h.value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" {
            text += "Content-Length: \(body.count)\r\n"
        }
        text += "\r\n"
        let request = Array(text.utf8) + body
        let raw = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[UInt8], RPCError>, Never>) in
            DispatchQueue.global().async {
                continuation.resume(returning: self.exchange(request))
            }
        }
        return try HTTPResponse.parse(try raw.get(), from: authority)
    }

    private var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    private func exchange(_ request: [UInt8]) -> Result<[UInt8], RPCError> {
        var response: UnsafeMutablePointer<CChar>? = nil
        var length = 0
        var error = [CChar](repeating: 0, count: 512)
        let rc = request.withUnsafeBufferPointer { req in
            req.withMemoryRebound(to: CChar.self) { chars in
                katib_https_exchange(host, Int32(port), caFile, chars.baseAddress, chars.count,
                                     Int32(clamping: timeoutMilliseconds), maxResponseBytes,
                                     &response, &length, &error, error.count)
            }
        }
        guard rc == 0, let response else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(RPCError(.unavailable, reason.isEmpty ? "HTTPS request to \(authority) failed" : reason))
        }
        defer { katib_https_free(response) }
        return .success(UnsafeRawBufferPointer(start: response, count: length).map { $0 })
    }
}

extension HTTPResponse {
    /// Parses a complete HTTP/1.1 response: status line, header fields, and a body framed by
    /// `Transfer-Encoding: chunked`, `Content-Length`, or the end of the connection.
    static func parse(_ bytes: [UInt8], from authority: String) throws(RPCError) -> HTTPResponse {
        func bad(_ why: String) -> RPCError { RPCError(.unavailable, "malformed HTTP response from \(authority): \(why)") }
        guard let headEnd = find([13, 10, 13, 10], in: bytes, from: 0) else { throw bad("no end of header") }
        let headText = String(decoding: bytes[..<headEnd], as: UTF8.self)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...999).contains(status) else {
            throw bad("status line \"\(statusLine.prefix(80))\"")
        }
        var headers: [HTTPHeader] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw bad("header line without a colon") }
            headers.append(HTTPHeader(line[..<colon].lowercased(),
                                      line[line.index(after: colon)...].trimming(" \t")))
        }
        var response = HTTPResponse(status: status, headers: headers, body: [])
        let rest = Array(bytes[(headEnd + 4)...])
        if response.header("transfer-encoding")?.lowercased().contains("chunked") == true {
            var body: [UInt8] = []
            var i = 0
            while true {
                guard let lineEnd = find([13, 10], in: rest, from: i) else { throw bad("truncated chunk size") }
                let sizeText = String(decoding: rest[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimming(" \t"), radix: 16), size >= 0 else { throw bad("chunk size") }
                i = lineEnd + 2
                if size == 0 { break }
                guard size <= rest.count - i - 2 else { throw bad("truncated chunk") }   // size + 2 could overflow
                body += rest[i..<(i + size)]
                i += size + 2
            }
            response.body = body
        } else if let lengthText = response.header("content-length") {
            guard let length = Int(lengthText), length >= 0, rest.count >= length else {
                throw bad("body shorter than its Content-Length \(lengthText)")
            }
            response.body = Array(rest[..<length])
        } else {
            response.body = rest
        }
        return response
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}

import SuggestionAPI
import GRPCTransport
import Algorithms

/// Where the per-trial metric logs come from.
public protocol ObservationLogSource: Sendable {
    /// The values of `metric` reported by `trial`, in the source's order (Katib's DBManager: by time).
    /// Failures are RPCErrors naming the trial and the source.
    func values(trial: String, metric: String) async throws(RPCError) -> [Double]
}

/// Katib's DBManager (`/api.v1.beta1.DBManager/GetObservationLog`), reached with our gRPC client.
public struct DBManagerLogSource: ObservationLogSource {
    public let address: DBManagerAddress
    /// Per call; well under the 60 s the controller gives GetEarlyStoppingRules.
    public let timeout: Duration
    let client: GRPCClient

    /// The largest GetObservationLog reply read (RESOURCE_EXHAUSTED past it): 16 MiB holds some
    /// 300,000 log entries of one metric, far more than a trial reports; up to 8 are read at once.
    public static let maxReplyBytes = 16 << 20

    /// The pool the server's calls share (one connection to Katib's DBManager, not one per call).
    public static let clients = GRPCClientPool(capacity: 4, maxMessageBytes: maxReplyBytes)

    public init(address: DBManagerAddress, timeout: Duration = .seconds(10), clients: GRPCClientPool = DBManagerLogSource.clients) {
        self.address = address
        self.timeout = timeout
        client = clients.client(host: address.host, port: address.port)
    }

    public func values(trial: String, metric: String) async throws(RPCError) -> [Double] {
        let request = GetObservationLogRequest(trialName: trial, metricName: metric)
        let bytes: [UInt8]
        do {
            // The reply is decoded below into the metric's values only (no tree of every log entry).
            bytes = try await client.call(.getObservationLog, request, timeout: timeout) { (bytes: [UInt8]) throws(RPCError) in bytes }
        } catch {
            let code: StatusCode = error.code == .cancelled ? .cancelled : .unavailable
            // Transport failures (refused, reset, closed, unreachable) are reported alike, so the
            // service cannot be used to tell open ports from closed ones.
            let why = error.code == .unavailable ? "the DBManager is unreachable" : "\(error.code): \(RPCError.capped(error.message, maxBytes: 200))"
            throw RPCError(code, "cannot read the \(metric) log of trial \(trial) from the DBManager at \(address): \(why)")
        }
        do {
            return try GetObservationLogReply.metricValues(bytes, metric: metric) { ValueFormatting.parseDouble($0.trimming()) }
        } catch {
            throw RPCError(.unavailable, "the DBManager at \(address) sent an undecodable GetObservationLog reply for trial \(trial)")
        }
    }
}

/// `db_manager_address` as Katib sends it: `host:port`, or `[ipv6]:port`.
public struct DBManagerAddress: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(parsing text: String) throws(RPCError) {
        func bad(_ why: String) -> RPCError {
            .invalidArgument("db_manager_address \"\(text)\" is not host:port (\(why)); Katib sends e.g. katib-db-manager.kubeflow:6789")
        }
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw bad("no closing ]") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw bad("no port after ]") }
            portText = rest.dropFirst()
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw bad(parts.count < 2 ? "no port" : "more than one ':'") }
            host = parts[0]
            portText = parts[1]
        }
        guard !host.isEmpty else { throw bad("empty host") }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" || $0 == ":" }),
              host.unicodeScalars.allSatisfy({ $0.isASCII }) else { throw bad("the host has characters a host name cannot have") }
        guard let port = Int(portText), (1...65535).contains(port) else { throw bad("the port must be an integer in 1...65535") }
        self.host = String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Which `db_manager_address`es a GetEarlyStoppingRules request may make this service dial. The
/// address comes from the request, so without a rule anyone who reaches port 6788 could make the
/// service connect wherever it can (a port scanner, or a fake DBManager). Anything else is refused
/// with INVALID_ARGUMENT before any connection is made.
public struct DBManagerPolicy: Sendable {
    /// Patterns `host:port`; `*` in the host matches one DNS label (no dots), `*` alone any host.
    public var allowed: [String]

    /// Katib's DBManager Service in any namespace, by every name cluster DNS gives it:
    /// `katib-db-manager.<namespace>`, `.svc` and `.svc.cluster.local`, port 6789.
    public static let katib = DBManagerPolicy(allowed: [
        "katib-db-manager.*:6789", "katib-db-manager.*.svc:6789", "katib-db-manager.*.svc.cluster.local:6789",
    ])
    /// Any address (tests, or a DBManager under another name: list it instead where possible).
    public static let any = DBManagerPolicy(allowed: ["*"])

    public init(allowed: [String]) { self.allowed = allowed }

    public func check(_ address: DBManagerAddress) throws(RPCError) {
        let host = address.host.lowercased()
        for pattern in allowed {
            if pattern == "*" { return }
            guard let colon = pattern.lastIndex(of: ":"), Int(pattern[pattern.index(after: colon)...]) == address.port else { continue }
            let labels = pattern[..<colon].lowercased().split(separator: ".", omittingEmptySubsequences: false)
            let hostLabels = host.split(separator: ".", omittingEmptySubsequences: false)
            if labels.count == hostLabels.count
                && zip(labels, hostLabels).allSatisfy({ $0 == "*" ? !$1.isEmpty : $0 == $1 }) { return }
        }
        throw .invalidArgument("db_manager_address \(address) is not allowed on this server (allowed: \(allowed.joined(separator: ", "))); Katib sends katib-db-manager.<namespace>:6789. Start the service with --dbmanager-allow HOST:PORT to admit another address")
    }
}

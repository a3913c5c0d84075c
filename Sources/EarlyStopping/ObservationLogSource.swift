import SuggestionAPI
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

    public init(address: DBManagerAddress, timeout: Duration = .seconds(10)) {
        self.address = address
        self.timeout = timeout
        client = GRPCClient(host: address.host, port: address.port)
    }

    public func values(trial: String, metric: String) async throws(RPCError) -> [Double] {
        let request = GetObservationLogRequest(trialName: trial, metricName: metric)
        let bytes: [UInt8]
        do {
            bytes = try await client.unary(path: MethodPath.getObservationLog, request: request.serializedBytes(), timeout: timeout)
        } catch {
            let code: StatusCode = error.code == .cancelled ? .cancelled : .unavailable
            throw RPCError(code, "cannot read the \(metric) log of trial \(trial) from the DBManager at \(address): \(error.code): \(error.message)")
        }
        let reply: GetObservationLogReply
        do {
            reply = try GetObservationLogReply(serializedBytes: bytes)
        } catch {
            throw RPCError(.unavailable, "the DBManager at \(address) sent an undecodable GetObservationLog reply for trial \(trial)")
        }
        return (reply.observationLog?.metricLogs ?? []).compactMap { log in
            guard let m = log.metric, m.name == metric || m.name.isEmpty else { return nil }
            return ValueFormatting.parseDouble(m.value.trimmingWhitespace())
        }
    }

    /// Ends the connection (a source serves one GetEarlyStoppingRules call).
    public func close() { client.close() }
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

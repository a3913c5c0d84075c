#if canImport(Glibc)
import Glibc
#endif
import SuggestionAPI
import LocalSystem
import HTTPS

/// How to reach the Kubernetes API. In a pod: `KUBERNETES_SERVICE_HOST`/`_PORT` and the service
/// account's files; elsewhere, the `--kube-*` options of suggestion-server.
public struct KubernetesAccess: Sendable {
    public var host: String?
    public var port: Int
    public var tokenFile: String
    public var caFile: String
    /// nil: read `namespaceFile`.
    public var namespace: String?
    public var namespaceFile: String

    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The in-cluster defaults, from the environment.
    public init() {
        host = getenv("KUBERNETES_SERVICE_HOST").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        port = getenv("KUBERNETES_SERVICE_PORT").flatMap { Int(String(cString: $0)) } ?? 443
        tokenFile = Self.serviceAccountDirectory + "/token"
        caFile = Self.serviceAccountDirectory + "/ca.crt"
        namespace = nil
        namespaceFile = Self.serviceAccountDirectory + "/namespace"
    }
}

/// SetTrialStatus: marks a Trial early-stopped in Kubernetes as Katib's medianstop service does
/// (condition `EarlyStopped`, status "True", reason `TrialEarlyStopped`, UTC timestamps, appended
/// to `status.conditions` through the `status` subresource), but waits for the result and reports it.
///
/// Steps: GET the Trial; if it already has `EarlyStopped` = "True", done (the call is idempotent);
/// else JSON merge-patch `status.conditions` (the whole list plus the new condition) with the
/// resourceVersion read, so a concurrent update makes the API answer 409 Conflict; on 409 start
/// again, at most `attempts` times.
public struct KubernetesTrialStatus: Sendable {
    public var access: KubernetesAccess
    public var attempts = 5
    public var timeoutMilliseconds = 10_000

    public init(access: KubernetesAccess) {
        self.access = access
    }

    public func markEarlyStopped(trial: String) async throws(RPCError) {
        try Self.checkName(trial)
        guard let host = access.host else {
            throw RPCError(.failedPrecondition, "SetTrialStatus needs the Kubernetes API: run in a pod (KUBERNETES_SERVICE_HOST) "
                + "or start suggestion-server with --kube-api https://HOST:PORT (and --kube-token-file, --kube-ca-file, --kube-namespace)")
        }
        guard let tokenText = TextFiles.read(access.tokenFile, limit: 1 << 20) else {
            throw RPCError(.failedPrecondition, "cannot read the Kubernetes service-account token \(access.tokenFile)")
        }
        let token = tokenText.trimming()
        let namespace: String
        if let ns = access.namespace {
            namespace = ns
        } else if let text = TextFiles.read(access.namespaceFile, limit: 1 << 20) {
            namespace = text.trimming()
        } else {
            throw RPCError(.failedPrecondition, "cannot read the namespace from \(access.namespaceFile); pass --kube-namespace")
        }
        try Self.checkName(namespace, what: "namespace")
        let client = HTTPSClient(host: host, port: access.port, caFile: access.caFile, timeoutMilliseconds: timeoutMilliseconds)
        let path = "/apis/kubeflow.org/v1beta1/namespaces/\(namespace)/trials/\(trial)"
        let auth = HTTPHeader("Authorization", "Bearer \(token)")

        for _ in 0..<attempts {
            let current = try await client.send(method: "GET", path: path, headers: [auth, HTTPHeader("Accept", "application/json")])
            try Self.check(current, doing: "reading Trial \(namespace)/\(trial)")
            let object: JSONValue
            do { object = try JSONValue.parse(current.bodyText) } catch {
                throw RPCError(.unavailable, "the Kubernetes API sent Trial \(namespace)/\(trial) as invalid JSON: \(error.message)")
            }
            guard let version = object["metadata"]?["resourceVersion"]?.stringValue else {
                throw RPCError(.unavailable, "Trial \(namespace)/\(trial) from the Kubernetes API has no metadata.resourceVersion")
            }
            var conditions = object["status"]?["conditions"]?.arrayValue ?? []
            if conditions.contains(where: { $0["type"]?.stringValue == "EarlyStopped" && $0["status"]?.stringValue == "True" }) {
                return
            }
            let now = TextFiles.utcTimestamp()
            conditions.append(.object([
                ("type", .string("EarlyStopped")), ("status", .string("True")), ("reason", .string("TrialEarlyStopped")),
                ("message", .string("Trial is early stopped")), ("lastUpdateTime", .string(now)), ("lastTransitionTime", .string(now)),
            ]))
            let patch = JSONValue.object([
                ("metadata", .object([("resourceVersion", .string(version))])),
                ("status", .object([("conditions", .array(conditions))])),
            ])
            let reply = try await client.send(method: "PATCH", path: path + "/status",
                                              headers: [auth, HTTPHeader("Content-Type", "application/merge-patch+json"),
                                                        HTTPHeader("Accept", "application/json")],
                                              body: Array(patch.serialized.utf8))
            if reply.status == 409 { continue }
            try Self.check(reply, doing: "updating the status of Trial \(namespace)/\(trial)")
            return
        }
        throw RPCError(.aborted, "Trial \(namespace)/\(trial) changed during each of \(attempts) attempts to mark it early-stopped (409 Conflict); try again")
    }

    /// Maps an HTTP status to a gRPC error with the API server's own message.
    static func check(_ response: HTTPResponse, doing what: String) throws(RPCError) {
        guard !(200...299).contains(response.status) else { return }
        let detail = (try? JSONValue.parse(response.bodyText))?["message"]?.stringValue
            ?? String(response.bodyText.prefix(200))
        let code: StatusCode
        switch response.status {
        case 401: code = .unauthenticated
        case 403: code = .permissionDenied
        case 404: code = .notFound
        case 409: code = .aborted
        case 400, 422: code = .failedPrecondition
        default: code = .unavailable
        }
        var message = "\(what): the Kubernetes API answered \(response.status)"
        if !detail.isEmpty { message += ": \(detail)" }
        if response.status == 403 {
            message += " (the pod's service account needs get and patch on trials and trials/status in group kubeflow.org)"
        }
        throw RPCError(code, message)
    }

    /// A Kubernetes object name (RFC 1123 subdomain: lower-case letters, digits, '-' and '.', at most
    /// 253 characters); anything else could not be a Trial and must not reach a URL path.
    static func checkName(_ name: String, what: String = "trial_name") throws(RPCError) {
        let ok = !name.isEmpty && name.utf8.count <= 253
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E }
            && name.first != "-" && name.first != "." && name.last != "-" && name.last != "."
        guard ok else {
            throw .invalidArgument("\(what) \"\(name.prefix(100))\" is not a Kubernetes object name "
                + "(lower-case letters, digits, '-' and '.', at most 253 characters)")
        }
    }
}

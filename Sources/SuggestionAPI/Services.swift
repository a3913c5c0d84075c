/// The Suggestion service of Katib's `api.v1.beta1` API, as algorithm code implements it.
/// Implementations are stateless: everything a call needs is in its request.
public protocol SuggestionService: Sendable {
    /// The request's trials arrive as a `TrialTable` (`SuggestionsRequest(_:)` wraps a generated
    /// `GetSuggestionsRequest`).
    func getSuggestions(_ request: SuggestionsRequest) async throws(RPCError) -> GetSuggestionsReply
    func validateAlgorithmSettings(_ request: ValidateAlgorithmSettingsRequest) async throws(RPCError) -> ValidateAlgorithmSettingsReply
    /// GetSuggestions' outcome at once, on the caller's thread, when the service can tell that the
    /// call costs microseconds (the server then answers it on its event loop, without a worker
    /// thread); nil when it may cost more, and `getSuggestions` runs it. Must not block. Default: nil.
    func suggestionsIfCheap(_ request: SuggestionsRequest) -> Result<GetSuggestionsReply, RPCError>?
}

extension SuggestionService {
    public func suggestionsIfCheap(_ request: SuggestionsRequest) -> Result<GetSuggestionsReply, RPCError>? { nil }
}

/// Full `:path` of every method this project serves or calls.
public enum MethodPath {
    public static let getSuggestions = "/api.v1.beta1.Suggestion/GetSuggestions"
    public static let validateAlgorithmSettings = "/api.v1.beta1.Suggestion/ValidateAlgorithmSettings"
    public static let getEarlyStoppingRules = "/api.v1.beta1.EarlyStopping/GetEarlyStoppingRules"
    public static let setTrialStatus = "/api.v1.beta1.EarlyStopping/SetTrialStatus"
    public static let validateEarlyStoppingSettings = "/api.v1.beta1.EarlyStopping/ValidateEarlyStoppingSettings"
    public static let getObservationLog = "/api.v1.beta1.DBManager/GetObservationLog"
    public static let healthCheck = "/grpc.health.v1.Health/Check"
}

/// A unary method with its request and reply types: what a typed client call names.
public struct RPCMethod<Request: ProtoMessage, Reply: ProtoMessage>: Sendable {
    public let path: String
    public init(path: String) { self.path = path }
}

extension RPCMethod where Request == GetSuggestionsRequest, Reply == GetSuggestionsReply {
    public static var getSuggestions: Self { Self(path: MethodPath.getSuggestions) }
}

extension RPCMethod where Request == ValidateAlgorithmSettingsRequest, Reply == ValidateAlgorithmSettingsReply {
    public static var validateAlgorithmSettings: Self { Self(path: MethodPath.validateAlgorithmSettings) }
}

extension RPCMethod where Request == GetObservationLogRequest, Reply == GetObservationLogReply {
    public static var getObservationLog: Self { Self(path: MethodPath.getObservationLog) }
}

extension RPCMethod where Request == HealthCheckRequest, Reply == HealthCheckResponse {
    public static var healthCheck: Self { Self(path: MethodPath.healthCheck) }
}

/// `grpc.health.v1.Health/Check`.
///
/// Answers SERVING for `""` (the whole server), for `manager.v1beta1.Suggestion` (the name Katib's
/// Kubernetes probes send, which is not a real service name) and for the full name of every service
/// served; any other name gets NOT_FOUND, as the gRPC health-checking protocol specifies.
public struct HealthService: Sendable {
    public static let katibProbeServiceName = "manager.v1beta1.Suggestion"
    public let servingNames: Set<String>

    public init(services: [String]) {
        servingNames = Set(services).union(["", Self.katibProbeServiceName])
    }

    public func check(_ request: HealthCheckRequest) throws(RPCError) -> HealthCheckResponse {
        guard servingNames.contains(request.service) else {
            throw RPCError(.notFound, "unknown service \"\(request.service)\"; this server serves: "
                + servingNames.filter { !$0.isEmpty }.sorted().joined(separator: ", "))
        }
        return HealthCheckResponse(status: .serving)
    }
}

/// The EarlyStopping service of Katib's `api.v1.beta1` API (port 6788). Stateless like the
/// Suggestion service: every call carries what it needs.
public protocol EarlyStoppingService: Sendable {
    /// The request's trials arrive as a `TrialTable` (`RulesRequest(_:)` wraps a generated request).
    func getEarlyStoppingRules(_ request: RulesRequest) async throws(RPCError) -> GetEarlyStoppingRulesReply
    func setTrialStatus(_ request: SetTrialStatusRequest) async throws(RPCError) -> SetTrialStatusReply
    func validateEarlyStoppingSettings(_ request: ValidateEarlyStoppingSettingsRequest) async throws(RPCError) -> ValidateEarlyStoppingSettingsReply
}

extension EarlyStoppingService {
    /// The same call from a generated request value (clients, tests).
    public func getEarlyStoppingRules(_ request: GetEarlyStoppingRulesRequest) async throws(RPCError) -> GetEarlyStoppingRulesReply {
        try await getEarlyStoppingRules(RulesRequest(request))
    }
}

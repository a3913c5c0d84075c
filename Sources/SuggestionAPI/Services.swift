/// The Suggestion service of Katib's `api.v1.beta1` API, as algorithm code implements it.
/// Implementations are stateless: everything a call needs is in its request.
public protocol SuggestionService: Sendable {
    func getSuggestions(_ request: GetSuggestionsRequest) async throws(RPCError) -> GetSuggestionsReply
    func validateAlgorithmSettings(_ request: ValidateAlgorithmSettingsRequest) async throws(RPCError) -> ValidateAlgorithmSettingsReply
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

/// Adapts a typed unary method to the byte-oriented transport: decode, call, encode.
/// A body that cannot be decoded is the caller's mistake: INVALID_ARGUMENT.
public func unaryHandler<Request: ProtoMessage, Reply: ProtoMessage>(
    _ body: @escaping @Sendable (Request, CallContext) async throws(RPCError) -> Reply
) -> UnaryHandler {
    return { (bytes: [UInt8], context: CallContext) async throws(RPCError) -> [UInt8] in
        let request = try Request(serializedBytes: bytes)
        let reply = try await body(request, context)
        return reply.serializedBytes()
    }
}

extension SuggestionService {
    /// The transport routes of the Suggestion service.
    public func handlers() -> [String: UnaryHandler] {
        [
            MethodPath.getSuggestions: unaryHandler { (request: GetSuggestionsRequest, _) async throws(RPCError) in
                try await self.getSuggestions(request)
            },
            MethodPath.validateAlgorithmSettings: unaryHandler {
                (request: ValidateAlgorithmSettingsRequest, _) async throws(RPCError) in
                try await self.validateAlgorithmSettings(request)
            },
        ]
    }
}

extension HealthService {
    /// The route of Health/Check, run inline on the event loop (`InlineHandler`): a health probe must
    /// answer while every worker thread is busy with sampler work, or Kubernetes restarts a pod that
    /// is merely loaded.
    public func inlineHandlers() -> [String: InlineHandler] {
        [MethodPath.healthCheck: { (bytes: [UInt8], _: CallContext) throws(RPCError) -> [UInt8] in
            // Decoded on the event loop, so only a request of a health check's size is decoded at all.
            guard bytes.count <= Self.maxRequestBytes else {
                throw RPCError(.invalidArgument, "a HealthCheckRequest of \(bytes.count) bytes; it holds one service name (at most \(Self.maxRequestBytes) bytes)")
            }
            return try self.check(HealthCheckRequest(serializedBytes: bytes)).serializedBytes()
        }]
    }

    /// The largest HealthCheckRequest decoded (a service name and its framing).
    public static let maxRequestBytes = 4096
}

/// The EarlyStopping service of Katib's `api.v1.beta1` API (port 6788). Stateless like the
/// Suggestion service: every call carries what it needs.
public protocol EarlyStoppingService: Sendable {
    func getEarlyStoppingRules(_ request: GetEarlyStoppingRulesRequest) async throws(RPCError) -> GetEarlyStoppingRulesReply
    func setTrialStatus(_ request: SetTrialStatusRequest) async throws(RPCError) -> SetTrialStatusReply
    func validateEarlyStoppingSettings(_ request: ValidateEarlyStoppingSettingsRequest) async throws(RPCError) -> ValidateEarlyStoppingSettingsReply
}

extension EarlyStoppingService {
    /// The transport routes of the EarlyStopping service.
    public func handlers() -> [String: UnaryHandler] {
        [
            MethodPath.getEarlyStoppingRules: unaryHandler { (request: GetEarlyStoppingRulesRequest, _) async throws(RPCError) in
                try await self.getEarlyStoppingRules(request)
            },
            MethodPath.setTrialStatus: unaryHandler { (request: SetTrialStatusRequest, _) async throws(RPCError) in
                try await self.setTrialStatus(request)
            },
            MethodPath.validateEarlyStoppingSettings: unaryHandler {
                (request: ValidateEarlyStoppingSettingsRequest, _) async throws(RPCError) in
                try await self.validateEarlyStoppingSettings(request)
            },
        ]
    }
}

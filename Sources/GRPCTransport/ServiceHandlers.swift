import SuggestionAPI

// The services of `SuggestionAPI` as the server's method table: request bytes are decoded into the
// service's message, its reply encoded back.

/// Adapts a typed unary method to the byte-oriented transport: decode, call, encode.
/// A body that cannot be decoded is the caller's mistake: INVALID_ARGUMENT.
public func unaryHandler<Request: ProtoMessage, Reply: ProtoMessage>(
    _ body: @escaping @Sendable (Request, CallContext) async throws(RPCError) -> Reply
) -> UnaryHandler {
    return { (bytes: consuming [UInt8], context: CallContext) async throws(RPCError) -> [UInt8] in
        let request = try Request(serializedBytes: bytes)   // takes (and frees) the encoding
        let reply = try await body(request, context)
        return reply.serializedBytes()
    }
}

extension SuggestionService {
    /// The transport routes of the Suggestion service.
    public func handlers() -> [String: UnaryHandler] {
        [
            // Decoded into a TrialTable, not a tree of `Trial` values (see `SuggestionsRequest`);
            // the reply encoded without protobuf-c's intermediate tree (`encodedDirectly`).
            MethodPath.getSuggestions: { (bytes: consuming [UInt8], _: CallContext) async throws(RPCError) -> [UInt8] in
                // An initializer takes its argument owned: the encoding is freed once the table holds
                // what the call needs, before the algorithm runs.
                let request = try SuggestionsRequest(serializedBytes: bytes)
                return try await self.getSuggestions(request).encodedDirectly()
            },
            MethodPath.validateAlgorithmSettings: unaryHandler {
                (request: ValidateAlgorithmSettingsRequest, _) async throws(RPCError) in
                try await self.validateAlgorithmSettings(request)
            },
        ]
    }

    /// GetSuggestions tried on the event loop first (`InlineAttempt`): requests of at most
    /// `inlineRequestBytesLimit` without trials are decoded there and answered when
    /// `suggestionsIfCheap` can; others are not even decoded (a trial's presence is read from the
    /// tags), so a call with history is decoded once, by its worker. A request that does not decode
    /// is refused at once.
    public func inlineAttempts() -> [String: InlineAttempt] {
        [MethodPath.getSuggestions: { (bytes: [UInt8], _: CallContext) -> Result<[UInt8], RPCError>? in
            guard bytes.count <= inlineRequestBytesLimit, !SuggestionsRequest.holdsTrials(bytes) else { return nil }
            let request: SuggestionsRequest
            do throws(RPCError) { request = try SuggestionsRequest(serializedBytes: bytes) } catch { return .failure(error) }
            return self.suggestionsIfCheap(request).map { $0.map { $0.encodedDirectly() } }
        }]
    }
}

/// The largest GetSuggestions request decoded on the event loop to see whether it is cheap: an
/// experiment of a few hundred parameters with no trials fits; its decoding takes microseconds.
public let inlineRequestBytesLimit = 16 << 10

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

extension EarlyStoppingService {
    /// The transport routes of the EarlyStopping service.
    public func handlers() -> [String: UnaryHandler] {
        [
            // Decoded into a TrialTable, not a tree of `Trial` values (see `RulesRequest`).
            MethodPath.getEarlyStoppingRules: { (bytes: consuming [UInt8], _: CallContext) async throws(RPCError) -> [UInt8] in
                let request = try RulesRequest(serializedBytes: bytes)
                return try await self.getEarlyStoppingRules(request).serializedBytes()
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

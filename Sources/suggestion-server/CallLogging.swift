import SuggestionAPI

/// Runs one call and logs one line for it: `head`, then the outcome's fields (`fields(reply)` on
/// success, `failureFields` then `status=CODE message="…"` on failure), `status=OK` on success, and
/// `duration_ms`. The error is rethrown unchanged.
func logged<Reply>(_ head: String, failureFields: String = "", fields: (Reply) -> String = { _ in "" },
                   _ body: () async throws(RPCError) -> Reply) async throws(RPCError) -> Reply {
    let start = ContinuousClock.now
    let result: Result<Reply, RPCError>
    do { result = .success(try await body()) } catch { result = .failure(error) }
    logOutcome(head, failureFields: failureFields, fields: fields, result, since: start)
    return try result.get()
}

/// The line `logged` writes, for an outcome already in hand (a call answered inline).
func logOutcome<Reply>(_ head: String, failureFields: String = "", fields: (Reply) -> String = { _ in "" },
                       _ result: Result<Reply, RPCError>, since start: ContinuousClock.Instant) {
    switch result {
    case let .success(reply):
        logLine("\(head)\(fields(reply)) status=OK duration_ms=\(milliseconds(since: start))")
    case let .failure(error):
        logLine("\(head)\(failureFields) status=\(error.code) message=\(logQuoted(error.message)) duration_ms=\(milliseconds(since: start))")
    }
}

/// Wraps a SuggestionService: one line per call with method, algorithm, trials in, assignments out,
/// status and duration.
struct LoggingSuggestionService<Base: SuggestionService>: SuggestionService {
    let base: Base

    func getSuggestions(_ request: SuggestionsRequest) async throws(RPCError) -> GetSuggestionsReply {
        try await logged(Self.head(request), failureFields: " assignments=0", fields: Self.fields) {
            () async throws(RPCError) in try await base.getSuggestions(request)
        }
    }

    /// The same line for a call answered inline; nothing for one the base declines.
    func suggestionsIfCheap(_ request: SuggestionsRequest) -> Result<GetSuggestionsReply, RPCError>? {
        let start = ContinuousClock.now
        guard let result = base.suggestionsIfCheap(request) else { return nil }
        logOutcome(Self.head(request), failureFields: " assignments=0", fields: Self.fields, result, since: start)
        return result
    }

    private static func head(_ request: SuggestionsRequest) -> String {
        "GetSuggestions algorithm=\(request.experiment?.spec?.algorithm?.algorithmName ?? "") "
            + "experiment=\(request.experiment?.name ?? "") trials=\(request.trials.count) requested=\(request.currentRequestNumber)"
    }

    private static func fields(_ reply: GetSuggestionsReply) -> String { " assignments=\(reply.parameterAssignments.count)" }

    func validateAlgorithmSettings(_ request: ValidateAlgorithmSettingsRequest) async throws(RPCError) -> ValidateAlgorithmSettingsReply {
        try await logged("ValidateAlgorithmSettings algorithm=\(request.experiment?.spec?.algorithm?.algorithmName ?? "")") {
            () async throws(RPCError) in try await base.validateAlgorithmSettings(request)
        }
    }
}

/// Wraps an EarlyStoppingService: one line per call with method, algorithm or trial, the rules
/// returned, status and duration.
struct LoggingEarlyStoppingService<Base: EarlyStoppingService>: EarlyStoppingService {
    let base: Base

    func getEarlyStoppingRules(_ request: RulesRequest) async throws(RPCError) -> GetEarlyStoppingRulesReply {
        let head = "GetEarlyStoppingRules algorithm=\(request.experiment?.spec?.earlyStopping?.algorithmName ?? "") "
            + "experiment=\(request.experiment?.name ?? "") trials=\(request.trials.count)"
        return try await logged(head, fields: { reply in
            " rules=\"" + reply.earlyStoppingRules.map { "\($0.name) \($0.comparison) \($0.value) at \($0.startStep)" }.joined(separator: "; ") + "\""
        }) { () async throws(RPCError) in try await base.getEarlyStoppingRules(request) }
    }

    func setTrialStatus(_ request: SetTrialStatusRequest) async throws(RPCError) -> SetTrialStatusReply {
        try await logged("SetTrialStatus trial=\(request.trialName)") { () async throws(RPCError) in try await base.setTrialStatus(request) }
    }

    func validateEarlyStoppingSettings(_ request: ValidateEarlyStoppingSettingsRequest) async throws(RPCError) -> ValidateEarlyStoppingSettingsReply {
        try await logged("ValidateEarlyStoppingSettings algorithm=\(request.earlyStopping?.algorithmName ?? "")") {
            () async throws(RPCError) in try await base.validateEarlyStoppingSettings(request)
        }
    }
}

/// Milliseconds since `start`, with three decimals.
func milliseconds(since start: ContinuousClock.Instant) -> String {
    let d = ContinuousClock.now - start
    let ms = Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
    return String(Int((ms * 1000).rounded()) / 1000) + "." + {
        let frac = Int((ms * 1000).rounded()) % 1000
        return frac < 10 ? "00\(frac)" : frac < 100 ? "0\(frac)" : "\(frac)"
    }()
}

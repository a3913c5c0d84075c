import SuggestionAPI

/// Wraps an EarlyStoppingService and logs one line per call: method, algorithm or trial, outcome,
/// status and duration.
struct LoggingEarlyStoppingService<Base: EarlyStoppingService>: EarlyStoppingService {
    let base: Base

    func getEarlyStoppingRules(_ request: GetEarlyStoppingRulesRequest) async throws(RPCError) -> GetEarlyStoppingRulesReply {
        let start = ContinuousClock.now
        let head = "GetEarlyStoppingRules algorithm=\(request.experiment?.spec?.earlyStopping?.algorithmName ?? "") "
            + "experiment=\(request.experiment?.name ?? "") trials=\(request.trials.count)"
        do {
            let reply = try await base.getEarlyStoppingRules(request)
            let rules = reply.earlyStoppingRules.map { "\($0.name) \($0.comparison) \($0.value) at \($0.startStep)" }.joined(separator: "; ")
            logLine("\(head) rules=\"\(rules)\" status=OK duration_ms=\(milliseconds(since: start))")
            return reply
        } catch {
            logLine("\(head) status=\(error.code) message=\(logQuoted(error.message)) duration_ms=\(milliseconds(since: start))")
            throw error
        }
    }

    func setTrialStatus(_ request: SetTrialStatusRequest) async throws(RPCError) -> SetTrialStatusReply {
        let start = ContinuousClock.now
        do {
            let reply = try await base.setTrialStatus(request)
            logLine("SetTrialStatus trial=\(request.trialName) status=OK duration_ms=\(milliseconds(since: start))")
            return reply
        } catch {
            logLine("SetTrialStatus trial=\(request.trialName) status=\(error.code) message=\(logQuoted(error.message)) duration_ms=\(milliseconds(since: start))")
            throw error
        }
    }

    func validateEarlyStoppingSettings(_ request: ValidateEarlyStoppingSettingsRequest) async throws(RPCError) -> ValidateEarlyStoppingSettingsReply {
        let start = ContinuousClock.now
        let algorithm = request.earlyStopping?.algorithmName ?? ""
        do {
            let reply = try await base.validateEarlyStoppingSettings(request)
            logLine("ValidateEarlyStoppingSettings algorithm=\(algorithm) status=OK duration_ms=\(milliseconds(since: start))")
            return reply
        } catch {
            logLine("ValidateEarlyStoppingSettings algorithm=\(algorithm) status=\(error.code) message=\(logQuoted(error.message)) duration_ms=\(milliseconds(since: start))")
            throw error
        }
    }
}

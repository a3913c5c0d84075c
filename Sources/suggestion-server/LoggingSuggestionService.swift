import SuggestionAPI

/// Wraps a SuggestionService and logs one line per call: method, algorithm, trials in,
/// assignments out, status and duration.
struct LoggingSuggestionService<Base: SuggestionService>: SuggestionService {
    let base: Base

    func getSuggestions(_ request: GetSuggestionsRequest) async throws(RPCError) -> GetSuggestionsReply {
        let start = ContinuousClock.now
        let algorithm = request.experiment?.spec?.algorithm?.algorithmName ?? ""
        do {
            let reply = try await base.getSuggestions(request)
            log("GetSuggestions", algorithm, request, start, "assignments=\(reply.parameterAssignments.count) status=OK")
            return reply
        } catch {
            log("GetSuggestions", algorithm, request, start, "assignments=0 status=\(error.code) message=\(logQuoted(error.message))")
            throw error
        }
    }

    func validateAlgorithmSettings(_ request: ValidateAlgorithmSettingsRequest) async throws(RPCError) -> ValidateAlgorithmSettingsReply {
        let start = ContinuousClock.now
        let algorithm = request.experiment?.spec?.algorithm?.algorithmName ?? ""
        do {
            let reply = try await base.validateAlgorithmSettings(request)
            logLine("ValidateAlgorithmSettings algorithm=\(algorithm) status=OK duration_ms=\(milliseconds(since: start))")
            return reply
        } catch {
            logLine("ValidateAlgorithmSettings algorithm=\(algorithm) status=\(error.code) message=\(logQuoted(error.message)) duration_ms=\(milliseconds(since: start))")
            throw error
        }
    }

    private func log(_ method: String, _ algorithm: String, _ request: GetSuggestionsRequest, _ start: ContinuousClock.Instant, _ outcome: String) {
        logLine("\(method) algorithm=\(algorithm) experiment=\(request.experiment?.name ?? "") trials=\(request.trials.count) requested=\(request.currentRequestNumber) \(outcome) duration_ms=\(milliseconds(since: start))")
    }
}

func milliseconds(since start: ContinuousClock.Instant) -> String {
    let d = ContinuousClock.now - start
    let ms = Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
    return String(Int((ms * 1000).rounded()) / 1000) + "." + {
        let frac = Int((ms * 1000).rounded()) % 1000
        return frac < 10 ? "00\(frac)" : frac < 100 ? "0\(frac)" : "\(frac)"
    }()
}

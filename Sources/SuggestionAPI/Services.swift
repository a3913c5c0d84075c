/// The Suggestion service of Katib's `api.v1.beta1` API, as algorithm code implements it.
/// Implementations are stateless: everything a call needs is in its request.
public protocol SuggestionService: Sendable {
    func getSuggestions(_ request: GetSuggestionsRequest) async throws(RPCError) -> GetSuggestionsReply
    func validateAlgorithmSettings(_ request: ValidateAlgorithmSettingsRequest) async throws(RPCError) -> ValidateAlgorithmSettingsReply
}

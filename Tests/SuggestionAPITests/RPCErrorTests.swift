import Testing
@testable import SuggestionAPI

@Suite struct RPCErrorTests {
    @Test func statusNamesMatchTheGRPCSpecification() {
        #expect(StatusCode.invalidArgument.description == "INVALID_ARGUMENT")
        #expect(StatusCode.internalError.description == "INTERNAL")
        #expect(StatusCode(rawValue: 42).description == "CODE_42")
    }
}

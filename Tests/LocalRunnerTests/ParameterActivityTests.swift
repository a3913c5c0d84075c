import Testing
import SuggestionAPI
@testable import LocalRunner

@Suite struct ParameterActivityTests {
    static func assignments(_ pairs: [(String, String)]) -> [ParameterAssignment] {
        pairs.map { ParameterAssignment(name: $0.0, value: $0.1) }
    }

    @Test func theConditionalExampleMarksTheParameterItsOptimizerIgnores() throws {
        let activity = ParameterActivity(try ExampleExperimentsTests.load("conditional"))
        let sgd = activity.inactive(Self.assignments([("lr", "0.01"), ("l2", "0"), ("batch_size", "16"),
                                                      ("optimizer", "sgd"), ("momentum", "0.5"), ("beta2", "0.99")]))
        #expect(sgd == ["beta2"])
        let adam = activity.inactive(Self.assignments([("lr", "0.01"), ("l2", "0"), ("batch_size", "16"),
                                                       ("optimizer", "adam"), ("momentum", "0"), ("beta2", "0.999")]))
        #expect(adam == ["momentum"])
        // Assignments that do not read back into the space mark nothing rather than guess.
        #expect(activity.inactive(Self.assignments([("optimizer", "adam")])).isEmpty)
        #expect(ParameterActivity.text(ParameterAssignment(name: "momentum", value: "0"), inactive: adam) == "momentum=(inactive)")
        #expect(ParameterActivity.text(ParameterAssignment(name: "lr", value: "0.01"), inactive: adam) == "lr=0.01")
    }

    @Test func withoutConditionsNothingIsInactive() throws {
        let activity = ParameterActivity(try ExampleExperimentsTests.load("ridge"))
        #expect(activity.inactive(Self.assignments([("lr", "0.01"), ("l2", "0"), ("batch_size", "16"), ("momentum", "0.5")])).isEmpty)
    }
}

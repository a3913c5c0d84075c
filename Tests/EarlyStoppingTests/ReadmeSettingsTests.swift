// The README's settings reference is generated from the `Setting` declarations; this fails when the
// README is stale (regenerate: `swift run suggestion-server --describe --markdown` and paste it between
// the markers).
import Foundation
import Testing
import Algorithms
import EarlyStopping

@Suite struct ReadmeSettingsTests {
    @Test func readmeSettingsReferenceIsCurrent() throws {
        let readmeURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let readme = try String(contentsOf: readmeURL, encoding: .utf8)
        let expected = SettingsDocumentation.markdown(suggestion: AlgorithmRegistry.samplers.map(\.settingsSchema),
                                                      earlyStopping: StoppingAlgorithms.all.map(\.settingsSchema))
        let section = try #require(SettingsDocumentation.section(of: readme), "README.md has no settings reference markers")
        #expect(String(section) == expected,
                "README.md's settings reference is stale: run `swift run suggestion-server --describe --markdown` and replace the section")
    }

    @Test func everyAlgorithmIsDocumentedWithEverySetting() {
        let text = SettingsDocumentation.markdown(suggestion: AlgorithmRegistry.samplers.map(\.settingsSchema),
                                                  earlyStopping: StoppingAlgorithms.all.map(\.settingsSchema))
        for schema in AlgorithmRegistry.samplers.map(\.settingsSchema) + StoppingAlgorithms.all.map(\.settingsSchema) {
            #expect(text.contains("`\(schema.algorithm)`"), "\(schema.algorithm) missing")
            for spec in schema.specs where !spec.isState {
                #expect(text.contains("| `\(spec.name)`"), "\(schema.algorithm): \(spec.name) missing")
            }
        }
    }
}

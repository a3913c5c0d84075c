// swift-tools-version:6.0
// Katib-compatible hyperparameter suggestion services. No package dependencies: HTTP/2 comes from the
// system's nghttp2 and protobuf from protobuf-c, both through system-library targets.
import PackageDescription

let package = Package(
    name: "katib-suggestion-swift",
    products: [
        .executable(name: "suggestion-server", targets: ["suggestion-server"]),
    ],
    targets: [
        // C libraries and C code. Only SuggestionAPI imports these, except libyaml (LocalRunner).
        .systemLibrary(name: "CNghttp2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "CProtobufC", pkgConfig: "libprotobuf-c", providers: [.apt(["libprotobuf-c-dev"])]),
        // libyaml: the YAML of Experiment manifests for `suggestion-server tune` (LocalRunner only).
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .target(name: "CKatibProto", dependencies: ["CProtobufC"]),   // protoc-c output, scripts/generate.sh
        .target(name: "CShims"),                                      // epoll, eventfd, accept4, timerfd
        // One HTTPS exchange over OpenSSL: the early-stopping service's Kubernetes API calls.
        .target(name: "CHTTPS", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),

        // Wire types, codecs, gRPC server and client.
        .target(name: "SuggestionAPI", dependencies: ["CNghttp2", "CProtobufC", "CKatibProto", "CShims", "CHTTPS"]),
        // Search spaces and samplers: pure Swift, no I/O, no C.
        .target(name: "Algorithms", dependencies: ["SuggestionAPI"]),
        // Early-stopping rules, the DBManager client call, the Kubernetes Trial status update.
        .target(name: "EarlyStopping", dependencies: ["SuggestionAPI", "Algorithms"]),
        // Running a Katib Experiment on one machine (`suggestion-server tune`), and its YAML reader.
        .target(name: "LocalRunner", dependencies: ["SuggestionAPI", "Algorithms", "EarlyStopping", "CYAML"]),
        .executableTarget(name: "suggestion-server", dependencies: ["SuggestionAPI", "Algorithms", "EarlyStopping", "LocalRunner"]),

        // Emits Sources/SuggestionAPI/Generated from the protoc-c descriptors (scripts/generate.sh).
        .executableTarget(name: "katib-codegen", dependencies: ["CKatibProto", "CProtobufC"]),

        .testTarget(name: "SuggestionAPITests", dependencies: ["SuggestionAPI"]),
        // The fuzz corpus is read from the source tree (#filePath), not bundled.
        .testTarget(name: "AlgorithmsTests", dependencies: ["Algorithms", "SuggestionAPI"], exclude: ["Fuzz/corpus"]),
        .testTarget(name: "EarlyStoppingTests", dependencies: ["EarlyStopping", "SuggestionAPI"]),
        .testTarget(name: "LocalRunnerTests", dependencies: ["LocalRunner", "SuggestionAPI"]),
    ],
    swiftLanguageModes: [.v6]
)

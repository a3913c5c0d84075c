// swift-tools-version:6.0
// Katib-compatible hyperparameter suggestion services. No package dependencies: HTTP/2 comes from the
// system's nghttp2 and protobuf from protobuf-c, both through system-library targets. The targets show
// the architecture: wire types (SuggestionAPI) apart from the transport (GRPCTransport), the HTTPS
// client and the local system calls; Algorithms depends on the wire types alone.
import PackageDescription

let package = Package(
    name: "katib-suggestion-swift",
    products: [
        .executable(name: "suggestion-server", targets: ["suggestion-server"]),
    ],
    targets: [
        // C libraries and C code, each imported by one target only.
        .systemLibrary(name: "CNghttp2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "CProtobufC", pkgConfig: "libprotobuf-c", providers: [.apt(["libprotobuf-c-dev"])]),
        // libyaml: the YAML of Experiment manifests for `suggestion-server tune` (LocalRunner only).
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .target(name: "CKatibProto", dependencies: ["CProtobufC"]),   // protoc-c output, scripts/generate.sh
        .target(name: "CShims"),                                      // epoll, eventfd, accept4, timerfd
        // One HTTPS exchange over OpenSSL: the early-stopping service's Kubernetes API calls.
        .target(name: "CHTTPS", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),

        // Katib's wire types and their protobuf codecs, the service protocols, RPCError, JSON: no I/O.
        .target(name: "SuggestionAPI", dependencies: ["CProtobufC", "CKatibProto"]),
        // gRPC over HTTP/2 (nghttp2): the server, the client, framing, event loops, signals.
        .target(name: "GRPCTransport", dependencies: ["SuggestionAPI", "CNghttp2", "CShims"]),
        // The HTTPS client (OpenSSL) of the Kubernetes API calls.
        .target(name: "HTTPS", dependencies: ["SuggestionAPI", "CHTTPS"]),
        // Child processes, whole-file reads and writes, the allocator policy, over the C library.
        .target(name: "LocalSystem", dependencies: ["SuggestionAPI", "CShims"]),
        // Search spaces and samplers: pure Swift over the wire types; no transport, no C.
        .target(name: "Algorithms", dependencies: ["SuggestionAPI"]),
        // Early-stopping rules, the DBManager client call, the Kubernetes Trial status update.
        .target(name: "EarlyStopping", dependencies: ["SuggestionAPI", "Algorithms", "GRPCTransport", "HTTPS", "LocalSystem"]),
        // Running a Katib Experiment on one machine (`suggestion-server tune`), and its YAML reader.
        .target(name: "LocalRunner", dependencies: ["SuggestionAPI", "Algorithms", "EarlyStopping", "LocalSystem", "CYAML"]),
        .executableTarget(name: "suggestion-server", dependencies: [
            "SuggestionAPI", "GRPCTransport", "LocalSystem", "Algorithms", "EarlyStopping", "LocalRunner",
        ]),

        // Emits Sources/SuggestionAPI/Generated from the protoc-c descriptors (scripts/generate.sh).
        .executableTarget(name: "katib-codegen", dependencies: ["CKatibProto", "CProtobufC"]),

        .testTarget(name: "SuggestionAPITests", dependencies: ["SuggestionAPI"]),
        .testTarget(name: "GRPCTransportTests", dependencies: ["GRPCTransport", "SuggestionAPI"]),
        .testTarget(name: "HTTPSTests", dependencies: ["HTTPS", "SuggestionAPI"]),
        // The fuzz corpus is read from the source tree (#filePath), not bundled.
        .testTarget(name: "AlgorithmsTests", dependencies: ["Algorithms", "SuggestionAPI"], exclude: ["Fuzz/corpus", "ReplyCorpus"]),
        .testTarget(name: "EarlyStoppingTests", dependencies: ["EarlyStopping", "SuggestionAPI", "GRPCTransport"]),
        .testTarget(name: "LocalRunnerTests", dependencies: ["LocalRunner", "SuggestionAPI", "LocalSystem"]),
    ],
    swiftLanguageModes: [.v6]
)

// katib-codegen: writes four files by walking the protoc-c service, message and enum descriptors
// linked from CKatibProto (no second .proto parser): the Swift value types (Messages.swift), their
// codecs (Codecs.swift), the C table of descriptors the codecs index (katib-descriptors.c), and
// compile-time checks of the codecs' byte offsets (katib-offsets-check.c). Output is deterministic
// (sorted by full name). Usage: katib-codegen OUTPUT_DIRECTORY
import CKatibProto
import CProtobufC
#if canImport(Glibc)
import Glibc
#endif

/// The services of proto/: every message and enum the codecs need is reached from their methods.
let services: [ProtobufCServiceDescriptor] = [
    api__v1__beta1__suggestion__descriptor,
    api__v1__beta1__early_stopping__descriptor,
    api__v1__beta1__dbmanager__descriptor,
    grpc__health__v1__health__descriptor,
]

/// Every message reachable from the services' inputs and outputs through message fields (map entries
/// included), and every enum of their fields; each sorted by full name, so output is deterministic.
func reachable(_ services: [ProtobufCServiceDescriptor]) -> (messages: [ProtobufCMessageDescriptor], enums: [ProtobufCEnumDescriptor]) {
    var messages: [String: ProtobufCMessageDescriptor] = [:]
    var enums: [String: ProtobufCEnumDescriptor] = [:]
    var queue: [ProtobufCMessageDescriptor] = []
    for service in services {
        for i in 0..<Int(service.n_methods) {
            queue.append(service.methods[i].input.pointee)
            queue.append(service.methods[i].output.pointee)
        }
    }
    while let d = queue.popLast() {
        let name = String(cString: d.name)
        guard messages[name] == nil else { continue }
        messages[name] = d
        for i in 0..<Int(d.n_fields) {
            let f = d.fields[i]
            if f.type == PROTOBUF_C_TYPE_MESSAGE {
                queue.append(f.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self).pointee)
            } else if f.type == PROTOBUF_C_TYPE_ENUM {
                let e = f.descriptor.assumingMemoryBound(to: ProtobufCEnumDescriptor.self).pointee
                enums[String(cString: e.name)] = e
            }
        }
    }
    return (messages.keys.sorted().map { messages[$0]! }, enums.keys.sorted().map { enums[$0]! })
}
let (messageDescriptors, enumDescriptors) = reachable(services)

/// protoc-c's symbol for a message descriptor: the C type name (`Api__V1__Beta1__ExperimentSpec__ParameterSpecs`)
/// with each `__`-separated part turned from CamelCase to snake_case, then `__descriptor`.
func descriptorSymbol(_ d: ProtobufCMessageDescriptor) -> String {
    let parts = String(cString: d.c_name).split(separator: "__").map { part -> String in
        var out = ""
        for (i, ch) in part.enumerated() {
            if ch.isUppercase && i > 0 { out += "_" }
            out += ch.lowercased()
        }
        return out
    }
    return parts.joined(separator: "__") + "__descriptor"
}

func camel(_ snake: String, upperFirst: Bool) -> String {
    let parts = snake.lowercased().split(separator: "_").map(String.init)
    var out = ""
    for (i, p) in parts.enumerated() {
        out += (i == 0 && !upperFirst) ? p : p.prefix(1).uppercased() + p.dropFirst()
    }
    return out
}

/// "api.v1.beta1.ExperimentSpec.ParameterSpecs" with package "api.v1.beta1" -> "ExperimentSpec.ParameterSpecs"
func swiftName(full: String, package: String) -> String {
    package.isEmpty ? full : String(full.dropFirst(package.count + 1))
}

func isMapEntry(_ d: ProtobufCMessageDescriptor) -> Bool {
    let short = String(cString: d.short_name)
    guard short.hasSuffix("Entry"), d.n_fields == 2 else { return false }
    return String(cString: d.fields[0].name) == "key" && String(cString: d.fields[1].name) == "value"
}

func scalarType(_ f: ProtobufCFieldDescriptor) -> (type: String, zero: String) {
    switch f.type {
    case PROTOBUF_C_TYPE_STRING: return ("String", "\"\"")
    case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32: return ("Int32", "0")
    case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64: return ("Int64", "0")
    case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32: return ("UInt32", "0")
    case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64: return ("UInt64", "0")
    case PROTOBUF_C_TYPE_DOUBLE: return ("Double", "0")
    case PROTOBUF_C_TYPE_FLOAT: return ("Float", "0")
    case PROTOBUF_C_TYPE_BOOL: return ("Bool", "false")
    case PROTOBUF_C_TYPE_BYTES: return ("[UInt8]", "[]")
    case PROTOBUF_C_TYPE_ENUM:
        let e = f.descriptor.assumingMemoryBound(to: ProtobufCEnumDescriptor.self).pointee
        let n = swiftName(full: String(cString: e.name), package: String(cString: e.package_name))
        return (n, "\(n)(rawValue: 0)")
    default:
        let m = f.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self).pointee
        return (swiftName(full: String(cString: m.name), package: String(cString: m.package_name)), "nil")
    }
}

func fieldDeclaration(_ f: ProtobufCFieldDescriptor) -> (name: String, type: String, zero: String) {
    let name = camel(String(cString: f.name), upperFirst: false)
    let (base, zero) = scalarType(f)
    if f.type == PROTOBUF_C_TYPE_MESSAGE {
        let m = f.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self).pointee
        if isMapEntry(m) {
            let k = scalarType(m.fields[0]).type, v = scalarType(m.fields[1]).type
            return (name, "[\(k): \(v)]", "[:]")
        }
        if f.label == PROTOBUF_C_LABEL_REPEATED { return (name, "[\(base)]", "[]") }
        return (name, "\(base)?", "nil")
    }
    if f.label == PROTOBUF_C_LABEL_REPEATED { return (name, "[\(base)]", "[]") }
    return (name, base, zero)
}

func wrap(_ name: String, _ body: String) -> String {
    guard let dot = name.lastIndex(of: ".") else { return body }
    return "extension \(name[..<dot]) {\n" + body.split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n") + "}\n"
}

var blocks: [(String, String)] = []
for d in messageDescriptors where !isMapEntry(d) {
    let full = String(cString: d.name)
    let name = swiftName(full: full, package: String(cString: d.package_name))
    let short = String(cString: d.short_name)
    let fields = (0..<Int(d.n_fields)).map { d.fields[$0] }.sorted { $0.id < $1.id }.map(fieldDeclaration)
    var s = "/// `\(full)`\npublic struct \(short): Sendable, Hashable {\n"
    for f in fields { s += "    public var \(f.name): \(f.type)\n" }
    if fields.isEmpty {
        s += "    public init() {}\n"
    } else {
        s += "\n    public init(\n"
        s += fields.map { "        \($0.name): \($0.type) = \($0.zero)" }.joined(separator: ",\n")
        s += "\n    ) {\n"
        for f in fields { s += "        self.\(f.name) = \(f.name)\n" }
        s += "    }\n"
    }
    s += "}\n"
    blocks.append((name, wrap(name, s)))
}
for e in enumDescriptors {
    let full = String(cString: e.name)
    let name = swiftName(full: full, package: String(cString: e.package_name))
    let short = String(cString: e.short_name)
    var s = "/// `\(full)`; open: numbers this build does not know are kept.\n"
    s += "public struct \(short): RawRepresentable, Hashable, Sendable, CustomStringConvertible {\n"
    s += "    public var rawValue: Int32\n    public init(rawValue: Int32) { self.rawValue = rawValue }\n\n"
    let values = (0..<Int(e.n_values)).map { e.values[$0] }
    for v in values { s += "    public static let \(camel(String(cString: v.name), upperFirst: false)) = \(short)(rawValue: \(v.value))\n" }
    s += "\n    public var description: String {\n        switch rawValue {\n"
    for v in values { s += "        case \(v.value): return \"\(String(cString: v.name))\"\n" }
    s += "        default: return String(rawValue)\n        }\n    }\n}\n"
    blocks.append((name, wrap(name, s)))
}
blocks.sort { $0.0.split(separator: ".").count != $1.0.split(separator: ".").count
    ? $0.0.split(separator: ".").count < $1.0.split(separator: ".").count : $0.0 < $1.0 }

let header = "// Generated by katib-codegen from the protoc-c descriptors; do not edit. Regenerate: scripts/generate.sh\n\n"
let text = header + blocks.map(\.1).joined(separator: "\n")
guard CommandLine.arguments.count == 2 else {
    print("usage: katib-codegen OUTPUT_DIRECTORY")
    exit(2)
}
let path = CommandLine.arguments[1] + "/Messages.swift"
guard let file = fopen(path, "w") else { perror(path); exit(1) }
fputs(text, file)
fclose(file)

// MARK: codecs. Each message gets `init(cMessage:)` (copy out of an unpacked protobuf-c tree) and
// `cMessage()` (a malloc'd tree that protobuf_c_message_free_unpacked frees), written with the field
// offsets and quantifier offsets that protoc-c recorded in the descriptors.
func loadExpr(_ f: ProtobufCFieldDescriptor, base: String, at offset: String) -> String {
    switch f.type {
    case PROTOBUF_C_TYPE_STRING: return "cString(\(base).load(fromByteOffset: \(offset), as: UnsafePointer<CChar>?.self))"
    case PROTOBUF_C_TYPE_ENUM: return "\(scalarType(f).type)(rawValue: \(base).load(fromByteOffset: \(offset), as: Int32.self))"
    case PROTOBUF_C_TYPE_BOOL: return "\(base).load(fromByteOffset: \(offset), as: Int32.self) != 0"
    case PROTOBUF_C_TYPE_MESSAGE: return "\(scalarType(f).type)(cMessage: \(base).load(fromByteOffset: \(offset), as: UnsafeRawPointer.self))"
    default: return "\(base).load(fromByteOffset: \(offset), as: \(scalarType(f).type).self)"
    }
}
func storeStmt(_ f: ProtobufCFieldDescriptor, base: String, offset: String, value: String) -> String {
    switch f.type {
    case PROTOBUF_C_TYPE_STRING: return "\(base).storeBytes(of: cDup(\(value)), toByteOffset: \(offset), as: UnsafeMutablePointer<CChar>?.self)"
    case PROTOBUF_C_TYPE_ENUM: return "\(base).storeBytes(of: \(value).rawValue, toByteOffset: \(offset), as: Int32.self)"
    case PROTOBUF_C_TYPE_BOOL: return "\(base).storeBytes(of: Int32(\(value) ? 1 : 0), toByteOffset: \(offset), as: Int32.self)"
    case PROTOBUF_C_TYPE_MESSAGE: return "\(base).storeBytes(of: \(value).cMessage(), toByteOffset: \(offset), as: UnsafeMutableRawPointer?.self)"
    default: return "\(base).storeBytes(of: \(value), toByteOffset: \(offset), as: \(scalarType(f).type).self)"
    }
}
func elementSize(_ f: ProtobufCFieldDescriptor) -> String {
    switch f.type {
    case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_MESSAGE, PROTOBUF_C_TYPE_BYTES: return "MemoryLayout<UnsafeRawPointer>.stride"
    case PROTOBUF_C_TYPE_ENUM, PROTOBUF_C_TYPE_BOOL: return "4"
    default: return "MemoryLayout<\(scalarType(f).type)>.stride"
    }
}

var codecs: [(String, String)] = []
/// `_Static_assert`s that every offset the codecs bake in is the C compiler's `offsetof`, so a change
/// of protobuf-c's structs or of the ABI fails the build of CKatibProto instead of corrupting memory.
func offsetChecks(_ d: ProtobufCMessageDescriptor) -> [String] {
    var offsetChecks: [String] = []
    let type = String(cString: d.c_name)
    for i in 0..<Int(d.n_fields) {
        let f = d.fields[i]
        let member = String(cString: f.name).lowercased()
        offsetChecks.append("_Static_assert(offsetof(\(type), \(member)) == \(f.offset), \"\(type).\(member)\");")
        if f.label == PROTOBUF_C_LABEL_REPEATED {
            offsetChecks.append("_Static_assert(offsetof(\(type), n_\(member)) == \(f.quantifier_offset), \"\(type).n_\(member)\");")
        }
    }
    return offsetChecks
}
for (index, d) in messageDescriptors.enumerated() where !isMapEntry(d) {
    let full = String(cString: d.name)
    let name = swiftName(full: full, package: String(cString: d.package_name))
    let fields = (0..<Int(d.n_fields)).map { d.fields[$0] }.sorted { $0.id < $1.id }
    var dec = "", enc = ""
    for f in fields {
        let (fname, _, _) = fieldDeclaration(f)
        let o = "\(f.offset)", q = "\(f.quantifier_offset)"
        var isMap = false
        if f.type == PROTOBUF_C_TYPE_MESSAGE {
            isMap = isMapEntry(f.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self).pointee)
        }
        if isMap {
            let m = f.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self).pointee
            let entryIndex = messageDescriptors.firstIndex { String(cString: $0.name) == String(cString: m.name) }!
            let k = m.fields[0], v = m.fields[1]
            dec += "        for i in 0..<c.load(fromByteOffset: \(q), as: Int.self) {\n"
            dec += "            let e = c.load(fromByteOffset: \(o), as: UnsafePointer<UnsafeRawPointer>.self)[i]\n"
            dec += "            \(fname)[\(loadExpr(k, base: "e", at: "\(k.offset)"))] = \(loadExpr(v, base: "e", at: "\(v.offset)"))\n        }\n"
            enc += "        let \(fname)Keys = \(fname).keys.sorted()\n"
            enc += "        c.storeBytes(of: \(fname)Keys.count, toByteOffset: \(q), as: Int.self)\n"
            enc += "        let \(fname)Array = cArray(count: \(fname)Keys.count, stride: MemoryLayout<UnsafeRawPointer>.stride)\n"
            enc += "        for (i, key) in \(fname)Keys.enumerated() {\n"
            enc += "            let e = cNewMessage(\(entryIndex))\n"
            enc += "            \(storeStmt(k, base: "e", offset: "\(k.offset)", value: "key"))\n"
            enc += "            \(storeStmt(v, base: "e", offset: "\(v.offset)", value: "\(fname)[key]!"))\n"
            enc += "            \(fname)Array?.storeBytes(of: e, toByteOffset: i * MemoryLayout<UnsafeRawPointer>.stride, as: UnsafeMutableRawPointer.self)\n        }\n"
            enc += "        c.storeBytes(of: \(fname)Array, toByteOffset: \(o), as: UnsafeMutableRawPointer?.self)\n"
        } else if f.label == PROTOBUF_C_LABEL_REPEATED {
            let stride = elementSize(f)
            dec += "        \(fname).reserveCapacity(c.load(fromByteOffset: \(q), as: Int.self))\n"
            dec += "        if let a = c.load(fromByteOffset: \(o), as: UnsafeRawPointer?.self) {\n"
            dec += "            for i in 0..<c.load(fromByteOffset: \(q), as: Int.self) { \(fname).append(\(loadExpr(f, base: "a", at: "i * \(stride)"))) }\n        }\n"
            enc += "        c.storeBytes(of: \(fname).count, toByteOffset: \(q), as: Int.self)\n"
            enc += "        let \(fname)Array = cArray(count: \(fname).count, stride: \(stride))\n"
            enc += "        for (i, v) in \(fname).enumerated() { \(storeStmt(f, base: "\(fname)Array!", offset: "i * \(stride)", value: "v")) }\n"
            enc += "        c.storeBytes(of: \(fname)Array, toByteOffset: \(o), as: UnsafeMutableRawPointer?.self)\n"
        } else if f.type == PROTOBUF_C_TYPE_MESSAGE {
            dec += "        \(fname) = c.load(fromByteOffset: \(o), as: UnsafeRawPointer?.self).map { \(scalarType(f).type)(cMessage: $0) }\n"
            enc += "        c.storeBytes(of: \(fname)?.cMessage(), toByteOffset: \(o), as: UnsafeMutableRawPointer?.self)\n"
        } else {
            dec += "        \(fname) = \(loadExpr(f, base: "c", at: o))\n"
            enc += "        \(storeStmt(f, base: "c", offset: o, value: fname))\n"
        }
    }
    var s = "extension \(name): ProtoMessage {\n"
    s += "    public static let protoFullName = \"\(full)\"\n"
    s += "    static let descriptorIndex = \(index)\n\n"
    s += "    public init(serializedBytes bytes: [UInt8]) throws(RPCError) {\n        self = try decodeMessage(bytes, descriptorIndex: Self.descriptorIndex, name: Self.protoFullName) { Self(cMessage: $0) }\n    }\n\n"
    s += "    public func serializedBytes() -> [UInt8] { encodeMessage(cMessage()) }\n\n"
    s += "    init(cMessage c: UnsafeRawPointer) {\n        self.init()\n" + dec + "    }\n\n"
    s += "    func cMessage() -> UnsafeMutableRawPointer {\n        let c = cNewMessage(Self.descriptorIndex)\n" + enc + "        return c\n    }\n}\n"
    codecs.append((name, s))
}
codecs.sort { $0.0 < $1.0 }
let codecHeader = header
let codecPath = CommandLine.arguments[1] + "/Codecs.swift"
guard let codecFile = fopen(codecPath, "w") else { perror(codecPath); exit(1) }
fputs(codecHeader + codecs.map(\.1).joined(separator: "\n"), codecFile)
fclose(codecFile)

// The descriptor table, in the order of messageDescriptors: C, so that the addresses are the real ones.
var table = "/* Generated by katib-codegen; do not edit. Regenerate: scripts/generate.sh */\n#include \"katib-descriptors.h\"\n#include \"api.pb-c.h\"\n#include \"health.pb-c.h\"\n\n"
table += "static const ProtobufCMessageDescriptor *const table[] = {\n"
for d in messageDescriptors { table += "    &\(descriptorSymbol(d)),\n" }
table += "};\n\nconst ProtobufCMessageDescriptor *katib_message_descriptor(int index) {\n    return (index >= 0 && index < (int)(sizeof table / sizeof table[0])) ? table[index] : 0;\n}\n"
let tablePath = CommandLine.arguments[1] + "/katib-descriptors.c"
guard let tableFile = fopen(tablePath, "w") else { perror(tablePath); exit(1) }
fputs(table, tableFile)
fclose(tableFile)

var checks = "/* Generated by katib-codegen; do not edit. Regenerate: scripts/generate.sh\n"
checks += " * The byte offsets baked into Sources/SuggestionAPI/Generated/Codecs.swift, checked against the\n"
checks += " * compiler's offsetof when CKatibProto builds. */\n#include <stddef.h>\n#include \"api.pb-c.h\"\n#include \"health.pb-c.h\"\n\n"
checks += messageDescriptors.flatMap(offsetChecks).joined(separator: "\n") + "\n"
let checksPath = CommandLine.arguments[1] + "/katib-offsets-check.c"
guard let checksFile = fopen(checksPath, "w") else { perror(checksPath); exit(1) }
fputs(checks, checksFile)
fclose(checksFile)

import CYAML
import SuggestionAPI

/// YAML 1.1 as Kubernetes manifests use it, read by libyaml's event parser into `JSONValue` (mappings
/// keep their order). Every document of a stream is read (`documents`); anchors and aliases are
/// expanded, `<<` merge keys merged (keys already present win), tags other than `!!str` / `!!null` /
/// `!!bool` are ignored. Scalars: plain `null`, `~` or nothing is null; plain `true`/`false` (and YAML
/// 1.1's `yes`/`no`/`on`/`off`, any case as Kubernetes' reader accepts) are booleans; everything else
/// is a string, numbers included (the Experiment reader parses them where it expects them), and every
/// quoted or block scalar is a string. A mapping key must be a scalar and may appear once.
///
/// Each document also records the line of every mapping key, by path (`spec.parameters[0].name`), so
/// that readers can say where a field is. This file holds all of LocalRunner's C interop.
public enum YAML {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    public struct Document: Sendable {
        public let value: JSONValue
        /// Path of each mapping key → its line (1-based).
        public let lines: [String: Int]
        /// The line the document starts on.
        public let line: Int
    }

    /// The first document (null for an empty stream).
    public static func parse(_ text: String) throws(ParseError) -> JSONValue {
        try documents(text).first?.value ?? .null
    }

    /// Nodes that aliases may expand to in one stream before it is refused: values are shared, but
    /// anything that walks a "billion laughs" document would walk every expanded node.
    static let maxExpandedNodes = 1_000_000

    public static func documents(_ text: String) throws(ParseError) -> [Document] {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw ParseError(line: 0, message: "libyaml could not start (out of memory)") }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(ParseError) -> [Document] in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = Builder()
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
                    let context = parser.context.map { " " + String(cString: $0) } ?? ""
                    let line = Int(parser.problem_mark.line) + 1
                    // The commonest cause of libyaml's "cannot start any token": a tab in the indentation.
                    let indentation = text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(line - 1).first?
                        .prefix { $0 == " " || $0 == "\t" } ?? ""
                    let hint = indentation.contains("\t") ? " (this line is indented with a tab; YAML allows only spaces)" : ""
                    throw ParseError(line: line, message: problem + context + hint)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try builder.handle(event)
            }
            return builder.documents
        }
    }

    /// Builds values from parser events.
    struct Builder {
        /// A container being built: its members (merged ones apart, since the mapping's own keys win
        /// whatever their order), the key awaiting its value, and its size in expanded nodes.
        enum Frame {
            case mapping(members: [(String, JSONValue)], merged: [(String, JSONValue)], key: (text: String, line: Int)?,
                         anchor: String?, path: String, size: Int)
            case sequence(items: [JSONValue], anchor: String?, path: String, size: Int)
        }
        var stack: [Frame] = []
        /// Anchored values with their sizes in expanded nodes.
        var anchors: [String: (value: JSONValue, size: Int)] = [:]
        var expanded = 0
        var documents: [Document] = []
        var lines: [String: Int] = [:]
        var documentLine = 1
        var root: JSONValue? = nil

        static func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            p.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        }

        /// The path of the value about to be added to the innermost container.
        var childPath: String {
            switch stack.last {
            case .mapping(_, _, let key?, _, let path, _)?: return path.isEmpty ? key.text : path + "." + key.text
            case .sequence(let items, _, let path, _)?: return path + "[\(items.count)]"
            default: return ""
            }
        }

        mutating func handle(_ event: yaml_event_t) throws(ParseError) {
            let line = Int(event.start_mark.line) + 1
            switch event.type {
            case YAML_DOCUMENT_START_EVENT:
                lines = [:]
                anchors = [:]
                root = nil
                documentLine = line
            case YAML_DOCUMENT_END_EVENT:
                documents.append(Document(value: root ?? .null, lines: lines, line: documentLine))
            case YAML_MAPPING_START_EVENT:
                try expectValue(line)
                stack.append(.mapping(members: [], merged: [], key: nil, anchor: Self.string(event.data.mapping_start.anchor), path: childPath, size: 1))
            case YAML_SEQUENCE_START_EVENT:
                try expectValue(line)
                stack.append(.sequence(items: [], anchor: Self.string(event.data.sequence_start.anchor), path: childPath, size: 1))
            case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
                let value: JSONValue
                let anchor: String?
                let size: Int
                switch stack.removeLast() {
                case .mapping(let members, let merged, _, let a, _, let n):
                    value = .object(members + merged.filter { m in !members.contains { $0.0 == m.0 } })
                    anchor = a
                    size = n
                case .sequence(let items, let a, _, let n): value = .array(items); anchor = a; size = n
                }
                if let anchor { anchors[anchor] = (value, size) }
                try add(value, size: size, line: line)
            case YAML_SCALAR_EVENT:
                let s = event.data.scalar
                let text = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: s.length), as: UTF8.self) } ?? ""
                let tag = Self.string(s.tag)
                if case .mapping(let members, let merged, nil, let a, let path, let n)? = stack.last {
                    // A key.
                    if text != "<<", members.contains(where: { $0.0 == text }) {
                        throw ParseError(line: line, message: "duplicate key \(text)")
                    }
                    stack[stack.count - 1] = .mapping(members: members, merged: merged, key: (text, line), anchor: a, path: path, size: n)
                    lines[path.isEmpty ? text : path + "." + text] = line
                    if let anchor = Self.string(s.anchor) { anchors[anchor] = (.string(text), 1) }
                    return
                }
                let value = Self.resolve(text, plain: s.plain_implicit == 1 && s.style == YAML_PLAIN_SCALAR_STYLE, tag: tag)
                if let anchor = Self.string(s.anchor) { anchors[anchor] = (value, 1) }
                try add(value, size: 1, line: line)
            case YAML_ALIAS_EVENT:
                let name = Self.string(event.data.alias.anchor) ?? ""
                guard let (value, size) = anchors[name] else { throw ParseError(line: line, message: "alias *\(name) has no anchor &\(name) before it") }
                expanded += size
                guard expanded <= YAML.maxExpandedNodes else {
                    throw ParseError(line: line, message: "aliases expand to more than \(YAML.maxExpandedNodes) nodes; refusing to expand further")
                }
                if case .mapping(let members, let merged, nil, let a, let path, let n)? = stack.last {
                    guard case .string(let key) = value else { throw ParseError(line: line, message: "a mapping key must be a scalar") }
                    stack[stack.count - 1] = .mapping(members: members, merged: merged, key: (key, line), anchor: a, path: path, size: n)
                    return
                }
                try add(value, size: size, line: line)
            default:
                break
            }
        }

        /// A mapping or sequence may not be a mapping key.
        func expectValue(_ line: Int) throws(ParseError) {
            if case .mapping(_, _, nil, _, _, _)? = stack.last {
                throw ParseError(line: line, message: "a mapping key must be a scalar (complex keys are not supported)")
            }
        }

        mutating func add(_ value: JSONValue, size: Int, line: Int) throws(ParseError) {
            switch stack.last {
            case nil:
                root = value
            case .sequence(var items, let a, let path, let n)?:
                items.append(value)
                stack[stack.count - 1] = .sequence(items: items, anchor: a, path: path, size: n + size)
            case .mapping(var members, var merged, let key?, let a, let path, let n)?:
                if key.text == "<<" {
                    // Merge keys: a mapping, or a sequence of mappings (earlier ones win); the
                    // mapping's own keys win over every merged one.
                    let sources: [JSONValue] = value.arrayValue ?? [value]
                    for source in sources {
                        guard case .object(let more) = source else { throw ParseError(line: key.line, message: "<< must merge a mapping") }
                        for (k, v) in more where !merged.contains(where: { $0.0 == k }) { merged.append((k, v)) }
                    }
                } else {
                    members.append((key.text, value))
                }
                stack[stack.count - 1] = .mapping(members: members, merged: merged, key: nil, anchor: a, path: path, size: n + size)
            case .mapping(_, _, nil, _, _, _)?:
                throw ParseError(line: line, message: "a mapping key must be a scalar")
            }
        }

        static func resolve(_ text: String, plain: Bool, tag: String?) -> JSONValue {
            switch tag {
            case "tag:yaml.org,2002:str": return .string(text)
            case "tag:yaml.org,2002:null": return .null
            case "tag:yaml.org,2002:bool": return .bool(["true", "yes", "on"].contains(text.lowercased()))
            default: break
            }
            guard plain else { return .string(text) }
            switch text {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return .bool(true)
            case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return .bool(false)
            default: return .string(text)
            }
        }
    }
}

extension String {
    /// Every occurrence of `target` replaced (left to right, not overlapping).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

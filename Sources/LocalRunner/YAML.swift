import SuggestionAPI

/// A reader for the YAML that Kubernetes manifests use, into `JSONValue` (mappings keep their order;
/// every scalar is a string except `null`/`~`, `true`/`false` and flow-style `[...]`/`{...}` entries,
/// which follow the same rule): block mappings and sequences by indentation, `- ` items holding
/// mappings, single- and double-quoted scalars, plain scalars, `|` and `>` block scalars (with
/// `-`/`+` chomping), flow sequences and mappings of scalars, comments, and `---` document markers
/// (the first document is read). Anchors, aliases, tags, multi-line plain scalars and complex keys
/// are refused with the line number, never guessed at.
public enum YAML {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    public static func parse(_ text: String) throws(ParseError) -> JSONValue {
        var lines: [(number: Int, indent: Int, text: String)] = []
        var number = 0
        var raw = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) }
        var started = false
        var index = 0
        while index < raw.count {
            let line = raw[index]
            number = index + 1
            index += 1
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("\t") { throw ParseError(line: number, message: "tabs are not allowed for indentation") }
            if trimmed == "---" || trimmed.hasPrefix("--- ") {
                if started { raw = Array(raw[..<(index - 1)]); break }
                started = true
                continue
            }
            if trimmed == "..." { break }
            lines.append((number, line.count - trimmed.count, line))
        }
        var parser = Parser(lines: lines)
        parser.skipBlank()
        guard parser.position < parser.lines.count else { return .null }
        let value = try parser.node(indent: parser.lines[parser.position].indent)
        parser.skipBlank()
        if parser.position < parser.lines.count {
            throw ParseError(line: parser.lines[parser.position].number, message: "unexpected indentation")
        }
        return value
    }

    struct Parser {
        var lines: [(number: Int, indent: Int, text: String)]
        var position = 0

        func isBlank(_ text: String) -> Bool {
            let t = text.drop { $0 == " " }
            return t.isEmpty || t.hasPrefix("#")
        }

        mutating func skipBlank() {
            while position < lines.count && isBlank(lines[position].text) { position += 1 }
        }

        /// The node starting at the current line, whose lines are indented exactly `indent`.
        mutating func node(indent: Int) throws(ParseError) -> JSONValue {
            skipBlank()
            guard position < lines.count else { return .null }
            let content = String(lines[position].text.dropFirst(lines[position].indent))
            if content == "-" || content.hasPrefix("- ") { return try sequence(indent: indent) }
            return try mapping(indent: indent)
        }

        mutating func sequence(indent: Int) throws(ParseError) -> JSONValue {
            var items: [JSONValue] = []
            while true {
                skipBlank()
                guard position < lines.count, lines[position].indent == indent else { break }
                let line = lines[position]
                let content = String(line.text.dropFirst(indent))
                guard content == "-" || content.hasPrefix("- ") else { break }
                let rest = String(content.dropFirst(1).drop { $0 == " " })
                if rest.isEmpty || rest.hasPrefix("#") {
                    position += 1
                    skipBlank()
                    if position < lines.count && lines[position].indent > indent {
                        items.append(try node(indent: lines[position].indent))
                    } else {
                        items.append(.null)
                    }
                    continue
                }
                // "- key: value" starts a mapping whose keys sit at the column after "- ".
                let column = indent + (content.count - rest.count)
                if Self.keyColon(rest) != nil && !rest.hasPrefix("\"") && !rest.hasPrefix("'") && !rest.hasPrefix("[") && !rest.hasPrefix("{") {
                    lines[position].indent = column
                    lines[position].text = String(repeating: " ", count: column) + rest
                    items.append(try mapping(indent: column))
                } else {
                    position += 1
                    items.append(try scalarOrBlock(rest, line: line.number, parentIndent: indent))
                }
            }
            return .array(items)
        }

        mutating func mapping(indent: Int) throws(ParseError) -> JSONValue {
            var members: [(String, JSONValue)] = []
            while true {
                skipBlank()
                guard position < lines.count else { break }
                let line = lines[position]
                if line.indent < indent { break }
                guard line.indent == indent else { throw ParseError(line: line.number, message: "unexpected indentation") }
                let content = String(line.text.dropFirst(indent))
                if content == "-" || content.hasPrefix("- ") { break }
                guard let colon = Self.keyColon(content) else {
                    throw ParseError(line: line.number, message: "expected \"key: value\"")
                }
                let key = try Self.unquote(String(content[..<colon]).trimmedSpaces(), line: line.number)
                let rest = String(content[content.index(after: colon)...]).trimmedSpaces()
                if members.contains(where: { $0.0 == key }) { throw ParseError(line: line.number, message: "duplicate key \(key)") }
                position += 1
                if rest.isEmpty || rest.hasPrefix("#") {
                    skipBlank()
                    if position < lines.count, lines[position].indent > indent {
                        members.append((key, try node(indent: lines[position].indent)))
                    } else if position < lines.count, lines[position].indent == indent,
                              String(lines[position].text.dropFirst(indent)).hasPrefix("- ") || String(lines[position].text.dropFirst(indent)) == "-" {
                        members.append((key, try sequence(indent: indent)))   // "key:\n- item" at the same indentation
                    } else {
                        members.append((key, .null))
                    }
                } else {
                    members.append((key, try scalarOrBlock(rest, line: line.number, parentIndent: indent)))
                }
            }
            return .object(members)
        }

        /// A value written after "key:" or "- ": a block scalar, a flow collection or a scalar.
        mutating func scalarOrBlock(_ text: String, line: Int, parentIndent: Int) throws(ParseError) -> JSONValue {
            if text.hasPrefix("|") || text.hasPrefix(">") {
                let folded = text.hasPrefix(">")
                let indicator = text.dropFirst().split(separator: "#").first.map { String($0).trimmedSpaces() } ?? ""
                let chomp: Character? = indicator.contains("-") ? "-" : indicator.contains("+") ? "+" : nil
                var body: [String] = []
                var blockIndent: Int? = nil
                while position < lines.count {
                    let l = lines[position]
                    let blank = l.text.allSatisfy { $0 == " " }
                    if !blank {
                        if blockIndent == nil { blockIndent = l.indent }
                        if l.indent < blockIndent! || l.indent <= parentIndent { break }
                    }
                    body.append(blank ? "" : String(l.text.dropFirst(blockIndent!)))
                    position += 1
                }
                var trailing = 0
                while let last = body.last, last.isEmpty { body.removeLast(); trailing += 1 }
                var text: String
                if folded {
                    text = ""
                    for (i, b) in body.enumerated() {
                        if i > 0 { text += (b.isEmpty || body[i - 1].isEmpty || b.hasPrefix(" ")) ? "\n" : " " }
                        text += b
                    }
                } else {
                    text = body.joined(separator: "\n")
                }
                switch chomp {
                case "-": break
                case "+": text += String(repeating: "\n", count: trailing + (body.isEmpty ? 0 : 1))
                default: if !body.isEmpty { text += "\n" }
                }
                return .string(text)
            }
            if text.hasPrefix("&") || text.hasPrefix("*") || text.hasPrefix("!") {
                throw ParseError(line: line, message: "anchors, aliases and tags are not supported")
            }
            if text.hasPrefix("[") || text.hasPrefix("{") {
                var flow = FlowParser(text: Array(stripComment(text)), line: line)
                let value = try flow.value()
                flow.skipSpaces()
                guard flow.index == flow.text.count else { throw ParseError(line: line, message: "text after a flow collection") }
                return value
            }
            // A plain scalar continued on the next, more indented line is not supported.
            if position < lines.count, lines[position].indent > parentIndent, !isBlank(lines[position].text),
               !text.hasPrefix("\""), !text.hasPrefix("'") {
                let next = String(lines[position].text.dropFirst(lines[position].indent))
                if Self.keyColon(next) == nil && !next.hasPrefix("- ") {
                    throw ParseError(line: lines[position].number, message: "multi-line plain scalars are not supported; quote the value or use |")
                }
            }
            return try Self.scalar(stripComment(text), line: line)
        }

        func stripComment(_ text: String) -> String {
            var inSingle = false, inDouble = false
            var previous: Character = " "
            var out = ""
            for c in text {
                if c == "'" && !inDouble { inSingle.toggle() }
                if c == "\"" && !inSingle && previous != "\\" { inDouble.toggle() }
                if c == "#" && !inSingle && !inDouble && (previous == " " || previous == "\t") { break }
                out.append(c)
                previous = c
            }
            return out.trimmedSpaces()
        }

        /// The index of the ": " (or final ":") that ends a mapping key, outside quotes.
        static func keyColon(_ text: String) -> String.Index? {
            var inSingle = false, inDouble = false
            var i = text.startIndex
            while i < text.endIndex {
                let c = text[i]
                if c == "'" && !inDouble { inSingle.toggle() }
                if c == "\"" && !inSingle { inDouble.toggle() }
                if c == "#" && !inSingle && !inDouble && i > text.startIndex && text[text.index(before: i)] == " " { return nil }
                if c == ":" && !inSingle && !inDouble {
                    let next = text.index(after: i)
                    if next == text.endIndex || text[next] == " " { return i }
                }
                i = text.index(after: i)
            }
            return nil
        }

        static func scalar(_ text: String, line: Int) throws(ParseError) -> JSONValue {
            if text.hasPrefix("\"") || text.hasPrefix("'") { return .string(try unquote(text, line: line)) }
            switch text {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: return .string(text)
            }
        }

        static func unquote(_ text: String, line: Int) throws(ParseError) -> String {
            if text.hasPrefix("'") {
                guard text.count >= 2, text.hasSuffix("'") else { throw ParseError(line: line, message: "unterminated single-quoted string") }
                return String(text.dropFirst().dropLast()).replacingAll("''", with: "'")
            }
            if text.hasPrefix("\"") {
                guard text.count >= 2, text.hasSuffix("\"") else { throw ParseError(line: line, message: "unterminated double-quoted string") }
                var out = ""
                var escape = false
                for c in text.dropFirst().dropLast() {
                    if escape {
                        switch c {
                        case "n": out.append("\n")
                        case "t": out.append("\t")
                        case "\\": out.append("\\")
                        case "\"": out.append("\"")
                        case "/": out.append("/")
                        case "0": out.append("\0")
                        default: throw ParseError(line: line, message: "unsupported escape \\\(c)")
                        }
                        escape = false
                    } else if c == "\\" {
                        escape = true
                    } else {
                        out.append(c)
                    }
                }
                return out
            }
            return text
        }
    }

    /// Flow collections of scalars: `[a, "b", 3]`, `{k: v}`, nested.
    struct FlowParser {
        let text: [Character]
        let line: Int
        var index = 0

        mutating func skipSpaces() { while index < text.count && text[index] == " " { index += 1 } }

        mutating func value() throws(ParseError) -> JSONValue {
            skipSpaces()
            guard index < text.count else { throw ParseError(line: line, message: "unterminated flow collection") }
            if text[index] == "[" {
                index += 1
                var items: [JSONValue] = []
                skipSpaces()
                if index < text.count && text[index] == "]" { index += 1; return .array(items) }
                while true {
                    items.append(try value())
                    skipSpaces()
                    guard index < text.count else { throw ParseError(line: line, message: "unterminated [") }
                    if text[index] == "," { index += 1; continue }
                    if text[index] == "]" { index += 1; return .array(items) }
                    throw ParseError(line: line, message: "expected , or ] in a flow sequence")
                }
            }
            if text[index] == "{" {
                index += 1
                var members: [(String, JSONValue)] = []
                skipSpaces()
                if index < text.count && text[index] == "}" { index += 1; return .object(members) }
                while true {
                    guard case .string(let key) = try scalar(stopAt: [":"]) else { throw ParseError(line: line, message: "flow mapping keys must be strings") }
                    skipSpaces()
                    guard index < text.count, text[index] == ":" else { throw ParseError(line: line, message: "expected : in a flow mapping") }
                    index += 1
                    members.append((key, try value()))
                    skipSpaces()
                    guard index < text.count else { throw ParseError(line: line, message: "unterminated {") }
                    if text[index] == "," { index += 1; skipSpaces(); continue }
                    if text[index] == "}" { index += 1; return .object(members) }
                    throw ParseError(line: line, message: "expected , or } in a flow mapping")
                }
            }
            return try scalar(stopAt: [",", "]", "}"])
        }

        mutating func scalar(stopAt: Set<Character>) throws(ParseError) -> JSONValue {
            skipSpaces()
            let start = index
            if index < text.count && (text[index] == "\"" || text[index] == "'") {
                let quote = text[index]
                index += 1
                while index < text.count && !(text[index] == quote && text[index - 1] != "\\") { index += 1 }
                guard index < text.count else { throw ParseError(line: line, message: "unterminated string") }
                index += 1
                return .string(try Parser.unquote(String(text[start..<index]), line: line))
            }
            while index < text.count && !stopAt.contains(text[index]) { index += 1 }
            return try Parser.scalar(String(text[start..<index]).trimmedSpaces(), line: line)
        }
    }
}

extension String {
    func trimmedSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }

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

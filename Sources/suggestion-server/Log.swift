#if canImport(Glibc)
import Glibc
#endif
import SuggestionAPI
import LocalSystem

/// Writes one line to standard error with a single write(2), so that lines from concurrent calls
/// never interleave (writes below PIPE_BUF bytes are atomic). Lines start with the UTC time in
/// ISO 8601 to the second (`2026-11-25T02:13:25Z`). Control characters in `message` are escaped
/// (`logEscaped`), so a request value such as an experiment name with a newline cannot forge a line.
func logLine(_ message: String) {
    let line = "\(TextFiles.utcTimestamp()) \(logEscaped(message))\n"
    var bytes = Array(line.utf8)
    if bytes.count > 4096 { bytes = Array(bytes.prefix(4095)) + [10] }
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// Writes text to standard error as it is (usage and help, which span several lines).
func writeStandardError(_ text: String) {
    let bytes = Array((text.hasSuffix("\n") ? text : text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// `text` with every C0 control character and DEL written as `\xNN` (`\n`, `\r`, `\t` by name).
func logEscaped(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x0A: out += "\\n"
        case 0x0D: out += "\\r"
        case 0x09: out += "\\t"
        case 0..<0x20, 0x7F:
            let hex = String(scalar.value, radix: 16, uppercase: true)
            out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// A value for a `key="value"` log field: capped (`RPCError.capped`), with `"` and `\` escaped so
/// the field cannot end early.
func logQuoted(_ value: String) -> String {
    var out = "\""
    for c in RPCError.capped(value, maxBytes: 512).unicodeScalars {
        if c == "\"" || c == "\\" { out += "\\" }
        out.unicodeScalars.append(c)
    }
    return out + "\""
}

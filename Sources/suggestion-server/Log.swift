#if canImport(Glibc)
import Glibc
#endif
import SuggestionAPI

/// Writes one line to standard error with a single write(2), so that lines from concurrent calls
/// never interleave (writes below PIPE_BUF bytes are atomic). Lines start with the UTC time in
/// ISO 8601 to the second (`2026-11-25T02:13:25Z`).
func logLine(_ message: String) {
    let line = "\(TextFiles.utcTimestamp()) \(message)\n"
    var bytes = Array(line.utf8)
    if bytes.count > 4096 { bytes = Array(bytes.prefix(4095)) + [10] }
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

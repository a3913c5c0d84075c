#if canImport(Glibc)
import Glibc
#endif

/// Writes one line to standard error with a single write(2), so that lines from concurrent calls
/// never interleave (writes below PIPE_BUF bytes are atomic). Lines start with the UTC time in
/// ISO 8601 to the second (`2026-11-25T02:13:25Z`).
func logLine(_ message: String) {
    let line = "\(utcTimestamp()) \(message)\n"
    var bytes = Array(line.utf8)
    if bytes.count > 4096 { bytes = Array(bytes.prefix(4095)) + [10] }
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`, from the C library (Foundation stays out of the
/// binary: with a static standard library it would add tens of megabytes).
func utcTimestamp() -> String {
    var now = time(nil)
    var parts = tm()
    gmtime_r(&now, &parts)
    var buffer = [CChar](repeating: 0, count: 32)
    let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
    return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

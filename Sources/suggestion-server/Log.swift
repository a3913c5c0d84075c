#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import SuggestionAPI
import LocalSystem

/// Logs one line to standard error (through `LogWriter`: whole lines, never interleaved, and the
/// caller never waits for the reader of standard error). Lines start with the UTC time in ISO 8601
/// to the second (`2026-11-25T02:13:25Z`), and are cut to 4 KiB. Control characters in `message` are
/// escaped (`logEscaped`), so a request value such as an experiment name with a newline cannot
/// forge a line. `lifecycle` lines (listening, signal, stopped: a handful per process) are kept even
/// when the buffer is full; per-call lines are then dropped and counted.
func logLine(_ message: String, lifecycle: Bool = false) {
    let line = "\(TextFiles.utcTimestamp()) \(logEscaped(message))\n"
    var bytes = Array(line.utf8)
    if bytes.count > 4096 { bytes = Array(bytes.prefix(4095)) + [10] }
    LogWriter.shared.append(bytes, evenWhenFull: lifecycle)
}

/// Writes text to standard error as it is (usage and help, which span several lines), after the
/// lines logged before it.
func writeStandardError(_ text: String) {
    LogWriter.shared.flush()
    writeAll(2, Array((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// write(2) until every byte is written or the descriptor fails (EINTR retried).
private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}

/// The one writer of log lines. Callers append to a buffer and return at once; a thread of its own
/// writes the buffer out, many lines per write(2). So an event loop that answers a call inline (see
/// `InlineAttempt`) never blocks on a stalled reader of standard error, and a busy server makes one
/// system call per batch instead of one per call. While more than `maxPendingBytes` wait, new lines
/// are dropped and counted; the count is logged once the reader catches up. The process's exit
/// (`atexit`) writes what is pending.
final class LogWriter: Sendable {
    static let shared = LogWriter()

    /// Bytes of lines waiting to be written beyond which new lines are dropped (16,000 lines of 256 bytes).
    static let maxPendingBytes = 4 << 20

    private struct State {
        var pending: [UInt8] = []
        var dropped = 0
        var writing = false
    }
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let idle = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "log-writer"
        thread.start()
        atexit { LogWriter.shared.flush() }
    }

    func append(_ line: [UInt8], evenWhenFull: Bool = false) {
        let first = state.withLock { s -> Bool in
            guard evenWhenFull || s.pending.count + line.count <= Self.maxPendingBytes else {
                s.dropped += 1
                return false
            }
            s.pending += line
            return s.pending.count == line.count && !s.writing
        }
        if first { wake.signal() }
    }

    /// Returns once every line appended before the call is written (or the writer gave up on a
    /// failed descriptor), or after 2 s: a reader of standard error that has stopped must not keep
    /// the process from exiting. Used before exiting and before text written directly.
    func flush() {
        let end = DispatchTime.now() + .seconds(2)
        while state.withLock({ !$0.pending.isEmpty || $0.writing }) && DispatchTime.now() < end {
            _ = idle.wait(timeout: .now() + .milliseconds(5))
        }
    }

    private func run() {
        while true {
            wake.wait()
            while true {
                let (batch, dropped) = state.withLock { s -> ([UInt8], Int) in
                    defer { s.pending = []; s.dropped = 0 }
                    s.writing = !s.pending.isEmpty || s.dropped > 0
                    return (s.pending, s.dropped)
                }
                guard !batch.isEmpty || dropped > 0 else { break }
                writeAll(2, batch)
                if dropped > 0 {
                    writeAll(2, Array("\(TextFiles.utcTimestamp()) suggestion-server: \(dropped) log lines dropped: standard error was not read fast enough\n".utf8))
                }
                state.withLock { $0.writing = false }
                idle.signal()
            }
        }
    }
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

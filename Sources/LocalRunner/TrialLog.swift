#if canImport(Glibc)
import Glibc
#endif
import SuggestionAPI
import LocalSystem

/// One trial's output: every line of standard output and error appended to `stdout.log` and
/// `stderr.log` in the trial's directory (`<results>.d/<trial>/`, created on first use; nothing is
/// written when there is no directory), and the last `Tuner.tailLines` lines of each kept in memory
/// for the results file and the table.
final class TrialLog {
    private var files: [ChildProcess.Stream: Int32] = [:]
    private var tails: [ChildProcess.Stream: [String]] = [.stdout: [], .stderr: []]
    let directory: String?

    init(directory: String?) {
        self.directory = directory
        guard let directory, Self.makeDirectory(directory) else { return }
        for (stream, file) in [(ChildProcess.Stream.stdout, "stdout.log"), (.stderr, "stderr.log")] {
            let fd = open(directory + "/" + file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if fd >= 0 { files[stream] = fd }
        }
    }

    deinit { for fd in files.values { close(fd) } }

    func write(_ stream: ChildProcess.Stream, _ line: String) {
        tails[stream, default: []].append(line)
        if tails[stream]!.count > Tuner.tailLines { tails[stream]!.removeFirst() }
        guard let fd = files[stream] else { return }
        let bytes = Array((line + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            written += n
        }
    }

    /// The last lines of `stream`, oldest first.
    func tail(_ stream: ChildProcess.Stream) -> [String] { tails[stream] ?? [] }

    /// mkdir -p; true when the directory exists afterwards.
    static func makeDirectory(_ path: String) -> Bool {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { return false }
            prefix += "/"
        }
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// A trial name as one path component (Katib's names are DNS labels already; anything else, such
    /// as `/` or a leading dot, becomes `_`).
    static func safeName(_ name: String) -> String {
        var out = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
        if out.hasPrefix(".") || out.isEmpty { out = "_" + out }
        return out
    }
}

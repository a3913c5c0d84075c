// Child processes for `suggestion-server tune`: posix_spawn into a process group of their own, with
// stdout and stderr on two pipes read without blocking, reaped with waitpid(WNOHANG).

#if canImport(Glibc)
import Glibc
import SuggestionAPI
#endif

/// A running child whose standard output and error are captured line by line.
///
/// The child leads a new process group, so that a terminal's Ctrl-C reaches only the parent (which
/// decides what happens to trials) and `terminate` reaches everything the trial started.
public final class ChildProcess: @unchecked Sendable {
    public enum Stream: Sendable { case stdout, stderr }

    public let pid: pid_t
    /// Read ends of the stdout and stderr pipes (-1 once closed).
    private var fds: [Int32]
    private var pending: [[UInt8]] = [[], []]
    public private(set) var exitStatus: Int32?
    /// The signal that ended the child, when a signal did.
    public private(set) var terminatingSignal: Int32?

    /// Starts `arguments[0]` (looked up in PATH) with `arguments[1...]` in `directory`, with
    /// `environment` added to this process's environment. The command runs through
    /// `/bin/sh -c 'cd "$0" && exec "$@"'`, so a command that cannot be found exits with status 127
    /// and one that cannot be executed with 126 (`explanation` says so).
    public init(arguments: [String], directory: String, environment: [String: String]) throws(RPCError) {
        guard !arguments.isEmpty else { throw RPCError(.invalidArgument, "the trial command is empty") }
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard pipe(&out) == 0 else { throw RPCError(.unavailable, "pipe failed: errno \(errno)") }
        guard pipe(&err) == 0 else {
            close(out[0]); close(out[1])
            throw RPCError(.unavailable, "pipe failed: errno \(errno)")
        }
        for fd in [out[0], err[0]] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        for fd in [out[0], out[1], err[0], err[1]] { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        // The shell changes directory and then becomes the command (no shell parsing of arguments).
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + arguments
        var env: [String] = []
        var e = environ
        while let p = e.pointee {
            let entry = String(cString: p)
            if let eq = entry.firstIndex(of: "="), environment[String(entry[..<eq])] != nil {} else { env.append(entry) }
            e += 1
        }
        for (k, v) in environment.sorted(by: { $0.key < $1.key }) { env.append("\(k)=\(v)") }
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = env.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/bin/sh", &actions, &attributes, &cArgs, &cEnv)
        close(out[1])
        close(err[1])
        guard rc == 0 else {
            close(out[0])
            close(err[0])
            throw RPCError(.unavailable, "cannot start \(arguments[0]): posix_spawn error \(rc)")
        }
        pid = child
        fds = [out[0], err[0]]
    }

    deinit { for fd in fds where fd >= 0 { close(fd) } }

    /// Complete lines written to either stream since the last call, stdout's first (a final line
    /// without newline is returned once the child has exited).
    public func readLines() -> [(stream: Stream, line: String)] {
        var lines: [(stream: Stream, line: String)] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        for (k, stream) in [Stream.stdout, .stderr].enumerated() where fds[k] >= 0 {
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fds[k], $0.baseAddress, $0.count) }
                if n <= 0 { break }
                pending[k] += buffer[..<n]
            }
            while let newline = pending[k].firstIndex(of: 10) {
                lines.append((stream, String(decoding: pending[k][..<newline], as: UTF8.self)))
                pending[k].removeSubrange(...newline)
            }
            if exitStatus != nil || terminatingSignal != nil, !pending[k].isEmpty {
                lines.append((stream, String(decoding: pending[k], as: UTF8.self)))
                pending[k].removeAll()
            }
        }
        return lines
    }

    /// Reaps the child if it has exited; true once it has.
    public func poll() -> Bool {
        if exitStatus != nil || terminatingSignal != nil { return true }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        guard r == pid else { return false }
        if status & 0x7f == 0 { exitStatus = (status >> 8) & 0xff } else { terminatingSignal = status & 0x7f }
        return true
    }

    /// Sends `signal` to the child's whole process group.
    public func signalGroup(_ signal: Int32) {
        guard exitStatus == nil, terminatingSignal == nil else { return }
        kill(-pid, signal)
    }

    /// Sends SIGTERM to the process group (then SIGKILL after `graceMilliseconds`) and reaps the child.
    public func terminate(graceMilliseconds: Int = 5000) {
        guard !poll() else { return }
        signalGroup(SIGTERM)
        var waited = 0
        while !poll() {
            if waited >= graceMilliseconds { kill(-pid, SIGKILL) }
            usleep(10_000)
            waited += 10
        }
    }

    /// Why the child ended, in words, or nil when it exited with status 0.
    public var explanation: String? {
        if let s = terminatingSignal {
            let name = String(cString: strsignal(s))
            return "killed by signal \(s) (\(name))"
        }
        switch exitStatus {
        case nil, 0?: return nil
        case 127?: return "exit status 127: the command was not found (check the first word of the container's command and PATH)"
        case 126?: return "exit status 126: the command could not be executed (permissions, or not a program)"
        case let s?: return "exit status \(s)"
        }
    }
}

// Child processes for `suggestion-server tune`: posix_spawn with stdout and stderr on one pipe,
// read without blocking, reaped with waitpid(WNOHANG).

#if canImport(Glibc)
import Glibc
#endif

/// A running child whose standard output and error are captured line by line.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let fd: Int32
    private var pending: [UInt8] = []
    public private(set) var exitStatus: Int32?
    /// The signal that ended the child, when a signal did.
    public private(set) var terminatingSignal: Int32?

    /// Starts `arguments[0]` (looked up in PATH) with `arguments[1...]` in `directory`, with
    /// `environment` added to this process's environment.
    public init(arguments: [String], directory: String, environment: [String: String]) throws(RPCError) {
        guard !arguments.isEmpty else { throw RPCError(.invalidArgument, "the trial command is empty") }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw RPCError(.unavailable, "pipe failed: errno \(errno)") }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        // The shell changes directory and then becomes the command (no shell parsing of arguments).
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + arguments
        var env: [String] = []
        var e = environ
        while let p = e.pointee {
            let entry = String(cString: p)
            if let eq = entry.firstIndex(of: "="), environment[String(entry[..<eq])] != nil {} else { env.append(entry) }
            e += 1
        }
        for (k, v) in environment { env.append("\(k)=\(v)") }
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = env.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/bin/sh", &actions, nil, &cArgs, &cEnv)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw RPCError(.unavailable, "cannot start \(arguments[0]): posix_spawn error \(rc)")
        }
        pid = child
        fd = fds[0]
    }

    deinit { close(fd) }

    /// Complete lines written since the last call (a final line without newline is returned once
    /// the child has exited).
    public func readLines() -> [String] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            pending += buffer[..<n]
        }
        var lines: [String] = []
        while let newline = pending.firstIndex(of: 10) {
            lines.append(String(decoding: pending[..<newline], as: UTF8.self))
            pending.removeSubrange(...newline)
        }
        if exitStatus != nil || terminatingSignal != nil, !pending.isEmpty {
            lines.append(String(decoding: pending, as: UTF8.self))
            pending.removeAll()
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

    /// Sends SIGTERM (then SIGKILL after `grace` polls of 10 ms) and reaps the child.
    public func terminate(graceMilliseconds: Int = 5000) {
        guard !poll() else { return }
        kill(pid, SIGTERM)
        var waited = 0
        while !poll() {
            if waited >= graceMilliseconds { kill(pid, SIGKILL) }
            usleep(10_000)
            waited += 10
        }
    }
}

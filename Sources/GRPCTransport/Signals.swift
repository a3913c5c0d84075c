// Termination signals on a thread of their own.

import SuggestionAPI
internal import CShims
#if canImport(Glibc)
import Glibc
#endif

/// Calls `body` with the signal number on a dedicated thread each time one of `signals` arrives
/// (SIGPIPE is ignored as well). The thread only waits on a pipe the signal handler writes to, so a
/// signal is acted on at once even when every other thread is busy (Dispatch's global queues and the
/// Swift task pool are shared with sampler work). Call once per process.
public func handleSignals(_ signals: [Int32], _ body: @escaping @Sendable (Int32) -> Void) throws(RPCError) {
    signal(SIGPIPE, SIG_IGN)
    let fd = signals.withUnsafeBufferPointer { cshims_signal_pipe($0.baseAddress, Int32($0.count)) }
    guard fd >= 0 else { throw RPCError(.unavailable, "cannot install signal handlers: \(errnoText())") }
    _ = try startThread {
        var byte: UInt8 = 0
        while true {
            let n = read(fd, &byte, 1)
            if n == 1 { body(Int32(byte)) } else if n < 0 && errno == EINTR { continue } else { return }
        }
    }
}

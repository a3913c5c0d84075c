import SuggestionAPI

/// Cooperative cancellation of CPU-bound sampler work.
///
/// The transport runs each call in a Swift `Task` and cancels it when the call's deadline passes
/// (`grpc-timeout`, or the server's own per-call budget) or the client resets the stream. Samplers are
/// synchronous loops that never suspend, so they must look: every loop whose iterations can add up to
/// more than ~100 ms on a large request calls `Cancellation.check()` once per iteration (per suggestion
/// slot, per optimiser round, per training step). Outside a task (unit tests, `tune`) it never throws.
///
/// The error is only seen by the task itself: the transport has already answered DEADLINE_EXCEEDED or
/// the stream is gone, so the point is to stop burning a core, not what the error says.
public enum Cancellation {
    /// For numerical cores that do not throw: they stop iterating early and return what they have,
    /// and the sampler that called them then calls `check()`.
    @inline(__always)
    public static var isRequested: Bool { Task.isCancelled }

    @inline(__always)
    public static func check() throws(RPCError) {
        if Task.isCancelled {
            throw RPCError(.cancelled, "the call was cancelled (its deadline passed or the client reset the stream)")
        }
    }
}

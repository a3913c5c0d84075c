// An epoll event loop on its own thread: level-triggered, non-blocking sockets, a min-heap of
// timers checked through epoll_wait's timeout, and a mailbox (Mutex + eventfd) through which other
// threads hand it work. It owns its listener (if any), its connections and their nghttp2 sessions.

import SuggestionAPI
import Synchronization
internal import CShims
#if canImport(Glibc)
import Glibc
#endif

enum LoopMessage: Sendable {
    /// A handler finished; the connection is named by id because fds are reused.
    case completion(connection: UInt64, stream: Int32, result: Result<[UInt8], RPCError>)
    case run(@Sendable (EventLoop) -> Void)
}

/// `@unchecked Sendable`: only `post` is called from other threads; every other member is confined
/// to the loop thread (a rule the compiler cannot check through C callbacks).
final class EventLoop: @unchecked Sendable {
    private let mailbox = Mutex<[LoopMessage]>([])
    private let wakeFD: Int32
    let epollFD: Int32

    private var connections: [UInt64: H2Connection] = [:]
    private var nextConnectionID: UInt64 = 16
    private var timers = TimerHeap()
    private var dirty: [H2Connection] = []
    private var inbox: [LoopMessage] = []
    private var listenFD: Int32 = -1
    private var acceptPausedUntil: ContinuousClock.Instant?
    private var shutdown: (goawayAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant, goawaySent: Bool)?
    private var exitRequested = false

    /// Makes a connection for an accepted socket (server loops); it owns the fd, even on failure.
    var acceptHandler: ((EventLoop, UInt64, Int32) -> H2Connection?)?

    private static let listenerToken: UInt64 = 0
    private static let wakeToken: UInt64 = 1
    /// Housekeeping period (idle connections).
    private let sweepInterval: Duration

    init(sweepInterval: Duration = .seconds(15)) throws(RPCError) {
        self.sweepInterval = sweepInterval
        epollFD = cshims_epoll_create()
        guard epollFD >= 0 else { throw RPCError(.unavailable, "epoll_create failed: \(errnoText())") }
        wakeFD = cshims_eventfd()
        guard wakeFD >= 0 else {
            close(epollFD)
            throw RPCError(.unavailable, "eventfd failed: \(errnoText())")
        }
        _ = cshims_epoll_add(epollFD, wakeFD, CSHIMS_EV_IN, Self.wakeToken)
    }

    deinit {
        // Closed here, not when the loop exits: late posters (handler Tasks) may still signal.
        close(wakeFD)
        close(epollFD)
        if listenFD >= 0 { close(listenFD) }
    }

    // MARK: Any thread

    func post(_ message: LoopMessage) {
        let wasEmpty = mailbox.withLock { box in
            box.append(message)
            return box.count == 1
        }
        if wasEmpty { _ = cshims_eventfd_signal(wakeFD) }
    }

    // MARK: Loop thread

    func adoptListener(_ fd: Int32) {
        listenFD = fd
        _ = cshims_epoll_add(epollFD, fd, CSHIMS_EV_IN, Self.listenerToken)
    }

    func makeConnectionID() -> UInt64 {
        defer { nextConnectionID &+= 1 }
        return nextConnectionID
    }

    /// Registers a connection for readability (and writability while `writable`).
    func register(_ connection: H2Connection, writable: Bool = false) -> Bool {
        let events = CSHIMS_EV_IN | (writable ? CSHIMS_EV_OUT : 0)
        guard cshims_epoll_add(epollFD, connection.fd, events, connection.id) == 0 else { return false }
        connections[connection.id] = connection
        return true
    }

    func connection(_ id: UInt64) -> H2Connection? { connections[id] }

    func markDirty(_ connection: H2Connection) {
        guard !connection.isDirty else { return }
        connection.isDirty = true
        dirty.append(connection)
    }

    typealias TimerID = UInt64

    /// Calls `timerFired(key:now:)` on the connection at `deadline` unless cancelled first.
    @discardableResult
    func schedule(at deadline: ContinuousClock.Instant, connection: UInt64, key: Int64) -> TimerID {
        timers.push(deadline: deadline, connection: connection, key: key)
    }

    /// Removes a timer that has not fired (a finished call's deadline); unknown ids are ignored.
    func cancelTimer(_ id: TimerID) { timers.remove(id) }

    func closeConnection(_ connection: H2Connection) {
        connections[connection.id] = nil
        connection.teardown()
    }

    /// Graceful shutdown: stop accepting, GOAWAY notice now, final GOAWAY shortly after (so that
    /// requests already in flight on the wire are not refused), hard close at the grace deadline.
    func beginShutdown(grace: Duration) {
        guard shutdown == nil else { return }
        if listenFD >= 0 {
            close(listenFD)
            listenFD = -1
        }
        let now = ContinuousClock.now
        let deadline = now + max(grace, .zero)
        shutdown = (min(now + .milliseconds(100), deadline), deadline, false)
        for c in connections.values {
            c.shutdownNotice()
            markDirty(c)
        }
    }

    /// Stops at once: closes every connection and leaves `run`.
    func stop() {
        exitRequested = true
    }

    func run() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { buffer.deallocate() }
        var events = [UInt32](repeating: 0, count: 256)
        var tokens = [UInt64](repeating: 0, count: 256)
        var nextSweep = ContinuousClock.now + sweepInterval

        while !exitRequested {
            let timeout = timeoutMilliseconds(nextSweep: nextSweep)
            let n = events.withUnsafeMutableBufferPointer { e in
                tokens.withUnsafeMutableBufferPointer { t in
                    cshims_epoll_wait(epollFD, e.baseAddress, t.baseAddress, Int32(e.count), timeout)
                }
            }
            for i in 0 ..< max(Int(n), 0) {
                let token = tokens[i], ev = events[i]
                switch token {
                case Self.listenerToken: acceptAll()
                case Self.wakeToken: drainMailbox()
                default: handleConnectionEvent(token, ev, buffer)
                }
            }

            let now = ContinuousClock.now
            while let top = timers.peek, top.deadline <= now {
                timers.remove(top.id)
                connections[top.connection]?.timerFired(key: top.key, now: now)
            }
            if let paused = acceptPausedUntil, now >= paused, listenFD >= 0 {
                acceptPausedUntil = nil
                _ = cshims_epoll_mod(epollFD, listenFD, CSHIMS_EV_IN, Self.listenerToken)
            }
            if now >= nextSweep {
                nextSweep = now + sweepInterval
                for c in Array(connections.values) where !c.sweep(now: now) { closeConnection(c) }
            }
            if let s = shutdown {
                if !s.goawaySent && now >= s.goawayAt {
                    shutdown?.goawaySent = true
                    for c in connections.values {
                        c.finalGoaway()
                        markDirty(c)
                    }
                }
                if now >= s.deadline {
                    for c in Array(connections.values) { closeConnection(c) }
                }
            }
            flushDirty()
            if shutdown != nil && connections.isEmpty { exitRequested = true }
        }
        for c in Array(connections.values) { closeConnection(c) }
        dirty.removeAll()
        timers = TimerHeap()
        if listenFD >= 0 {
            close(listenFD)
            listenFD = -1
        }
    }

    private func timeoutMilliseconds(nextSweep: ContinuousClock.Instant) -> Int32 {
        var next = nextSweep
        if let top = timers.peek { next = min(next, top.deadline) }
        if let paused = acceptPausedUntil { next = min(next, paused) }
        if let s = shutdown { next = min(next, s.goawaySent ? s.deadline : s.goawayAt) }
        let wait = ContinuousClock.now.duration(to: next)
        if wait <= .zero { return 0 }
        let (seconds, attoseconds) = wait.components
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: min(ms, 60_000))
    }

    private func handleConnectionEvent(_ token: UInt64, _ ev: UInt32, _ buffer: UnsafeMutableRawBufferPointer) {
        guard let c = connections[token] else { return }
        if c.keepsOpenWithoutSession {
            if !c.writableWithoutSession() { closeConnection(c) }
            return
        }
        if ev & (CSHIMS_EV_IN | CSHIMS_EV_ERR) != 0, !c.readable(buffer: buffer) {
            closeConnection(c)
            return
        }
        if ev & CSHIMS_EV_OUT != 0 { markDirty(c) }
    }

    private func acceptAll() {
        guard listenFD >= 0 else { return }
        for _ in 0 ..< 64 {
            let fd = cshims_accept(listenFD)
            if fd < 0 {
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                    // Out of descriptors: a level-triggered listener would spin, so pause it.
                    acceptPausedUntil = .now + .milliseconds(100)
                    _ = cshims_epoll_mod(epollFD, listenFD, 0, Self.listenerToken)
                }
                return
            }
            // The handler owns `fd` from here on, also when it returns nil.
            guard let c = acceptHandler?(self, makeConnectionID(), fd) else { continue }
            if !register(c) { c.teardown() }
        }
    }

    private func drainMailbox() {
        cshims_eventfd_drain(wakeFD)   // before taking the messages, so no wake-up is lost
        mailbox.withLock { swap(&$0, &inbox) }
        for message in inbox {
            switch message {
            case let .completion(connection, stream, result):
                connections[connection]?.complete(stream: stream, result: result)
            case let .run(work):
                work(self)
            }
        }
        inbox.removeAll(keepingCapacity: true)
    }

    private func flushDirty() {
        while !dirty.isEmpty {
            let batch = dirty
            dirty.removeAll(keepingCapacity: true)
            for c in batch {
                c.isDirty = false
                if !c.isClosed && !c.flush() { closeConnection(c) }
            }
        }
    }
}

/// A binary min-heap of deadlines with removal by id: a timer is removed when it fires or when its
/// call ends, so the heap holds one entry per call in flight, not one per call ever made (a peer
/// sending many short calls with long `grpc-timeout`s would otherwise grow it without bound).
/// Invariant: `position[items[i].id] == i` for every i.
struct TimerHeap {
    struct Entry {
        var deadline: ContinuousClock.Instant
        var connection: UInt64
        var key: Int64
        var id: UInt64
    }

    private var items: [Entry] = []
    private var position: [UInt64: Int] = [:]
    private var nextID: UInt64 = 1

    var peek: Entry? { items.first }
    var count: Int { items.count }

    mutating func push(deadline: ContinuousClock.Instant, connection: UInt64, key: Int64) -> UInt64 {
        let id = nextID
        nextID &+= 1
        items.append(Entry(deadline: deadline, connection: connection, key: key, id: id))
        position[id] = items.count - 1
        siftUp(items.count - 1)
        return id
    }

    mutating func remove(_ id: UInt64) {
        guard let i = position.removeValue(forKey: id) else { return }
        let last = items.count - 1
        if i != last {
            items.swapAt(i, last)
            position[items[i].id] = i
        }
        items.removeLast()
        if i < items.count {
            siftDown(i)
            siftUp(i)
        }
    }

    private mutating func swap(_ a: Int, _ b: Int) {
        items.swapAt(a, b)
        position[items[a].id] = a
        position[items[b].id] = b
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].deadline < items[parent].deadline else { break }
            swap(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < items.count && items[l].deadline < items[smallest].deadline { smallest = l }
            if r < items.count && items[r].deadline < items[smallest].deadline { smallest = r }
            if smallest == i { break }
            swap(i, smallest)
            i = smallest
        }
    }
}

func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

private final class ThreadBody {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// Starts a joinable pthread running `body`.
func startThread(_ body: @escaping @Sendable () -> Void) throws(RPCError) -> pthread_t {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { arg in
        guard let arg else { return nil }
        Unmanaged<ThreadBody>.fromOpaque(arg).takeRetainedValue().body()
        return nil
    }, box)
    guard rc == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(box).release()
        throw RPCError(.unavailable, "cannot start an event-loop thread: \(errnoText(rc))")
    }
    return thread
}

import SuggestionAPI

/// Which way the objective goes. Katib's webhook only admits MINIMIZE and MAXIMIZE; UNKNOWN (0) is
/// read as minimize, as hyperopt, optuna and skopt do (goptuna alone reads it as maximize).
public enum ObjectiveDirection: Sendable, Hashable {
    case minimize, maximize

    public init(_ type: ObjectiveType) { self = type == .maximize ? .maximize : .minimize }
}

/// The experiment's objective: the metric whose value is the result of a trial, and its direction.
public struct Objective: Sendable, Hashable {
    public var metricName: String
    public var direction: ObjectiveDirection

    public init(metricName: String, direction: ObjectiveDirection) {
        self.metricName = metricName
        self.direction = direction
    }

    /// The value to minimise: the metric for MINIMIZE, its negation for MAXIMIZE.
    public func loss(_ value: Double) -> Double { direction == .maximize ? -value : value }
}

/// Katib's trial condition (`TrialStatus.condition`), as a closed enum; numbers this build does not
/// know read as `.unknown`.
public enum TrialCondition: Sendable, Hashable {
    case created, running, succeeded, killed, failed, metricsUnavailable, earlyStopped, unknown

    public init(_ c: TrialStatus.TrialConditionType) {
        switch c {
        case .created: self = .created
        case .running: self = .running
        case .succeeded: self = .succeeded
        case .killed: self = .killed
        case .failed: self = .failed
        case .metricsunavailable: self = .metricsUnavailable
        case .earlystopped: self = .earlyStopped
        default: self = .unknown
        }
    }
}

/// One trial of the request, read into the current search space.
public struct TrialRecord: Sendable, Hashable {
    /// What a sampler may learn from a trial.
    public enum State: Sendable, Hashable {
        /// SUCCEEDED or EARLYSTOPPED with a finite objective metric; `loss` is the metric normalised so
        /// that smaller is better (`Objective.loss`), `value` the metric as reported.
        case completed(loss: Double, value: Double)
        /// CREATED or RUNNING: holds assignments, no result yet. Samplers must not hand its point out again.
        case pending
        /// FAILED, KILLED, METRICSUNAVAILABLE, UNKNOWN, or SUCCEEDED/EARLYSTOPPED without a usable
        /// objective metric (missing, or not a finite number such as `""` or `unavailable`).
        case failed
    }

    public var name: String
    public var condition: TrialCondition
    public var state: State
    /// The trial's assignments in this space (nil when they cannot be read: see `SearchSpace.map`).
    public var mapped: MappedPoint?
    /// A digest of the raw assignments that does not depend on their order: the sorted `StableHasher`
    /// digests of each (name, value) pair, hashed together. What `SeedDerivation` hashes.
    public var assignmentsDigest: UInt64
    /// Raw assignments the algorithm asked to keep (`AlgorithmInput.nasConfig`'s `readsAssignments`),
    /// by name; the last one wins when a name repeats. Empty for parameter samplers.
    public var kept: [String: String] = [:]
    /// For a multi-objective experiment (`Objectives`), a completed trial's loss per objective (each
    /// normalised so that smaller is better); nil when the experiment has one objective or the trial
    /// is not completed or lacks a finite value of some objective.
    public var objectiveLosses: [Double]? = nil

    public var point: Point? { mapped?.point }
    public var isPending: Bool { state == .pending }
    public var isFailed: Bool { state == .failed }
    var stateKey: Double {
        switch state {
        case .pending: return -.infinity
        case .failed: return .infinity
        case .completed(let loss, _): return loss
        }
    }

    public var loss: Double? {
        if case .completed(let loss, _) = state { return loss }
        return nil
    }
}

/// Every trial of a request, classified once for all samplers.
///
/// Katib sends trials in no guaranteed order, so `records` are sorted (by name, then by assignments digest):
/// samplers that iterate them stay deterministic for a given set of trials.
///
/// The objective metric is the one named by the **experiment's** `objective_metric_name` (a trial's own
/// objective spec is ignored); if the trial reports it more than once, the last occurrence wins.
public struct TrialHistory: Sendable {
    public let records: [TrialRecord]

    public init(records: consuming [TrialRecord]) {
        // Sorted in place: `sorted` would copy every record (a retain per String, array, dictionary).
        var sorted = records
        sorted.sort(by: TrialHistory.precedes)
        self.records = sorted
    }

    /// - Parameter keeping: names of assignments to keep as text in `TrialRecord.kept`.
    public init(trials: [Trial], space: SearchSpace, objective: Objective, keeping: Set<String> = []) {
        self.init(table: TrialTable(trials), space: space, objective: objective, keeping: keeping)
    }

    /// Reads the request's trial table row by row; a row's assignments exist as values only while
    /// that row is read, so the history costs its records, not a copy of the request's trials.
    /// - Parameter objectives: the objectives of a multi-objective experiment (`TrialRecord.objectiveLosses`).
    public init(table: TrialTable, space: SearchSpace, objective: Objective, keeping: Set<String> = [],
                objectives: [Objective] = []) {
        var records: [TrialRecord] = []
        records.reserveCapacity(table.count)
        let reader = RowReader(space)
        table.withRows { rows in
            for i in 0 ..< table.count {
                let condition = TrialCondition(table.condition(i))
                var state = TrialRecord.State.failed
                switch condition {
                case .created, .running:
                    state = .pending
                case .succeeded, .earlyStopped:
                    if let v = Self.metricNumber(table, i, objective.metricName) {
                        state = .completed(loss: objective.loss(v), value: v)
                    }
                case .failed, .killed, .metricsUnavailable, .unknown:
                    state = .failed
                }
                var mapped: MappedPoint?
                var digest: UInt64
                // The row as strings, built at most once and only when the byte reader declines it
                // (always for NAS, whose space is empty) or assignments are kept.
                var strings: [ParameterAssignment]? = nil
                if let read = reader.read(rows, i) {
                    (mapped, digest) = read
                } else {
                    let assignments = table.assignments(i)
                    strings = assignments
                    (mapped, digest) = (space.map(assignments), Self.digest(assignments))
                }
                var record = TrialRecord(name: table.name(i), condition: condition, state: state, mapped: mapped,
                                         assignmentsDigest: digest)
                if !keeping.isEmpty {
                    for a in strings ?? table.assignments(i) where keeping.contains(a.name) { record.kept[a.name] = a.value }
                }
                if !objectives.isEmpty, record.loss != nil {
                    let losses = objectives.compactMap { o in Self.metricNumber(table, i, o.metricName).map(o.loss) }
                    if losses.count == objectives.count { record.objectiveLosses = losses }
                }
                records.append(record)
            }
        }
        self.init(records: records)
    }

    /// Trial i's last value of `metric` as a number (`ValueFormatting.parseDouble`), read from the
    /// table's bytes without a String when it is a plain decimal.
    static func metricNumber(_ table: TrialTable, _ i: Int, _ metric: String) -> Double? {
        table.withMetricValue(i, named: metric) { bytes in
            bytes.flatMap { ValueFormatting.plainDecimal($0) ?? ValueFormatting.parseDouble(String(decoding: $0, as: UTF8.self)) }
        }
    }

    /// This history with a pending, unnamed trial at each of `points` (suggestions of this call made
    /// before the sampler's: the sampler must avoid them as it avoids pending trials).
    func adding(pending points: [Point]) -> TrialHistory {
        TrialHistory(records: records + points.map { p in
            TrialRecord(name: "", condition: .created, state: .pending, mapped: MappedPoint(point: p, isExact: true),
                        assignmentsDigest: 0)
        })
    }

    /// Completed trials whose assignments map into the space: what model-based samplers learn from.
    public var observations: [(point: Point, loss: Double)] {
        records.compactMap { r in
            guard let p = r.point, let loss = r.loss else { return nil }
            return (p, loss)
        }
    }

    /// The points of completed trials with their losses, and of pending trials, each encoded by
    /// `encode` (e.g. into a model's input space), in record order; trials whose assignments do not map
    /// into the space are left out. What model-based samplers fit, and what they add as liars.
    public func encodedObservations(_ encode: (Point) -> [Double]) -> (completed: [(x: [Double], loss: Double)], pending: [[Double]]) {
        var completed: [(x: [Double], loss: Double)] = []
        var pending: [[Double]] = []
        for r in records {
            guard let p = r.point else { continue }
            if let loss = r.loss {
                completed.append((encode(p), loss))
            } else if r.isPending {
                pending.append(encode(p))
            }
        }
        return (completed, pending)
    }

    public var completed: [TrialRecord] { records.filter { $0.loss != nil } }
    public var pending: [TrialRecord] { records.filter(\.isPending) }
    public var failed: [TrialRecord] { records.filter(\.isFailed) }

    /// Points that are taken: pending or completed trials, mapped to the nearest point of the space.
    /// Samplers avoid handing these out again where the space allows it.
    public var takenPoints: Set<Point> {
        var set = Set<Point>(minimumCapacity: records.count)
        for r in records where !r.isFailed { if let p = r.point { set.insert(p) } }
        return set
    }

    static func precedes(_ a: TrialRecord, _ b: TrialRecord) -> Bool {
        if a.name != b.name { return a.name < b.name }
        if a.assignmentsDigest != b.assignmentsDigest { return a.assignmentsDigest < b.assignmentsDigest }
        // Same name and assignments (Katib never sends this): order by state so the result still does
        // not depend on the input order.
        return a.stateKey < b.stateKey
    }

    /// See `TrialRecord.assignmentsDigest`.
    static func digest(_ assignments: [ParameterAssignment]) -> UInt64 {
        var pairs: [UInt64] = []
        pairs.reserveCapacity(assignments.count)
        for a in assignments {
            var h = StableHasher()
            h.combine(a.name)
            h.combine(a.value)
            pairs.append(h.finalize())
        }
        return pairs.withUnsafeMutableBufferPointer { digest(pairDigests: $0) }
    }

    /// The digest of a trial from the digests of its (name, value) pairs, in any order (sorted here).
    static func digest(pairDigests: UnsafeMutableBufferPointer<UInt64>) -> UInt64 {
        var pairs = pairDigests   // the same memory, sorted in place
        if pairs.count <= 16 {
            // Insertion sort: a row has a few parameters, and `sort` (stable, general) costs more there.
            for i in 1 ..< max(1, pairs.count) {
                let x = pairs[i]
                var j = i
                while j > 0 && pairs[j - 1] > x {
                    pairs[j] = pairs[j - 1]
                    j -= 1
                }
                pairs[j] = x
            }
        } else {
            pairs.sort()
        }
        var h = StableHasher()
        h.combine(UInt64(pairs.count))
        for p in pairs { h.combine(p) }
        return h.finalize()
    }
}

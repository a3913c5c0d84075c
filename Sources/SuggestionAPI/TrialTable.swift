private import CProtobufC
private import CKatibProto
#if canImport(Glibc)
import Glibc
#endif

/// The trials of a GetSuggestions request as flat columns: every name and value of every trial in one
/// byte buffer, and per trial its condition and index ranges into the assignment and metric columns.
/// What the suggestion service reads of a trial (name, condition, parameter assignments, observation
/// metrics), at about the size of the encoded request: no Swift value, `String` or array per trial
/// or per assignment (the generated `Trial` tree costs tens of times its encoding at 50,000 trials).
/// Labels, times and the trial's own objective spec are not kept (no algorithm reads them).
public struct TrialTable: Sendable {
    /// A range of `bytes`: one UTF-8 text without NUL.
    /// (The request is at most 4 GiB - 1 bytes: `ServerConfiguration.maxMessageBytes`.)
    public struct Text: Sendable {
        let start: UInt32
        let count: UInt32
    }

    private(set) var bytes: [UInt8] = []
    private var names: [Text] = []
    private var conditions: [Int32] = []
    /// Trial i's assignments are `assignmentNames[assignmentStarts[i] ..< assignmentStarts[i + 1]]`.
    private var assignmentStarts: [Int32] = [0]
    private var assignmentNames: [Text] = []
    private var assignmentValues: [Text] = []
    /// The same for observation metrics.
    private var metricStarts: [Int32] = [0]
    private var metricNames: [Text] = []
    private var metricValues: [Text] = []

    public init() {}

    /// The table of Swift trials (clients, the local runner, tests).
    public init(_ trials: [Trial]) {
        for t in trials {
            appendTrial(name: t.name, condition: t.status?.condition.rawValue ?? 0,
                        assignments: (t.spec?.parameterAssignments?.assignments ?? []).map { ($0.name, $0.value) },
                        metrics: (t.status?.observation?.metrics ?? []).map { ($0.name, $0.value) })
        }
    }

    public var count: Int { names.count }

    public func name(_ i: Int) -> String { string(names[i]) }
    public func condition(_ i: Int) -> TrialStatus.TrialConditionType { .init(rawValue: conditions[i]) }

    /// Trial i's assignments, in request order (built per call: hold them no longer than needed).
    public func assignments(_ i: Int) -> [ParameterAssignment] {
        (Int(assignmentStarts[i]) ..< Int(assignmentStarts[i + 1])).map {
            ParameterAssignment(name: string(assignmentNames[$0]), value: string(assignmentValues[$0]))
        }
    }

    /// The value of the last metric of trial i named `metric`, nil when it reports none.
    public func metricValue(_ i: Int, named metric: String) -> String? {
        var found: Text? = nil
        var target = metric
        target.withUTF8 { wanted in
            for m in Int(metricStarts[i]) ..< Int(metricStarts[i + 1]) where equals(metricNames[m], wanted) {
                found = metricValues[m]
            }
        }
        return found.map(string)
    }

    /// Trial i as a generated value with what the table keeps (name, condition, assignments, metrics).
    public func trial(_ i: Int) -> Trial {
        let metrics = (Int(metricStarts[i]) ..< Int(metricStarts[i + 1])).map {
            Metric(name: string(metricNames[$0]), value: string(metricValues[$0]))
        }
        return Trial(name: name(i),
                     spec: TrialSpec(parameterAssignments: TrialSpec.ParameterAssignments(assignments: assignments(i))),
                     status: TrialStatus(condition: condition(i), observation: Observation(metrics: metrics)))
    }

    private func string(_ t: Text) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[Int(t.start) ..< Int(t.start) + Int(t.count)]), as: UTF8.self) }
    }

    private func equals(_ t: Text, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard Int(t.count) == other.count else { return false }
        guard other.count > 0 else { return true }
        return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + Int(t.start), other.baseAddress!, other.count) == 0 }
    }

    private mutating func append(_ text: String) -> Text {
        var text = text
        return text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    private mutating func append(_ raw: UnsafeRawBufferPointer) -> Text {
        let start = UInt32(truncatingIfNeeded: bytes.count)
        bytes.append(contentsOf: raw)
        return Text(start: start, count: UInt32(truncatingIfNeeded: raw.count))
    }

    private mutating func append(_ c: UnsafePointer<CChar>?) -> Text {
        guard let c else { return Text(start: UInt32(truncatingIfNeeded: bytes.count), count: 0) }
        return append(UnsafeRawBufferPointer(start: c, count: strlen(c)))
    }

    private mutating func appendTrial(name: String, condition: Int32, assignments: [(String, String)], metrics: [(String, String)]) {
        names.append(append(name))
        conditions.append(condition)
        for (n, v) in assignments {
            assignmentNames.append(append(n))
            assignmentValues.append(append(v))
        }
        assignmentStarts.append(Int32(assignmentNames.count))
        for (n, v) in metrics {
            metricNames.append(append(n))
            metricValues.append(append(v))
        }
        metricStarts.append(Int32(metricNames.count))
    }

    /// Copies the trials out of protobuf-c's unpacked tree (pointers valid during the call only).
    fileprivate init(unpacked trials: UnsafeMutablePointer<UnsafeMutablePointer<Api__V1__Beta1__Trial>?>?, count: Int) {
        names.reserveCapacity(count)
        conditions.reserveCapacity(count)
        assignmentStarts.reserveCapacity(count + 1)
        metricStarts.reserveCapacity(count + 1)
        for i in 0 ..< count {
            guard let t = trials?[i] else { continue }
            names.append(append(t.pointee.name))
            conditions.append(t.pointee.status.map { Int32(bitPattern: $0.pointee.condition.rawValue) } ?? 0)
            if let pa = t.pointee.spec?.pointee.parameter_assignments {
                for j in 0 ..< pa.pointee.n_assignments {
                    guard let a = pa.pointee.assignments[j] else { continue }
                    assignmentNames.append(append(a.pointee.name))
                    assignmentValues.append(append(a.pointee.value))
                }
            }
            assignmentStarts.append(Int32(truncatingIfNeeded: assignmentNames.count))
            if let o = t.pointee.status?.pointee.observation {
                for j in 0 ..< o.pointee.n_metrics {
                    guard let m = o.pointee.metrics[j] else { continue }
                    metricNames.append(append(m.pointee.name))
                    metricValues.append(append(m.pointee.value))
                }
            }
            metricStarts.append(Int32(truncatingIfNeeded: metricNames.count))
        }
    }
}

/// GetSuggestions as the server reads it: the experiment as a generated value (it is small) and the
/// trials as a `TrialTable`, decoded straight from protobuf-c's tree.
public struct SuggestionsRequest: Sendable {
    public var experiment: Experiment?
    public var trials: TrialTable
    public var currentRequestNumber: Int32
    public var totalRequestNumber: Int32

    public init(experiment: Experiment?, trials: TrialTable, currentRequestNumber: Int32, totalRequestNumber: Int32) {
        self.experiment = experiment
        self.trials = trials
        self.currentRequestNumber = currentRequestNumber
        self.totalRequestNumber = totalRequestNumber
    }

    /// The same request from its generated value (clients, the local runner, tests).
    public init(_ request: GetSuggestionsRequest) {
        self.init(experiment: request.experiment, trials: TrialTable(request.trials),
                  currentRequestNumber: request.currentRequestNumber, totalRequestNumber: request.totalRequestNumber)
    }

    /// Decodes an encoded GetSuggestionsRequest (INVALID_ARGUMENT when it is not one, as the
    /// generated decoder says).
    public init(serializedBytes bytes: [UInt8]) throws(RPCError) {
        self = try decodeMessage(bytes, descriptorIndex: GetSuggestionsRequest.descriptorIndex,
                                 name: GetSuggestionsRequest.protoFullName) { raw in
            let r = raw.assumingMemoryBound(to: Api__V1__Beta1__GetSuggestionsRequest.self)
            return SuggestionsRequest(
                experiment: r.pointee.experiment.map { Experiment(cMessage: UnsafeRawPointer($0)) },
                trials: TrialTable(unpacked: r.pointee.trials, count: r.pointee.n_trials),
                currentRequestNumber: r.pointee.current_request_number, totalRequestNumber: r.pointee.total_request_number)
        }
    }
}

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

    /// Calls `body` with a view of every trial's assignments as raw bytes, valid during the call only:
    /// what the suggestion service's history reads without building a `String` per name and value.
    public func withRows<R>(_ body: (Rows) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { b in
            try assignmentStarts.withUnsafeBufferPointer { starts in
                try assignmentNames.withUnsafeBufferPointer { names in
                    try assignmentValues.withUnsafeBufferPointer { values in
                        try body(Rows(bytes: b, starts: starts, names: names, values: values))
                    }
                }
            }
        }
    }

    /// The assignments of every trial as byte ranges of the table (see `withRows`). The bytes are
    /// what the request carried: UTF-8 as the peer wrote it, not repaired, never containing NUL.
    public struct Rows {
        let bytes: UnsafeBufferPointer<UInt8>
        let starts: UnsafeBufferPointer<Int32>
        let names: UnsafeBufferPointer<Text>
        let values: UnsafeBufferPointer<Text>

        /// Trial i's assignments, as indices for `name(_:)` and `value(_:)`, in request order.
        public func assignments(_ i: Int) -> Range<Int> { Int(starts[i]) ..< Int(starts[i + 1]) }
        public func name(_ k: Int) -> UnsafeBufferPointer<UInt8> { slice(names[k]) }
        public func value(_ k: Int) -> UnsafeBufferPointer<UInt8> { slice(values[k]) }

        private func slice(_ t: Text) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: bytes[Int(t.start) ..< Int(t.start) + Int(t.count)])
        }
    }

    /// The value of the last metric of trial i named `metric` (`String` equality), nil when it
    /// reports none.
    public func metricValue(_ i: Int, named metric: String) -> String? {
        metricText(i, named: metric).map(string)
    }

    /// `body` on the bytes of `metricValue(i, named:)` (nil when there is none), without a String.
    public func withMetricValue<R>(_ i: Int, named metric: String, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        guard let t = metricText(i, named: metric) else { return body(nil) }
        return bytes.withUnsafeBufferPointer { b in body(UnsafeBufferPointer(rebasing: b[Int(t.start) ..< Int(t.start) + Int(t.count)])) }
    }

    private func metricText(_ i: Int, named metric: String) -> Text? {
        var found: Text? = nil
        var target = metric
        target.withUTF8 { wanted in
            for m in Int(metricStarts[i]) ..< Int(metricStarts[i + 1]) {
                // Equal bytes are equal strings; other non-ASCII names may still be (canonical
                // equivalence, repaired UTF-8), so those are compared as strings.
                if equals(metricNames[m], wanted) || (!isASCII(metricNames[m]) && string(metricNames[m]) == metric) {
                    found = metricValues[m]
                }
            }
        }
        return found
    }

    private func isASCII(_ t: Text) -> Bool {
        bytes.withUnsafeBufferPointer { b in (Int(t.start) ..< Int(t.start) + Int(t.count)).allSatisfy { b[$0] < 0x80 } }
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

    /// Appends one trial from protobuf-c's unpacked tree (pointers valid during the call only).
    fileprivate mutating func append(unpacked t: UnsafePointer<Api__V1__Beta1__Trial>) {
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

    fileprivate mutating func reserve(trials: Int, textBytes: Int) {
        bytes.reserveCapacity(textBytes)
        names.reserveCapacity(trials)
        conditions.reserveCapacity(trials)
        assignmentStarts.reserveCapacity(trials + 1)
        metricStarts.reserveCapacity(trials + 1)
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

    /// GetSuggestionsRequest's field numbers, from protoc-c's descriptor (proto/api.proto).
    static let fieldNumbers: (experiment: UInt64, trials: UInt64, current: UInt64, total: UInt64) = {
        func number(_ field: String) -> UInt64 {
            guard let n = fieldNumber(descriptorIndex: GetSuggestionsRequest.descriptorIndex, field: field) else {
                preconditionFailure("GetSuggestionsRequest has no field \(field): regenerate (scripts/generate.sh)")
            }
            return n
        }
        return (number("experiment"), number("trials"), number("current_request_number"), number("total_request_number"))
    }()

    /// Whether an encoded GetSuggestionsRequest holds at least one trial, read from its top-level tags
    /// alone (nothing is decoded); false for bytes that do not split, whose decoding will say why.
    public static func holdsTrials(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var fields = WireSplitter(buffer)
            while let field = try? fields.next(messageName: GetSuggestionsRequest.protoFullName) {
                if field.number == fieldNumbers.trials { return true }
            }
            return false
        }
    }

    /// Decodes an encoded GetSuggestionsRequest (INVALID_ARGUMENT when it is not one, as the generated
    /// decoder says), by `SplitDecoding`.
    public init(serializedBytes bytes: [UInt8]) throws(RPCError) {
        let numbers = Self.fieldNumbers
        var current: Int32 = 0, total: Int32 = 0
        let parts = try SplitDecoding.decode(bytes, name: GetSuggestionsRequest.protoFullName,
                                             experiment: numbers.experiment, trials: numbers.trials) {
            (number, value) throws(SplitDecoding.Unclaimed) in
            switch (number, value) {
            case (numbers.current, .varint(let v)): current = Int32(truncatingIfNeeded: v)
            case (numbers.total, .varint(let v)): total = Int32(truncatingIfNeeded: v)
            case (numbers.current, _), (numbers.total, _): throw .wrongWireType
            default: break   // unknown fields are skipped
            }
        }
        guard let parts else {
            let whole = try GetSuggestionsRequest(serializedBytes: bytes)
            self.init(whole)
            return
        }
        self.init(experiment: parts.experiment, trials: parts.trials, currentRequestNumber: current, totalRequestNumber: total)
    }
}

/// GetEarlyStoppingRules as the server reads it: like `SuggestionsRequest`, the trials in a
/// `TrialTable`, so a call with 50,000 trials does not hold a `Trial` value (nor a protobuf-c tree)
/// per trial.
public struct RulesRequest: Sendable {
    public var experiment: Experiment?
    public var trials: TrialTable
    public var dbManagerAddress: String

    public init(experiment: Experiment?, trials: TrialTable, dbManagerAddress: String) {
        self.experiment = experiment
        self.trials = trials
        self.dbManagerAddress = dbManagerAddress
    }

    /// The same request from its generated value (clients, tests).
    public init(_ request: GetEarlyStoppingRulesRequest) {
        self.init(experiment: request.experiment, trials: TrialTable(request.trials), dbManagerAddress: request.dbManagerAddress)
    }

    static let fieldNumbers: (experiment: UInt64, trials: UInt64, address: UInt64) = {
        func number(_ field: String) -> UInt64 {
            guard let n = fieldNumber(descriptorIndex: GetEarlyStoppingRulesRequest.descriptorIndex, field: field) else {
                preconditionFailure("GetEarlyStoppingRulesRequest has no field \(field): regenerate (scripts/generate.sh)")
            }
            return n
        }
        return (number("experiment"), number("trials"), number("db_manager_address"))
    }()

    /// Decodes an encoded GetEarlyStoppingRulesRequest by `SplitDecoding`.
    public init(serializedBytes bytes: [UInt8]) throws(RPCError) {
        let numbers = Self.fieldNumbers
        var address = ""
        let parts = try SplitDecoding.decode(bytes, name: GetEarlyStoppingRulesRequest.protoFullName,
                                             experiment: numbers.experiment, trials: numbers.trials) {
            (number, value) throws(SplitDecoding.Unclaimed) in
            switch (number, value) {
            case (numbers.address, .bytes(let text)):
                // Invalid UTF-8 is repaired as `cString` repairs it; a NUL, which protobuf-c would
                // cut at, is refused as in every other string field.
                guard !text.contains(0) else { throw .nul("db_manager_address") }
                address = String(decoding: text, as: UTF8.self)
            case (numbers.address, _): throw .wrongWireType
            default: break
            }
        }
        guard let parts else {
            self.init(try GetEarlyStoppingRulesRequest(serializedBytes: bytes))
            return
        }
        self.init(experiment: parts.experiment, trials: parts.trials, dbManagerAddress: address)
    }
}

/// The decoding both requests with a trial history share: protobuf-c decodes every part, but one
/// trial at a time. The top level is split here by its tags and lengths (`WireSplitter`), the
/// experiment and each trial are unpacked on their own and copied into a `TrialTable`, so a call never
/// holds protobuf-c's tree of every trial (about four times the request at 50,000 trials).
enum SplitDecoding {
    /// Why a top-level field the caller claims cannot be taken.
    enum Unclaimed: Error {
        case wrongWireType
        case nul(String)
    }

    /// The experiment and the trials; `other` sees every other top-level field. Nil when the
    /// experiment appears more than once (protobuf merges such parts): the caller then decodes the
    /// whole message with protobuf-c.
    static func decode(_ bytes: [UInt8], name: String, experiment experimentNumber: UInt64, trials trialsNumber: UInt64,
                       other: (UInt64, WireSplitter.Value) throws(Unclaimed) -> Void) throws(RPCError)
        -> (experiment: Experiment?, trials: TrialTable)? {
        try bytes.withUnsafeBufferPointer { (buffer) throws(RPCError) -> (experiment: Experiment?, trials: TrialTable)? in
            var fields = WireSplitter(buffer)
            var experimentBytes: UnsafeBufferPointer<UInt8>? = nil
            var trialBytes: [UnsafeBufferPointer<UInt8>] = []
            var merged = false
            while let field = try fields.next(messageName: name) {
                switch (field.number, field.value) {
                case (experimentNumber, .bytes(let part)):
                    if experimentBytes != nil { merged = true }
                    experimentBytes = part
                case (trialsNumber, .bytes(let part)): trialBytes.append(part)
                case (experimentNumber, _), (trialsNumber, _):
                    throw fields.malformed(name)   // a known field with another wire type
                default:
                    do throws(Unclaimed) {
                        try other(field.number, field.value)
                    } catch {
                        switch error {
                        case .wrongWireType: throw fields.malformed(name)
                        case .nul(let field):
                            throw RPCError(.invalidArgument, "\(name): the string field \(field) contains a NUL byte (\\0); names and values must be text without NUL")
                        }
                    }
                }
            }
            if merged { return nil }
            let experiment = try experimentBytes.map { (part) throws(RPCError) -> Experiment in
                try decodeMessage(part, descriptorIndex: Experiment.descriptorIndex, name: name, reportedSize: buffer.count) {
                    Experiment(cMessage: $0)
                }
            }
            var table = TrialTable()
            table.reserve(trials: trialBytes.count, textBytes: trialBytes.reduce(0) { $0 + $1.count })
            for part in trialBytes {
                try decodeMessage(part, descriptorIndex: Trial.descriptorIndex, name: name, reportedSize: buffer.count) {
                    table.append(unpacked: $0.assumingMemoryBound(to: Api__V1__Beta1__Trial.self))
                }
            }
            return (experiment, table)
        }
    }
}

/// The top-level fields of an encoded message, by tag and length only (protobuf's wire format:
/// varint keys, then a varint, 8 bytes, a length-delimited run, or 4 bytes). What protobuf-c decodes
/// inside the parts is left to it; anything malformed here is INVALID_ARGUMENT as protobuf-c's
/// failures are. Groups (wire types 3 and 4), which protobuf-c does not accept, are malformed.
struct WireSplitter {
    enum Value {
        case varint(UInt64)
        case bytes(UnsafeBufferPointer<UInt8>)
        case fixed
    }

    let buffer: UnsafeBufferPointer<UInt8>
    var offset = 0

    init(_ buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }

    func malformed(_ name: String) -> RPCError {
        RPCError(.invalidArgument, "malformed protobuf: cannot decode \(name) (\(buffer.count) bytes)")
    }

    mutating func varint(_ name: String) throws(RPCError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard offset < buffer.count else { throw malformed(name) }
            let byte = buffer[offset]
            offset += 1
            if shift < 64 { value |= UInt64(byte & 0x7F) << UInt64(shift) }
            if byte & 0x80 == 0 { return value }
        }
        throw malformed(name)   // more than 10 bytes
    }

    /// The next field, nil at the end.
    mutating func next(messageName name: String) throws(RPCError) -> (number: UInt64, value: Value)? {
        guard offset < buffer.count else { return nil }
        let key = try varint(name)
        let number = key >> 3
        guard number > 0, number <= 536_870_911 else { throw malformed(name) }
        switch key & 7 {
        case 0:
            return (number, .varint(try varint(name)))
        case 1, 5:
            let width = key & 7 == 1 ? 8 : 4
            guard buffer.count - offset >= width else { throw malformed(name) }
            offset += width
            return (number, .fixed)
        case 2:
            let length = try varint(name)
            guard length <= UInt64(buffer.count - offset) else { throw malformed(name) }
            let part = UnsafeBufferPointer(rebasing: buffer[offset ..< offset + Int(length)])
            offset += Int(length)
            return (number, .bytes(part))
        default:
            throw malformed(name)
        }
    }
}

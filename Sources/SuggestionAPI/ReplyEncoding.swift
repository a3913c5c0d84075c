/// GetSuggestionsReply written straight from its Swift values into one buffer, without protobuf-c's
/// intermediate tree (a malloc per message and a `strdup` per string, then a pack and a free): the
/// reply of every GetSuggestions call goes through here.
///
/// The bytes are protobuf-c's, byte for byte (`ReplyEncodingTests` compares them on the recorded reply
/// corpus and on generated replies): fields in field-number order, proto3 scalars and strings left out
/// when zero or empty, messages written even when empty, map entries in sorted key order (as the
/// generated `cMessage()` orders them), negative int32 as ten-byte varints. (One difference: a string
/// with an embedded NUL is written whole, where protobuf-c's C strings would cut it; no reply holds
/// one, since requests with such strings are refused.) Field numbers are read
/// from protoc-c's descriptors, as `WireSplitter`'s are. Sizes are computed first, so every byte is
/// written once, into a buffer of the exact size.
extension GetSuggestionsReply {
    public func encodedDirectly() -> [UInt8] {
        let size = ReplyWire.size(self)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var w = ReplyWire.Writer(buffer: buffer)
            w.reply(self)
            precondition(w.offset == size, "reply size computed \(size), written \(w.offset)")
            count = size
        }
    }
}

enum ReplyWire {
    /// Field numbers of the messages a reply holds, from the descriptors.
    struct Numbers {
        let replyAssignments, replyAlgorithm, replyRules: UInt64
        let assignmentsList, assignmentsTrialName, assignmentsLabels: UInt64
        let assignmentName, assignmentValue: UInt64
        let specName, specSettings: UInt64
        let settingName, settingValue: UInt64
        let ruleName, ruleValue, ruleComparison, ruleStartStep: UInt64
        /// Map entries are `key = 1`, `value = 2` by protobuf's definition of maps.
        let entryKey: UInt64 = 1, entryValue: UInt64 = 2
    }

    static let numbers: Numbers = {
        func n(_ index: Int, _ field: String) -> UInt64 {
            guard let number = fieldNumber(descriptorIndex: index, field: field) else {
                preconditionFailure("descriptor \(index) has no field \(field): regenerate (scripts/generate.sh)")
            }
            return number
        }
        let reply = GetSuggestionsReply.descriptorIndex, pa = GetSuggestionsReply.ParameterAssignments.descriptorIndex
        return Numbers(
            replyAssignments: n(reply, "parameter_assignments"), replyAlgorithm: n(reply, "algorithm"),
            replyRules: n(reply, "early_stopping_rules"),
            assignmentsList: n(pa, "assignments"), assignmentsTrialName: n(pa, "trial_name"), assignmentsLabels: n(pa, "labels"),
            assignmentName: n(ParameterAssignment.descriptorIndex, "name"), assignmentValue: n(ParameterAssignment.descriptorIndex, "value"),
            specName: n(AlgorithmSpec.descriptorIndex, "algorithm_name"), specSettings: n(AlgorithmSpec.descriptorIndex, "algorithm_settings"),
            settingName: n(AlgorithmSetting.descriptorIndex, "name"), settingValue: n(AlgorithmSetting.descriptorIndex, "value"),
            ruleName: n(EarlyStoppingRule.descriptorIndex, "name"), ruleValue: n(EarlyStoppingRule.descriptorIndex, "value"),
            ruleComparison: n(EarlyStoppingRule.descriptorIndex, "comparison"), ruleStartStep: n(EarlyStoppingRule.descriptorIndex, "start_step"))
    }()

    // MARK: Sizes (bytes of a message's body, without its own tag and length)

    static func varintSize(_ v: UInt64) -> Int {
        var n = 1
        var v = v >> 7
        while v != 0 {
            n += 1
            v >>= 7
        }
        return n
    }

    static func keySize(_ field: UInt64) -> Int { varintSize(field << 3) }

    /// A string field: nothing when empty (proto3).
    static func stringSize(_ field: UInt64, _ s: String) -> Int {
        let count = s.utf8.count
        return count == 0 ? 0 : keySize(field) + varintSize(UInt64(count)) + count
    }

    /// An int32 or enum field: nothing when 0; a negative value is sign-extended to ten bytes.
    static func int32Size(_ field: UInt64, _ v: Int32) -> Int {
        v == 0 ? 0 : keySize(field) + varintSize(UInt64(bitPattern: Int64(v)))
    }

    /// A message field holding a body of `body` bytes.
    static func messageSize(_ field: UInt64, _ body: Int) -> Int { keySize(field) + varintSize(UInt64(body)) + body }

    static func size(_ r: GetSuggestionsReply) -> Int {
        let n = numbers
        var total = 0
        for pa in r.parameterAssignments { total += messageSize(n.replyAssignments, size(pa)) }
        if let a = r.algorithm { total += messageSize(n.replyAlgorithm, size(a)) }
        for rule in r.earlyStoppingRules { total += messageSize(n.replyRules, size(rule)) }
        return total
    }

    static func size(_ pa: GetSuggestionsReply.ParameterAssignments) -> Int {
        let n = numbers
        var total = 0
        for a in pa.assignments { total += messageSize(n.assignmentsList, pairSize(n.assignmentName, a.name, n.assignmentValue, a.value)) }
        total += stringSize(n.assignmentsTrialName, pa.trialName)
        for (key, value) in pa.labels { total += messageSize(n.assignmentsLabels, pairSize(n.entryKey, key, n.entryValue, value)) }
        return total
    }

    static func size(_ a: AlgorithmSpec) -> Int {
        let n = numbers
        var total = stringSize(n.specName, a.algorithmName)
        for s in a.algorithmSettings { total += messageSize(n.specSettings, pairSize(n.settingName, s.name, n.settingValue, s.value)) }
        return total
    }

    static func size(_ rule: EarlyStoppingRule) -> Int {
        let n = numbers
        return stringSize(n.ruleName, rule.name) + stringSize(n.ruleValue, rule.value)
            + int32Size(n.ruleComparison, rule.comparison.rawValue) + int32Size(n.ruleStartStep, rule.startStep)
    }

    /// A message of two string fields (an assignment, a setting, a map entry).
    static func pairSize(_ f1: UInt64, _ s1: String, _ f2: UInt64, _ s2: String) -> Int {
        stringSize(f1, s1) + stringSize(f2, s2)
    }

    // MARK: Writing

    struct Writer {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var offset = 0

        mutating func varint(_ v: UInt64) {
            var v = v
            while v >= 0x80 {
                buffer[offset] = UInt8(truncatingIfNeeded: v) | 0x80
                offset += 1
                v >>= 7
            }
            buffer[offset] = UInt8(v)
            offset += 1
        }

        mutating func key(_ field: UInt64, wireType: UInt64) { varint(field << 3 | wireType) }

        mutating func string(_ field: UInt64, _ s: String) {
            var s = s
            s.withUTF8 { utf8 in
                guard !utf8.isEmpty else { return }
                key(field, wireType: 2)
                varint(UInt64(utf8.count))
                UnsafeMutableRawPointer(buffer.baseAddress! + offset).copyMemory(from: utf8.baseAddress!, byteCount: utf8.count)
                offset += utf8.count
            }
        }

        mutating func int32(_ field: UInt64, _ v: Int32) {
            guard v != 0 else { return }
            key(field, wireType: 0)
            varint(UInt64(bitPattern: Int64(v)))
        }

        mutating func messageHeader(_ field: UInt64, _ bodySize: Int) {
            key(field, wireType: 2)
            varint(UInt64(bodySize))
        }

        mutating func pair(_ field: UInt64, _ f1: UInt64, _ s1: String, _ f2: UInt64, _ s2: String) {
            messageHeader(field, pairSize(f1, s1, f2, s2))
            string(f1, s1)
            string(f2, s2)
        }

        mutating func reply(_ r: GetSuggestionsReply) {
            let n = numbers
            for pa in r.parameterAssignments {
                messageHeader(n.replyAssignments, size(pa))
                for a in pa.assignments { pair(n.assignmentsList, n.assignmentName, a.name, n.assignmentValue, a.value) }
                string(n.assignmentsTrialName, pa.trialName)
                for key in pa.labels.keys.sorted() { pair(n.assignmentsLabels, n.entryKey, key, n.entryValue, pa.labels[key]!) }
            }
            if let a = r.algorithm {
                messageHeader(n.replyAlgorithm, size(a))
                string(n.specName, a.algorithmName)
                for s in a.algorithmSettings { pair(n.specSettings, n.settingName, s.name, n.settingValue, s.value) }
            }
            for rule in r.earlyStoppingRules {
                messageHeader(n.replyRules, size(rule))
                string(n.ruleName, rule.name)
                string(n.ruleValue, rule.value)
                int32(n.ruleComparison, rule.comparison.rawValue)
                int32(n.ruleStartStep, rule.startStep)
            }
        }
    }
}

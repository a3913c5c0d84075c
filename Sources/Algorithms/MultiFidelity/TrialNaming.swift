/// Trial names that carry an algorithm's bookkeeping, so that its state can be rebuilt from the trial
/// history alone (the trial name is the one per-trial field Katib sends back unchanged).
///
/// Form: `<prefix>-<code>-<f1>-…-<fn>`, every field a non-negative integer in lowercase base 36.
/// `prefix` is the experiment name made a DNS-1123 label (lowercase; characters outside `[a-z0-9-]`
/// become `-`; leading non-alphanumerics dropped; `trial` when nothing is left), cut so that the whole
/// name has at most 63 characters (Kubernetes' label-value limit: Katib labels pods with the trial
/// name). The name therefore starts and ends with an alphanumeric and contains only `[a-z0-9-]`.
///
/// Uniqueness: every algorithm puts a sequence number `q` last (`MultiFidelityHistory.nextSequence`),
/// distinct for every assignment the experiment ever received, so names never repeat even when a
/// trial vanished from the history (Katib drops MetricsUnavailable trials from requests).
enum TrialNaming {
    static let maxLength = 63

    static func name(experiment: String, code: String, fields: [Int]) -> String {
        var suffix = "-" + code
        for f in fields { suffix += "-" + String(f, radix: 36) }
        var prefix = sanitizedPrefix(experiment)
        let room = maxLength - suffix.utf8.count
        if prefix.utf8.count > room {
            prefix = String(prefix.prefix(Swift.max(room, 1)))
            while prefix.count > 1 && prefix.last == "-" { prefix.removeLast() }
        }
        return prefix + suffix
    }

    /// The fields of a name made by `name(experiment:code:fields:)` with `fieldCount` fields, or nil when
    /// `name` is not such a name (foreign trials: other algorithms, Katib's random names).
    static func parse(_ name: String, experiment: String, code: String, fieldCount: Int) -> [Int]? {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= fieldCount + 2, parts[parts.count - fieldCount - 1] == code else { return nil }
        var fields: [Int] = []
        for p in parts.suffix(fieldCount) {
            guard !p.isEmpty, p.count <= 12, p.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isLowercase) }),
                  let v = Int(p, radix: 36) else { return nil }
            fields.append(v)
        }
        let prefix = parts.prefix(parts.count - fieldCount - 1).joined(separator: "-")
        guard !prefix.isEmpty, sanitizedPrefix(experiment).hasPrefix(prefix) else { return nil }
        return fields
    }

    static func sanitizedPrefix(_ experiment: String) -> String {
        var out = ""
        for ch in experiment.lowercased().unicodeScalars {
            let ok = (ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9")
            if ok { out.unicodeScalars.append(ch) } else if !out.isEmpty { out.append("-") }
        }
        while out.last == "-" { out.removeLast() }
        return out.isEmpty ? "trial" : out
    }
}

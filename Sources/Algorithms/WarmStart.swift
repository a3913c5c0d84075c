import SuggestionAPI

/// `points_to_evaluate`: configurations known to be good, suggested before the algorithm's own.
///
/// Katib's API has no field for them, so they travel as an algorithm setting (Katib passes settings
/// through unchanged): a JSON list of objects, each mapping **every** parameter to a value written as
/// Katib writes values (`"0.01"`, `"3"`, `"adam"`) or as a JSON number. Validated in full by both
/// RPCs: names must be the experiment's parameters, numbers inside [min, max] (snapped to the step
/// lattice, INT to integers), list values in the list (DISCRETE also by number).
///
/// `AlgorithmService` hands out the points not yet in the history (any trial with that point,
/// failed ones included, so a failing point is not retried forever), in list order, before asking the
/// sampler for the rest of the batch; the sampler sees them as pending trials of this call, and once
/// they have results it learns from them like from any trial. Samplers opt in by listing `points`
/// in their schema; those whose trials carry a schedule (hyperband, bohb, asha, pbt) do not.
public enum WarmStart {
    public static let points = Setting<String?>(
        "points_to_evaluate", .text, default: nil,
        help: "JSON list of objects giving every parameter a value, e.g. [{\"lr\": \"0.01\", \"optimizer\": \"adam\"}]: suggested first, in order, skipping points already tried; then the algorithm continues and learns from their results.")

    /// Most points one setting may list (each becomes a trial).
    public static let maxPoints = 10_000

    /// The setting's points in `space`, validated (INVALID_ARGUMENT naming the point and parameter).
    public static func parse(_ text: String, space: SearchSpace) throws(RPCError) -> [Point] {
        let json: JSONValue
        do {
            json = try JSONValue.parse(text)
        } catch {
            throw .invalidArgument("points_to_evaluate is not valid JSON (\(error.message)); write a list of objects, e.g. [{\"\(space.parameters[0].name)\": \"...\"}]")
        }
        guard let list = json.arrayValue else {
            throw .invalidArgument("points_to_evaluate must be a JSON list of objects, one per point")
        }
        guard list.count <= maxPoints else {
            throw .invalidArgument("points_to_evaluate lists \(list.count) points; at most \(maxPoints) are accepted")
        }
        var points: [Point] = []
        points.reserveCapacity(list.count)
        for (i, item) in list.enumerated() {
            guard case .object(let members) = item else {
                throw .invalidArgument("points_to_evaluate[\(i)] is not an object; each point maps parameter names to values")
            }
            var given: [String: JSONValue] = [:]
            for (name, value) in members {
                guard space.parameters.contains(where: { $0.name == name }) else {
                    throw .invalidArgument("points_to_evaluate[\(i)] names \(name), which is not a parameter; parameters: "
                        + space.parameters.map(\.name).joined(separator: ", "))
                }
                guard given[name] == nil else {
                    throw .invalidArgument("points_to_evaluate[\(i)] gives \(name) twice")
                }
                given[name] = value
            }
            var point: Point = []
            for p in space.parameters {
                guard let value = given[p.name] else {
                    throw .invalidArgument("points_to_evaluate[\(i)] gives no value for \(p.name); every point gives every parameter")
                }
                point.append(try Self.value(value, of: p, point: i))
            }
            points.append(space.canonical(point))   // values of inactive parameters are ignored
        }
        return points
    }

    /// The points no trial of `history` has and no earlier point repeats, in order.
    static func remaining(_ points: [Point], history: TrialHistory) -> [Point] {
        guard !points.isEmpty else { return [] }
        var seen = Set<Point>(minimumCapacity: history.records.count + points.count)
        for r in history.records { if let p = r.point { seen.insert(p) } }
        return points.filter { seen.insert($0).inserted }
    }

    private static func value(_ json: JSONValue, of p: Parameter, point i: Int) throws(RPCError) -> ParameterValue {
        let text: String
        switch json {
        case .string(let s): text = s
        case .number(let n): text = n
        default:
            throw .invalidArgument("points_to_evaluate[\(i)].\(p.name) must be a string or a number")
        }
        func number() throws(RPCError) -> Double {
            guard let v = ValueFormatting.parseDouble(text) else {
                throw .invalidArgument("points_to_evaluate[\(i)].\(p.name) is \"\(text)\", not a finite number")
            }
            return v
        }
        switch p.domain {
        case .double(let r), .int(let r):
            let v = try number()
            // Inside the range (then snapped), or at a bound up to rounding.
            guard (v >= r.low && v <= r.high) || r.containsApproximately(v) else {
                throw .invalidArgument("points_to_evaluate[\(i)].\(p.name) is \(text), outside [\(ValueFormatting.formatDouble(r.low)), \(ValueFormatting.formatDouble(r.high))]")
            }
            let snapped = r.nearest(v)
            if case .int = p.domain { return .integer(Int64(snapped)) }
            return .real(snapped)
        case .discrete(let labels, let values):
            if let k = labels.firstIndex(of: text) { return .choice(k) }
            if let v = ValueFormatting.parseDouble(text), let k = values.firstIndex(of: v) { return .choice(k) }
            throw .invalidArgument("points_to_evaluate[\(i)].\(p.name) is \"\(text)\", not one of " + labels.joined(separator: ", "))
        case .categorical(let labels):
            guard let k = labels.firstIndex(of: text) else {
                throw .invalidArgument("points_to_evaluate[\(i)].\(p.name) is \"\(text)\", not one of " + labels.joined(separator: ", "))
            }
            return .choice(k)
        }
    }
}

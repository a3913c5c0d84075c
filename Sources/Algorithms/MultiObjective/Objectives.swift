import SuggestionAPI

/// Multi-objective experiments, from the algorithm setting `objectives` (Katib's API has one
/// objective plus `additional_metric_names`; Katib passes settings through unchanged).
///
/// Grammar: `name:direction` entries separated by commas, direction `minimize` or `maximize`, e.g.
/// `loss:minimize,latency:minimize`. Every name must be the experiment's objective metric or one of
/// its `additional_metric_names` (so Katib's metrics collector records it); names may not repeat.
/// Katib's controller still reads only the objective metric (its goal, its "best trial"); the
/// algorithms that accept `objectives` optimise all of them (`TrialRecord.objectiveLosses`).
public enum Objectives {
    public static let setting = Setting<String?>(
        "objectives", .text, default: nil,
        help: "Multi-objective: \"metric:minimize,metric:maximize,...\"; each metric is the objective metric or one of additionalMetricNames.")

    public static func parse(_ text: String, objective: ObjectiveSpec?) throws(RPCError) -> [Objective] {
        let allowed = [objective?.objectiveMetricName ?? ""].filter { !$0.isEmpty } + (objective?.additionalMetricNames ?? [])
        var result: [Objective] = []
        for entry in text.split(separator: ",").map({ String($0).trimming() }) where !entry.isEmpty {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map { String($0).trimming() }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw .invalidArgument("objectives entry \"\(entry)\": write metric:minimize or metric:maximize, entries separated by commas")
            }
            let direction: ObjectiveDirection
            switch parts[1].lowercased() {
            case "minimize": direction = .minimize
            case "maximize": direction = .maximize
            default:
                throw .invalidArgument("objectives entry \"\(entry)\": the direction must be minimize or maximize")
            }
            guard allowed.contains(parts[0]) else {
                throw .invalidArgument("objectives names \(parts[0]), which is neither the objective metric nor an additional metric; Katib records only these: "
                    + (allowed.isEmpty ? "none" : allowed.joined(separator: ", ")) + " (add it to additionalMetricNames)")
            }
            guard !result.contains(where: { $0.metricName == parts[0] }) else {
                throw .invalidArgument("objectives names \(parts[0]) twice")
            }
            result.append(Objective(metricName: parts[0], direction: direction))
        }
        guard !result.isEmpty else {
            throw .invalidArgument("objectives is set but names no metric; write metric:minimize or metric:maximize, entries separated by commas")
        }
        return result
    }
}

/// Pareto dominance and non-dominated sorting (Deb et al. 2002, "A fast and elitist multiobjective
/// genetic algorithm: NSGA-II", IEEE TEC 6(2)), on loss vectors (every component minimised).
public enum Pareto {
    /// a dominates b: no worse in every component and better in one.
    public static func dominates(_ a: [Double], _ b: [Double]) -> Bool {
        var better = false
        for (x, y) in zip(a, b) {
            if x > y { return false }
            if x < y { better = true }
        }
        return better
    }

    /// The fronts of `points`, as index lists: front 0 is non-dominated, front k is non-dominated once
    /// fronts 0 ... k−1 are removed. O(M·N²).
    public static func fronts(_ points: [[Double]]) -> [[Int]] {
        let n = points.count
        var dominatedBy = [Int](repeating: 0, count: n)
        var dominates = [[Int]](repeating: [], count: n)
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) {
                if Self.dominates(points[i], points[j]) {
                    dominates[i].append(j); dominatedBy[j] += 1
                } else if Self.dominates(points[j], points[i]) {
                    dominates[j].append(i); dominatedBy[i] += 1
                }
            }
        }
        var fronts: [[Int]] = []
        var current = (0..<n).filter { dominatedBy[$0] == 0 }
        while !current.isEmpty {
            fronts.append(current)
            var next: [Int] = []
            for i in current {
                for j in dominates[i] {
                    dominatedBy[j] -= 1
                    if dominatedBy[j] == 0 { next.append(j) }
                }
            }
            current = next.sorted()
        }
        return fronts
    }

    /// NSGA-II's crowding distance of each member of one front (infinite at each objective's extremes).
    static func crowding(_ points: [[Double]], front: [Int]) -> [Int: Double] {
        var distance = Dictionary(uniqueKeysWithValues: front.map { ($0, 0.0) })
        guard let m = front.first.map({ points[$0].count }), front.count > 2 else {
            for i in front { distance[i] = .infinity }
            return distance
        }
        for k in 0..<m {
            let sorted = front.sorted { (points[$0][k], $0) < (points[$1][k], $1) }
            let span = points[sorted.last!][k] - points[sorted.first!][k]
            distance[sorted.first!] = .infinity
            distance[sorted.last!] = .infinity
            guard span > 0 else { continue }
            for r in 1..<(sorted.count - 1) {
                distance[sorted[r]]! += (points[sorted[r + 1]][k] - points[sorted[r - 1]][k]) / span
            }
        }
        return distance
    }

    /// Indices of `points` in NSGA-II's order: by front, then by crowding distance (larger first), then
    /// by index. `rank[i]` is i's position in that order.
    static func order(_ points: [[Double]]) -> (order: [Int], front: [Int: Int], crowding: [Int: Double]) {
        var order: [Int] = []
        var frontOf: [Int: Int] = [:]
        var crowd: [Int: Double] = [:]
        for (f, front) in fronts(points).enumerated() {
            let c = crowding(points, front: front)
            for i in front { frontOf[i] = f; crowd[i] = c[i] }
            order += front.sorted { (-c[$0]!, $0) < (-c[$1]!, $1) }
        }
        return (order, frontOf, crowd)
    }
}

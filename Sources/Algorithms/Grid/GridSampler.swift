import SuggestionAPI

/// `grid`: exhaustive enumeration of a finite lattice, in a fixed order.
///
/// Values per parameter: INT from min to max by step (default 1); DOUBLE from min by step up to max
/// inclusive (point k is min + k·step computed directly, never by accumulation, with the tolerance and
/// decimal cleaning of `NumericRange`); DISCRETE and CATEGORICAL in list order. A DOUBLE without step is
/// rejected. The distribution is ignored: NORMAL and LOG_NORMAL add no weight, and LOG_UNIFORM with a
/// step still means the **linear** lattice min, min + step, … (a step is a quantum in value units, as
/// everywhere else in Katib).
///
/// Order: lexicographic over parameters in experiment order, last parameter fastest (cell index as in
/// `SearchSpace.point(atFiniteIndex:counts:)`). Cells are visited lazily by index, so grids with
/// billions of cells cost only O(request + trials) per call.
///
/// Which cells are free: a cell is taken when a pending (CREATED, RUNNING) or completed (SUCCEEDED,
/// EARLYSTOPPED with metric) trial's assignments are exactly that cell (`MappedPoint.isExact`;
/// trials from an older search space or with foreign values do not take cells). Fresh cells are
/// handed out first in grid order; then cells whose only trials failed (FAILED, KILLED, ...,
/// SUCCEEDED without a usable metric), again in grid order, so a failure is retried once the grid is
/// otherwise done. When fewer free cells remain than requested, the call fails with
/// FAILED_PRECONDITION ("grid exhausted"): Katib rejects short replies anyway.
///
/// Validation: max_trial_count larger than the number of cells is INVALID_ARGUMENT (0 = no limit).
/// Settings: `random_state` is accepted for Katib compatibility and validated; it has no effect, the
/// order is fixed (Katib's optuna grid draws cells at random instead).
public struct GridSampler: Sampler {
    public init() {}

    public var name: String { "grid" }

    static let randomState = Setting<Int?>(
        "random_state", .integer(min: 0), default: nil,
        help: "Accepted for compatibility with Katib's grid; no effect (the order is fixed).")

    public var settingsSchema: SettingsSchema {
        SettingsSchema(algorithm: name, specs: [Self.randomState.spec, WarmStart.points.spec, Conditions.setting.spec])
    }

    /// The per-parameter counts and the number of cells; in a conditional space, the finite indices
    /// of the canonical cells (the only cells: an inactive child is not enumerated), in order.
    public struct Plan: Sendable {
        let counts: [Int]
        let total: Int
        let cells: [Int]?

        /// The finite index of the k-th cell.
        func cell(_ k: Int) -> Int { cells?[k] ?? k }
    }

    /// Largest lattice whose canonical cells are enumerated for a conditional space.
    static let conditionalEnumerationLimit = 1_000_000

    /// Checks that the grid is enumerable and big enough for max_trial_count.
    public func validate(_ problem: SearchProblem) throws(RPCError) -> Plan {
        for p in problem.space.parameters {
            if case .double(let r) = p.domain, r.step == nil {
                throw .invalidArgument("grid needs a step for DOUBLE parameter \(p.name): set feasible_space.step, or use an algorithm that samples continuous ranges")
            }
        }
        guard var (counts, total) = problem.space.finiteCounts else {
            throw .invalidArgument("the grid of this search space has more than \(Int.max) cells; use fewer values or another algorithm")
        }
        var cells: [Int]? = nil
        if !problem.space.conditions.isEmpty {
            guard total <= Self.conditionalEnumerationLimit else {
                throw .invalidArgument("grid with conditions enumerates at most \(Self.conditionalEnumerationLimit) lattice points; this space has \(total); use fewer values or another algorithm")
            }
            let space = problem.space
            let canonical = (0..<total).filter { space.isCanonical(space.point(atFiniteIndex: $0, counts: counts)) }
            (cells, total) = (canonical, canonical.count)
        }
        if problem.maxTrialCount > total {
            throw .invalidArgument("max_trial_count \(problem.maxTrialCount) exceeds the \(total) cells of the grid; lower max_trial_count to at most \(total) or add values to the search space")
        }
        return Plan(counts: counts, total: total, cells: cells)
    }

    public func suggest(_ context: SamplerContext, plan: Plan) throws(RPCError) -> SamplerOutput {
        let (counts, total) = (plan.counts, plan.total)
        let space = context.space
        var taken = Set<Int>()      // finite indices
        var failed = Set<Int>()
        for r in context.history.records {
            guard let m = r.mapped, m.isExact, let i = space.finiteIndex(of: m.point, counts: counts) else { continue }
            if r.isFailed { failed.insert(i) } else { taken.insert(i) }
        }
        failed.subtract(taken)
        let want = context.requestCount
        var chosen: [Int] = []
        chosen.reserveCapacity(want)
        // Fresh cells in order: at most want + |taken ∪ failed| indices are visited.
        var k = 0
        while chosen.count < want && k < total {
            let i = plan.cell(k)
            if !taken.contains(i) && !failed.contains(i) { chosen.append(i) }
            k += 1
        }
        if chosen.count < want {
            for j in failed.sorted() where chosen.count < want { chosen.append(j) }
        }
        guard chosen.count == want else {
            let free = chosen.count
            throw RPCError(.failedPrecondition,
                "grid exhausted: all \(total) cells of the grid are taken by pending or finished trials; "
                + "\(want) suggestion\(want == 1 ? "" : "s") requested, \(free) cell\(free == 1 ? "" : "s") free. "
                + "Set max_trial_count to at most \(total), or widen the search space")
        }
        return SamplerOutput(points: chosen.map { space.point(atFiniteIndex: $0, counts: counts) })
    }
}

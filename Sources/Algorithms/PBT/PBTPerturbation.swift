/// PBT's explore step (Jaderberg et al. 2017, "Population based training of neural networks",
/// arXiv:1711.09846, Section 3: "perturb": multiply by 0.8 or 1.2; "resample": draw from the prior).
///
/// Per parameter, a value v becomes:
/// - INT, DOUBLE on a range with min > 0: v·0.8 or v·1.2 (equal odds); on other ranges (where a
///   factor cannot move 0 or flips meaning for negatives): v ∓ 0.2·(max − min). Then clamped to
///   [min, max] and snapped to the step lattice (INT values stay integers). When snapping gives v back
///   (a small value on a coarse lattice), the value moves one lattice step in the drawn direction
///   instead, if the bound allows.
/// - DISCRETE: the next smaller or larger list value in numeric order (at an end: the only neighbour).
/// - CATEGORICAL: another list entry, uniformly (the list order means nothing; Katib takes the
///   neighbour in list order).
/// With `resampleProbability` p, each parameter is instead drawn afresh from its prior with
/// probability p (and perturbed as above otherwise).
struct PBTPerturbation {
    let space: SearchSpace
    let transform: SearchSpaceTransform
    let resampleProbability: Double?

    init(space: SearchSpace, resampleProbability: Double?) {
        self.space = space
        transform = SearchSpaceTransform(space, categoricalEncoding: .index)
        self.resampleProbability = resampleProbability
    }

    func explore(_ point: Point, _ rng: inout SeededRandom) -> Point {
        var out = point
        let fresh = RandomSampler.draw(transform, &rng)
        for (j, p) in space.parameters.enumerated() {
            if let q = resampleProbability, rng.uniform() < q {
                out[j] = fresh[j]
            } else {
                out[j] = perturb(point[j], p.domain, &rng)
            }
        }
        return out
    }

    func perturb(_ value: ParameterValue, _ domain: Domain, _ rng: inout SeededRandom) -> ParameterValue {
        let up = rng.uniform() < 0.5
        switch (domain, value) {
        case (.int(let r), .integer(let v)):
            return .integer(Int64(perturbNumber(Double(v), r, up: up)))
        case (.double(let r), .real(let v)):
            return .real(perturbNumber(v, r, up: up))
        case (.discrete(_, let values), .choice(let i)):
            guard values.count > 1 else { return value }
            let order = values.indices.sorted { values[$0] < values[$1] }
            let rank = order.firstIndex(of: i)!
            let next = rank == 0 ? 1 : rank == values.count - 1 ? rank - 1 : rank + (up ? 1 : -1)
            return .choice(order[next])
        case (.categorical(let labels), .choice(let i)):
            guard labels.count > 1 else { return value }
            let k = rng.index(below: labels.count - 1)
            return .choice(k >= i ? k + 1 : k)
        default:
            return value
        }
    }

    func perturbNumber(_ v: Double, _ r: NumericRange, up: Bool) -> Double {
        let moved = r.low > 0 ? v * (up ? 1.2 : 0.8) : v + (up ? 0.2 : -0.2) * (r.high - r.low)
        let snapped = r.nearest(moved)
        guard snapped == v, let count = r.latticeCount else { return snapped }
        let k = r.nearestLatticeIndex(v) + (up ? 1 : -1)
        return k >= 0 && k < count ? r.latticeValue(k) : snapped
    }
}

/// numpy's default quantile (linear interpolation between order statistics, "type 7") of a
/// non-empty array, q in [0, 1].
func linearQuantile(_ sorted: [Double], _ q: Double) -> Double {
    let h = Double(sorted.count - 1) * q
    let lo = Int(h.rounded(.down))
    let hi = Swift.min(lo + 1, sorted.count - 1)
    return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
}

extension SearchSpace {
    /// Mixed-radix numbering of the points of a finite space, **last parameter fastest**: with value
    /// counts n_0 … n_{P−1}, point (i_0, …, i_{P−1}) (each i_j the value's position in
    /// `Domain.value(at:)` order: ascending lattice for numbers, list order for lists) has index
    /// Σ_j i_j · Π_{l>j} n_l. Lets grid-like samplers walk spaces too large to materialise.
    ///
    /// `counts` must be the per-parameter value counts (all finite) and their product must not overflow.
    public func point(atFiniteIndex index: Int, counts: [Int]) -> Point {
        var rest = index
        var values = [ParameterValue](repeating: .choice(0), count: parameters.count)
        for j in stride(from: parameters.count - 1, through: 0, by: -1) {
            values[j] = parameters[j].domain.value(at: rest % counts[j])
            rest /= counts[j]
        }
        return values
    }

    /// The inverse of `point(atFiniteIndex:counts:)`; nil when some value is not exactly on its domain.
    public func finiteIndex(of point: Point, counts: [Int]) -> Int? {
        var index = 0
        for j in parameters.indices {
            guard let i = parameters[j].domain.index(of: point[j]) else { return nil }
            index = index * counts[j] + i
        }
        return index
    }

    /// The per-parameter value counts and their product; nil when a parameter is continuous or the
    /// product exceeds `Int.max`.
    public var finiteCounts: (counts: [Int], total: Int)? {
        var counts: [Int] = []
        var total = 1
        for p in parameters {
            guard let n = p.domain.valueCount else { return nil }
            let (r, overflow) = total.multipliedReportingOverflow(by: n)
            if overflow { return nil }
            total = r
            counts.append(n)
        }
        return (counts, total)
    }
}

/// Product-kernel density estimate over mixed dimensions, as BOHB uses it (Falkner, Klein and Hutter
/// 2018, "BOHB: robust and efficient hyperparameter optimization at scale", ICML, Section 4.1; the
/// estimator is statsmodels' `KDEMultivariate` with `bw="normal_reference"`).
///
/// Notation
///   n      number of observations (rows of `data`), n >= 1
///   d      number of dimensions (`kinds.count`)
///   x_i    observation i, a length-d vector: a unit-cube coordinate in [0, 1] for `.continuous`
///          dimensions, a category index 0 ..< c (as a Double) for `.categorical(c)`
///   h_j    bandwidth of dimension j (`bandwidths[j]`)
///
/// Density: p(x) = (1/n) Σ_i Π_j k_j(x_j, x_ij) with
///   continuous   k(x, m) = φ((x − m)/h)/h                  (Gaussian; not renormalised to [0, 1])
///   categorical  k(x, m) = 1 − h if x = m, h/(c − 1) else  (Aitchison–Aitken)
/// Bandwidth ("normal reference"): h_j = 1.06 · σ_j · n^(−1/(4 + d)), σ_j the standard deviation of
/// column j with divisor n (numpy's default, as statsmodels computes it), then at least `minBandwidth`; categorical h_j at most (c − 1)/c
/// (beyond it the kernel would favour the categories *not* observed).
struct KernelDensity: Sendable {
    enum Kind: Sendable, Hashable {
        case continuous
        case categorical(Int)
    }

    let data: [[Double]]
    let kinds: [Kind]
    let bandwidths: [Double]

    init(data: [[Double]], kinds: [Kind], minBandwidth: Double) {
        precondition(!data.isEmpty, "a density needs at least one observation")
        self.data = data
        self.kinds = kinds
        let n = Double(data.count)
        let factor = 1.06 * Math.exponential(-Math.ln(n) / Double(4 + kinds.count))
        bandwidths = kinds.enumerated().map { j, kind in
            let mean = data.reduce(0) { $0 + $1[j] } / n
            let sd = (data.reduce(0) { $0 + ($1[j] - mean) * ($1[j] - mean) } / n).squareRoot()
            let h = Swift.max(factor * sd, minBandwidth)
            if case .categorical(let c) = kind { return Swift.min(h, Double(c - 1) / Double(c)) }
            return h
        }
    }

    /// ln p(x) (log-sum-exp over observations, so tiny kernels do not underflow to ln 0).
    func logDensity(_ x: [Double]) -> Double {
        var terms: [Double] = []
        terms.reserveCapacity(data.count)
        for row in data {
            var s = 0.0
            for (j, kind) in kinds.enumerated() {
                let h = bandwidths[j]
                switch kind {
                case .continuous:
                    let z = (x[j] - row[j]) / h
                    s += -0.5 * z * z - Math.ln(h) - 0.918_938_533_204_672_7   // ln √(2π)
                case .categorical(let c):
                    s += x[j] == row[j] ? Math.ln(1 - h) : Math.ln(h / Double(c - 1))
                }
            }
            terms.append(s)
        }
        let top = terms.max()!
        guard top.isFinite else { return top }
        return top + Math.ln(terms.reduce(0) { $0 + Math.exponential($1 - top) }) - Math.ln(Double(data.count))
    }

    /// A draw from the density with every bandwidth multiplied by `widen` (BOHB's bandwidth factor,
    /// which makes the proposals more exploratory): a random observation, then per dimension a
    /// normal around it truncated to [0, 1], or for categories the observed one with probability
    /// 1 − min(1, h·widen) and a uniform category otherwise.
    func sample(widen: Double, _ rng: inout SeededRandom) -> [Double] {
        let row = data[rng.index(below: data.count)]
        return kinds.enumerated().map { j, kind in
            switch kind {
            case .continuous:
                return rng.truncatedNormal(mean: row[j], standardDeviation: bandwidths[j] * widen, lower: 0, upper: 1)
            case .categorical(let c):
                return rng.uniform() < Swift.min(1, bandwidths[j] * widen) ? Double(rng.index(below: c)) : row[j]
            }
        }
    }
}

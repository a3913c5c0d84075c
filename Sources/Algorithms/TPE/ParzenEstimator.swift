/// The Parzen estimators of the tree-structured Parzen estimator (Bergstra et al. 2011, "Algorithms
/// for hyper-parameter optimization", NeurIPS; multivariate form: Falkner et al. 2018), with Optuna's
/// numerics (`optuna/samplers/_tpe/parzen_estimator.py`, v3.2 and later): bandwidths, magic clip,
/// prior component and categorical kernels.
///
/// Notation
///   d        number of cube dimensions (`kinds.count`)
///   n        number of observations (rows of `observations`), n >= 0
///   x_i      observation i: per dimension a unit-cube coordinate in [0, 1] (`.numeric`) or a category
///            index 0 ..< c (`.categorical(c)`)
///   K = n+1  kernels: one per observation and the prior (always present)
///   w_k      kernel weights: 1 per observation and `priorWeight` for the prior, normalised to sum 1
///
/// Numeric dimension j: kernel k is a normal N(μ_k, σ_k²) truncated to [0, 1]; the prior kernel has
/// μ = 0.5 and σ = 1 (σ = 1/6 for NORMAL-prior parameters, the prior `random` draws from).
///   univariate  σ_k = the larger gap from μ_k to its neighbours among the sorted μ (prior's included)
///               with 0 and 1 as outer neighbours; for the lowest and highest μ only the inner gap
///               counts (Optuna's `consider_endpoints=False`);
///   joint       σ_k = 0.2 · max(n, 1)^(−1/(d+4)) (Scott-like rule on the unit range);
///   both        clipped to [1/min(100, 1 + K), 1] (Optuna's "magic clip").
/// Categorical dimension j with c choices: kernel k puts mass (1[x_kj = v] + priorWeight/K) / (1 +
/// c·priorWeight/K) on choice v; the prior kernel is uniform.
///
/// Density: univariate, per dimension p_j(v) = Σ_k w_k κ_kj(v); joint, p(x) = Σ_k w_k Π_j κ_kj(x_j).
struct ParzenEstimator: Sendable {
    enum Kind: Sendable, Hashable {
        case numeric(normalPrior: Bool)
        case categorical(Int)
    }

    let kinds: [Kind]
    let joint: Bool
    /// Per kernel (observations first, prior last).
    let logWeights: [Double]
    /// Per dimension, per kernel: μ and σ (numeric) or the log-probabilities of each choice
    /// (categorical, `logChoice[j][k][v]`).
    let mu: [[Double]]
    let sigma: [[Double]]
    /// ln of the truncation mass Φ((1−μ)/σ) − Φ(−μ/σ), per dimension and kernel.
    let logMass: [[Double]]
    /// Per dimension and kernel: 1/σ, and ln w_k − ln √(2π) − ln σ − ln(mass) (the kernel's constant
    /// part with its weight), so that a numeric term is `weightedConstant − z²/2`.
    let inverseSigma: [[Double]]
    let weightedConstant: [[Double]]
    let logChoice: [[[Double]]]

    init(observations: [[Double]], kinds: [Kind], joint: Bool, priorWeight: Double) {
        self.kinds = kinds
        self.joint = joint
        let n = observations.count
        let kernels = n + 1
        var weights = [Double](repeating: 1, count: n) + [priorWeight]
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        logWeights = weights.map { Math.ln($0) }
        let minSigma = 1 / Swift.min(100, 1 + Double(kernels))
        var mu: [[Double]] = [], sigma: [[Double]] = [], logMass: [[Double]] = [], logChoice: [[[Double]]] = []
        for (j, kind) in kinds.enumerated() {
            switch kind {
            case .numeric(let normalPrior):
                let m = observations.map { $0[j] } + [0.5]
                var s = [Double](repeating: 0, count: kernels)
                if joint {
                    let h = 0.2 * Math.power(Double(Swift.max(n, 1)), -1 / Double(kinds.count + 4))
                    for k in 0..<n { s[k] = h }
                } else {
                    let order = (0..<kernels).sorted { (m[$0], $0) < (m[$1], $1) }
                    let sorted = [0.0] + order.map { m[$0] } + [1.0]
                    for (rank, k) in order.enumerated() {
                        let i = rank + 1
                        var gap = Swift.max(sorted[i] - sorted[i - 1], sorted[i + 1] - sorted[i])
                        if kernels >= 2 {
                            if rank == 0 { gap = sorted[2] - sorted[1] }
                            if rank == kernels - 1 { gap = sorted[kernels] - sorted[kernels - 1] }
                        }
                        s[k] = gap
                    }
                }
                for k in 0..<n { s[k] = Swift.min(Swift.max(s[k], minSigma), 1) }
                s[n] = normalPrior ? 1.0 / 6 : 1
                mu.append(m)
                sigma.append(s)
                logMass.append((0..<kernels).map { k in Math.ln(Math.normalMass(-m[k] / s[k], (1 - m[k]) / s[k])) })
                logChoice.append([])
            case .categorical(let c):
                let extra = priorWeight / Double(kernels)
                var rows: [[Double]] = []
                for k in 0..<n {
                    let observed = Int(observations[k][j])
                    let norm = 1 + Double(c) * extra
                    rows.append((0..<c).map { v in Math.ln(((v == observed ? 1 : 0) + extra) / norm) })
                }
                rows.append([Double](repeating: -Math.ln(Double(c)), count: c))
                mu.append([])
                sigma.append([])
                logMass.append([])
                logChoice.append(rows)
            }
        }
        self.mu = mu
        self.sigma = sigma
        self.logMass = logMass
        self.logChoice = logChoice
        let lw = logWeights
        inverseSigma = sigma.map { row in row.map { 1 / $0 } }
        weightedConstant = (0..<kinds.count).map { j in
            sigma[j].isEmpty ? [] : (0..<kernels).map { k in lw[k] - 0.918_938_533_204_672_7 - Math.ln(sigma[j][k]) - logMass[j][k] }
        }
    }

    var kernelCount: Int { logWeights.count }

    /// ln κ_kj(v).
    @inline(__always) func logKernel(_ j: Int, _ k: Int, _ v: Double) -> Double {
        switch kinds[j] {
        case .numeric:
            let s = sigma[j][k]
            let z = (v - mu[j][k]) / s
            return -0.5 * z * z - 0.918_938_533_204_672_7 - Math.ln(s) - logMass[j][k]
        case .categorical:
            return logChoice[j][k][Int(v)]
        }
    }

    /// ln p_j(v) of dimension j alone (univariate estimators), by a one-pass log-sum-exp.
    func logDensity(dimension j: Int, _ v: Double) -> Double {
        var top = -Double.infinity, sum = 0.0
        switch kinds[j] {
        case .numeric:
            mu[j].withUnsafeBufferPointer { m in
                inverseSigma[j].withUnsafeBufferPointer { inv in
                    weightedConstant[j].withUnsafeBufferPointer { c in
                        for k in 0..<m.count {
                            let z = (v - m[k]) * inv[k]
                            let t = c[k] - 0.5 * z * z
                            if t <= top { sum += Math.exponential(t - top) } else { sum = sum * Math.exponential(top - t) + 1; top = t }
                        }
                    }
                }
            }
        case .categorical:
            let c = Int(v)
            for k in 0..<kernelCount {
                let t = logWeights[k] + logChoice[j][k][c]
                if t <= top { sum += Math.exponential(t - top) } else { sum = sum * Math.exponential(top - t) + 1; top = t }
            }
        }
        return top.isFinite ? top + Math.ln(sum) : top
    }

    /// ln p(x) of the joint estimator.
    func logDensity(_ x: [Double]) -> Double {
        logSumExp((0..<kernelCount).map { k in
            var s = logWeights[k]
            for j in 0..<kinds.count { s += logKernel(j, k, x[j]) }
            return s
        })
    }

    /// A draw of dimension j from kernel k.
    func sample(dimension j: Int, kernel k: Int, _ rng: inout SeededRandom) -> Double {
        switch kinds[j] {
        case .numeric:
            return rng.truncatedNormal(mean: mu[j][k], standardDeviation: sigma[j][k], lower: 0, upper: 1)
        case .categorical(let c):
            var u = rng.uniform()
            for v in 0..<c {
                u -= Math.exponential(logChoice[j][k][v])
                if u < 0 { return Double(v) }
            }
            return Double(c - 1)
        }
    }

    /// A kernel index drawn with the kernel weights.
    func sampleKernel(_ rng: inout SeededRandom) -> Int {
        var u = rng.uniform()
        for k in 0..<kernelCount {
            u -= Math.exponential(logWeights[k])
            if u < 0 { return k }
        }
        return kernelCount - 1
    }
}

/// ln Σ exp(t_i), without overflow; −∞ for an empty array or all −∞.
func logSumExp(_ terms: [Double]) -> Double {
    guard let top = terms.max(), top.isFinite else { return terms.max() ?? -.infinity }
    var sum = 0.0
    for t in terms { sum += Math.exponential(t - top) }
    return top + Math.ln(sum)
}

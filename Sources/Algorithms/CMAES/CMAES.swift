/// CMA-ES as an ask-and-tell core (Hansen 2016, "The CMA evolution strategy: a tutorial",
/// arXiv:1604.00772, with active covariance update and the default parameters of its Table 1; the
/// same numbers as the `cmaes` Python package 0.12, against which the tests pin it).
///
/// Notation
///   n              dimensions; x ∈ ℝⁿ (here the unit cube of the numeric parameters)
///   λ, μ = ⌊λ/2⌋   population size and number of parents
///   w_i            recombination weights, i = 1 … λ (positive for i <= μ, summing to 1; negative
///                  after, scaled by min(α_μ⁻, α_μeff⁻, α_posdef⁻))
///   m, σ, C        mean, step size, covariance (C = B·diag(D²)·Bᵀ)
///   p_σ, p_c       evolution paths
///   E‖N(0, I)‖ ≈ √n·(1 − 1/(4n) + 1/(21n²))
struct CMAES: Sendable {
    let n: Int
    let lambda: Int
    let mu: Int
    let weights: [Double]
    let muEff: Double
    let c1: Double
    let cMu: Double
    let cC: Double
    let cSigma: Double
    let dSigma: Double
    let chiN: Double

    var mean: [Double]
    var sigma: Double
    var C: [[Double]]
    var pSigma: [Double]
    var pC: [Double]
    /// Generations told so far.
    var generation = 0
    /// Eigenvectors (columns of B) and √eigenvalues (D) of C.
    private(set) var B: [[Double]]
    private(set) var D: [Double]

    static func defaultPopulation(_ n: Int) -> Int { 4 + Int((3 * Math.ln(Double(n))).rounded(.down)) }

    init(mean: [Double], sigma: Double, populationSize: Int? = nil) {
        let n = mean.count
        let lambda = populationSize ?? Self.defaultPopulation(mean.count)
        let mu = lambda / 2
        self.n = n
        self.lambda = lambda
        self.mu = mu
        let nd = Double(n)
        let prime = (0..<lambda).map { Math.ln(Double(lambda + 1) / 2) - Math.ln(Double($0 + 1)) }
        let positive = prime.prefix(mu)
        let muEff = positive.reduce(0, +) * positive.reduce(0, +) / positive.reduce(0) { $0 + $1 * $1 }
        self.muEff = muEff
        let negative = prime.dropFirst(mu)
        let negSum = negative.reduce(0) { $0 + Swift.abs($1) }
        let muEffMinus = negSum > 0 ? negative.reduce(0, +) * negative.reduce(0, +) / negative.reduce(0) { $0 + $1 * $1 } : 0
        let alphaCov = 2.0
        let c1 = alphaCov / ((nd + 1.3) * (nd + 1.3) + muEff)
        let cMu = Swift.min(1 - c1 - 1e-8, alphaCov * (muEff - 2 + 1 / muEff) / ((nd + 2) * (nd + 2) + alphaCov * muEff / 2))
        self.c1 = c1
        self.cMu = cMu
        let minAlpha = Swift.min(1 + c1 / cMu, 1 + 2 * muEffMinus / (muEff + 2), (1 - c1 - cMu) / (nd * cMu))
        let posSum = prime.filter { $0 > 0 }.reduce(0, +)
        weights = prime.map { $0 >= 0 ? $0 / posSum : minAlpha * $0 / negSum }
        let cSigma = (muEff + 2) / (nd + muEff + 5)
        self.cSigma = cSigma
        dSigma = 1 + 2 * Swift.max(0, ((muEff - 1) / (nd + 1)).squareRoot() - 1) + cSigma
        cC = (4 + muEff / nd) / (nd + 4 + 2 * muEff / nd)
        chiN = nd.squareRoot() * (1 - 1 / (4 * nd) + 1 / (21 * nd * nd))
        self.mean = mean
        self.sigma = sigma
        let identity = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
        C = identity
        pSigma = [Double](repeating: 0, count: n)
        pC = [Double](repeating: 0, count: n)
        B = identity
        D = [Double](repeating: 1, count: n)
    }

    /// m + σ·B·D·z for a standard normal vector z.
    func candidate(_ z: [Double]) -> [Double] {
        var x = mean
        for i in 0..<n {
            var s = 0.0
            for k in 0..<n { s += B[i][k] * D[k] * z[k] }
            x[i] += sigma * s
        }
        return x
    }

    /// C^(−1/2)·y = B·diag(1/D)·Bᵀ·y.
    func whiten(_ y: [Double]) -> [Double] {
        let t = (0..<n).map { k in (0..<n).reduce(0.0) { $0 + B[$1][k] * y[$1] } / D[k] }
        return (0..<n).map { i in (0..<n).reduce(0.0) { $0 + B[i][$1] * t[$1] } }
    }

    /// One generation: `solutions` are λ points with their losses (smaller is better; ties keep
    /// the given order). Updates m, σ, C and the paths.
    mutating func tell(_ solutions: [(x: [Double], loss: Double)]) {
        precondition(solutions.count == lambda)
        generation += 1
        let sorted = solutions.enumerated().sorted { ($0.element.loss, $0.offset) < ($1.element.loss, $1.offset) }.map(\.element.x)
        let y = sorted.map { x in (0..<n).map { (x[$0] - mean[$0]) / sigma } }
        var yw = [Double](repeating: 0, count: n)
        for i in 0..<mu { for j in 0..<n { yw[j] += weights[i] * y[i][j] } }
        for j in 0..<n { mean[j] += sigma * yw[j] }
        let cy = whiten(yw)
        let ps = (cSigma * (2 - cSigma) * muEff).squareRoot()
        for j in 0..<n { pSigma[j] = (1 - cSigma) * pSigma[j] + ps * cy[j] }
        let normPSigma = pSigma.reduce(0) { $0 + $1 * $1 }.squareRoot()
        sigma *= Math.exponential((cSigma / dSigma) * (normPSigma / chiN - 1))
        sigma = Swift.min(sigma, 1e32)
        let left = normPSigma / (1 - Math.power(1 - cSigma, Double(2 * (generation + 1)))).squareRoot()
        let hSigma: Double = left < (1.4 + 2 / Double(n + 1)) * chiN ? 1 : 0
        let pc = hSigma * (cC * (2 - cC) * muEff).squareRoot()
        for j in 0..<n { pC[j] = (1 - cC) * pC[j] + pc * yw[j] }
        let wio = (0..<lambda).map { i -> Double in
            guard weights[i] < 0 else { return weights[i] }
            let w = whiten(y[i])
            return weights[i] * Double(n) / (w.reduce(0) { $0 + $1 * $1 } + 1e-8)
        }
        let deltaH = (1 - hSigma) * cC * (2 - cC)
        let keep = 1 + c1 * deltaH - c1 - cMu * weights.reduce(0, +)
        for a in 0..<n {
            for b in 0..<n {
                var rankMu = 0.0
                for i in 0..<lambda { rankMu += wio[i] * y[i][a] * y[i][b] }
                C[a][b] = keep * C[a][b] + c1 * pC[a] * pC[b] + cMu * rankMu
            }
        }
        decompose()
    }

    /// Refreshes B and D from C (negative eigenvalues from rounding become 1e-8).
    mutating func decompose() {
        let (values, vectors) = symmetricEigen(C)
        let clipped = values.map { $0 < 0 ? 1e-8 : $0 }
        B = vectors
        D = clipped.map { $0.squareRoot() }
        C = (0..<n).map { i in (0..<n).map { j in (0..<n).reduce(0.0) { $0 + B[i][$1] * clipped[$1] * B[j][$1] } } }
    }

    /// σ·√(largest eigenvalue of C): the largest standard deviation of the search distribution.
    var largestDeviation: Double { sigma * (D.max() ?? 0) }
    /// Ratio of the largest to the smallest eigenvalue of C.
    var conditionNumber: Double {
        let lo = D.min() ?? 1, hi = D.max() ?? 1
        return lo > 0 ? (hi * hi) / (lo * lo) : .infinity
    }
}

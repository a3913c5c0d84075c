/// The margin of CMA-ES with margin (Hamano, Saito, Nomura and Shirakawa 2022, "CMA-ES with margin:
/// lower-bounding marginal probability for mixed-integer black-box optimization", GECCO; the same
/// correction as `CMAwM` of the `cmaes` package 0.12).
///
/// A dimension whose values are cells of the cube (INT, stepped DOUBLE, DISCRETE) can stop moving when
/// σ shrinks: every sample falls in the mean's cell and the ranking no longer sees its neighbours. After
/// each generation the correction keeps, for each such dimension j, the probability that a sample
/// leaves the mean's cell on each side at least α/2 (α = 1 / (n·λ)):
///
/// - samples for evaluation are m_j + A_j·(x_j − m_j), x the raw CMA-ES sample (A_j = 1 initially and
///   for continuous dimensions); the raw x is what the next `tell` receives;
/// - with s_j = σ·A_j·√C_jj, p_low = Φ((ℓ_low − m_j)/s_j), p_up = 1 − Φ((ℓ_up − m_j)/s_j) for the
///   boundaries ℓ_low < m_j < ℓ_up of the mean's cell;
/// - edge cells (one neighbour only): when the probability of crossing into it is below α, the mean
///   moves to distance s_j·Φ⁻¹(1 − α) from the boundary (on its own side);
/// - inner cells: both tail probabilities are raised to at least α/2 (the middle cell giving up the
///   mass), then A_j and m_j solve ℓ_low = m_j − s_j·Φ⁻¹(1 − p_low'), ℓ_up = m_j + s_j·Φ⁻¹(1 − p_up').
struct Margin: Sendable {
    /// Per CMA-ES dimension: the cell boundaries of a coordinate (nil: continuous).
    let cells: @Sendable (_ dimension: Int, _ t: Double) -> (lower: Double?, upper: Double?)?
    let alpha: Double
    var A: [Double]

    init(dimensions n: Int, populationSize lambda: Int,
         cells: @escaping @Sendable (_ dimension: Int, _ t: Double) -> (lower: Double?, upper: Double?)?) {
        self.cells = cells
        alpha = 1 / (Double(n) * Double(lambda))
        A = [Double](repeating: 1, count: n)
    }

    /// The point evaluated for raw sample x: discrete dimensions scaled about the mean by A.
    func scaled(_ x: [Double], mean: [Double]) -> [Double] {
        (0..<x.count).map { j in A[j] == 1 ? x[j] : mean[j] + A[j] * (x[j] - mean[j]) }
    }

    /// The inverse of `scaled`, for a point whose raw sample is unknown.
    func raw(_ u: [Double], mean: [Double]) -> [Double] {
        (0..<u.count).map { j in A[j] == 1 ? u[j] : mean[j] + (u[j] - mean[j]) / A[j] }
    }

    /// The correction after `cma.tell`: updates A and the discrete coordinates of `cma.mean`.
    mutating func correct(_ cma: inout CMAES) {
        for j in 0..<cma.n {
            let m = cma.mean[j]
            guard let cell = cells(j, m) else { continue }
            let scale = cma.sigma * A[j] * Swift.max(cma.C[j][j], 0).squareRoot()
            guard scale > 0, scale.isFinite else { continue }
            switch (cell.lower, cell.upper) {
            case (nil, nil):
                continue   // a single value: nothing to move to
            case (nil, let up?), (let up?, nil):
                // Edge cell: the one boundary and the probability of crossing it.
                let below = cell.lower == nil   // the mean lies below its only boundary
                let crossing = below ? 1 - Math.normalCDF((up - m) / scale) : Math.normalCDF((up - m) / scale)
                if crossing < alpha {
                    let distance = scale * Math.normalQuantile(1 - alpha)
                    cma.mean[j] = below ? up - distance : up + distance
                }
            case (let low?, let up?):
                var pLow = Swift.max(Math.normalCDF((low - m) / scale), alpha / 2)
                var pUp = Swift.max(1 - Math.normalCDF((up - m) / scale), alpha / 2)
                let pMid = Swift.max(1 - Math.normalCDF((low - m) / scale) - (1 - Math.normalCDF((up - m) / scale)), 0)
                // Renormalise: the excess over 1 is taken from the sides in proportion to their
                // mass above α/2 (cmaes 0.12's rule).
                let excess = 1 - pLow - pUp - pMid
                let denominator = pLow + pMid + pUp - 3 * alpha / 2
                if denominator > 0 {
                    let l = pLow, u = pUp
                    pLow = l + excess * (l - alpha / 2) / denominator
                    pUp = u + excess * (u - alpha / 2) / denominator
                }
                pLow = Swift.min(Swift.max(pLow, 1e-10), 0.5 - 1e-10)
                pUp = Swift.min(Swift.max(pUp, 1e-10), 0.5 - 1e-10)
                let zLow = Math.normalQuantile(1 - pLow), zUp = Math.normalQuantile(1 - pUp)
                let deviation = cma.sigma * Swift.max(cma.C[j][j], 0).squareRoot()
                A[j] = (up - low) / ((zLow + zUp) * deviation)
                cma.mean[j] = (low * zUp + up * zLow) / (zLow + zUp)
            }
        }
    }
}

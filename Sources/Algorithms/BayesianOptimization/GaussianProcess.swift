/// Gaussian-process regression with a Matérn 5/2 ARD kernel (Rasmussen and Williams 2006, "Gaussian
/// processes for machine learning", §2.2 for the posterior, §4.2 for the kernel, §5.4 for the
/// marginal likelihood and its gradient).
///
/// Notation
///   n, d        observations and input dimensions; inputs x ∈ [0, 1]^d (the unit cube), row-major
///   y           outputs standardised to mean 0 and standard deviation 1 by the caller
///   ℓ_j, s², σ² length scales, signal variance, noise variance; θ = (ln ℓ_1 … ln ℓ_d, ln s², ln σ²)
///   r(x, x')    √(Σ_j ((x_j − x'_j)/ℓ_j)²)
///   k(r)        s²·(1 + √5·r + 5r²/3)·exp(−√5·r)
///   K           k over all pairs, plus σ² on the diagonal; K = L·Lᵀ (Cholesky), α = K⁻¹y
///   ln p(y|θ) = −½·yᵀα − Σ ln L_ii − (n/2)·ln 2π
///   ∂ ln p/∂θ_k = ½·tr((ααᵀ − K⁻¹)·∂K/∂θ_k)
/// Posterior at x*: mean k*ᵀα, variance s² − ‖L⁻¹k*‖² (at least 1e-12).
struct GaussianProcess: Sendable {
    struct Hyperparameters: Sendable, Equatable {
        var lengthScales: [Double]
        var signalVariance: Double
        var noiseVariance: Double

        var vector: [Double] { lengthScales.map { Math.ln($0) } + [Math.ln(signalVariance), Math.ln(noiseVariance)] }
        init(lengthScales: [Double], signalVariance: Double, noiseVariance: Double) {
            self.lengthScales = lengthScales
            self.signalVariance = signalVariance
            self.noiseVariance = noiseVariance
        }
        init(vector v: [Double]) {
            lengthScales = v.dropLast(2).map { Math.exponential($0) }
            signalVariance = Math.exponential(v[v.count - 2])
            noiseVariance = Math.exponential(v[v.count - 1])
        }
    }

    /// Bounds of θ (natural logarithms): ℓ ∈ [0.01, 20], s² ∈ [0.05, 20], σ² ∈ [1e-6, 0.5].
    static func bounds(_ d: Int) -> [(Double, Double)] {
        [(Double, Double)](repeating: (Math.ln(0.01), Math.ln(20)), count: d)
            + [(Math.ln(0.05), Math.ln(20)), (Math.ln(1e-6), Math.ln(0.5))]
    }

    let x: [[Double]]
    let y: [Double]
    let hyper: Hyperparameters
    /// Lower Cholesky factor of K (row-major n×n) and α = K⁻¹y.
    let L: [Double]
    let alpha: [Double]
    /// The jitter added to the diagonal beyond σ² to make K positive definite (0 when none was needed).
    let jitter: Double

    var n: Int { x.count }
    var d: Int { hyper.lengthScales.count }

    /// nil only if K stays indefinite after jitter up to 1e-2·s² (cannot happen for distinct inputs).
    init?(x: [[Double]], y: [Double], hyper: Hyperparameters) {
        self.x = x
        self.y = y
        self.hyper = hyper
        let n = x.count
        var K = Self.covariance(x, hyper)
        var jitter = 0.0
        var factor: [Double]? = Self.cholesky(K, n)
        while factor == nil {
            jitter = jitter == 0 ? 1e-10 * hyper.signalVariance : jitter * 10
            if jitter > 1e-2 * hyper.signalVariance { return nil }
            for i in 0..<n { K[i * n + i] += jitter * (jitter == 1e-10 * hyper.signalVariance ? 1 : 0.9) }
            factor = Self.cholesky(K, n)
        }
        L = factor!
        self.jitter = jitter
        alpha = Self.solveUpperT(L, Self.solveLower(L, y, n), n)
    }

    @inline(__always) static func matern(_ r: Double, _ s2: Double) -> Double {
        let a = 2.236_067_977_499_79 * r
        return s2 * (1 + a + a * a / 3) * Math.exponential(-a)
    }

    static func covariance(_ x: [[Double]], _ h: Hyperparameters) -> [Double] {
        let n = x.count, d = h.lengthScales.count
        let inv = h.lengthScales.map { 1 / $0 }
        var K = [Double](repeating: 0, count: n * n)
        for a in 0..<n {
            K[a * n + a] = h.signalVariance + h.noiseVariance
            for b in 0..<a {
                var r2 = 0.0
                for j in 0..<d { let t = (x[a][j] - x[b][j]) * inv[j]; r2 += t * t }
                let k = matern(r2.squareRoot(), h.signalVariance)
                K[a * n + b] = k
                K[b * n + a] = k
            }
        }
        return K
    }

    /// Lower Cholesky factor of a row-major n×n matrix, nil when it is not positive definite.
    static func cholesky(_ A: [Double], _ n: Int) -> [Double]? {
        var L = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = A[i * n + j]
                for k in 0..<j { s -= L[i * n + k] * L[j * n + k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    L[i * n + i] = s.squareRoot()
                } else {
                    L[i * n + j] = s / L[j * n + j]
                }
            }
        }
        return L
    }

    /// L·z = b.
    static func solveLower(_ L: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var z = b
        for i in 0..<n {
            var s = z[i]
            for k in 0..<i { s -= L[i * n + k] * z[k] }
            z[i] = s / L[i * n + i]
        }
        return z
    }

    /// Lᵀ·z = b.
    static func solveUpperT(_ L: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var z = b
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = z[i]
            for k in (i + 1)..<n where k < n { s -= L[k * n + i] * z[k] }
            z[i] = s / L[i * n + i]
        }
        return z
    }

    /// Posterior mean and variance at q.
    func predict(_ q: [Double]) -> (mean: Double, variance: Double) {
        let inv = hyper.lengthScales.map { 1 / $0 }
        var k = [Double](repeating: 0, count: n)
        for a in 0..<n {
            var r2 = 0.0
            let xa = x[a]
            for j in 0..<d { let t = (q[j] - xa[j]) * inv[j]; r2 += t * t }
            k[a] = Self.matern(r2.squareRoot(), hyper.signalVariance)
        }
        var mean = 0.0
        for a in 0..<n { mean += k[a] * alpha[a] }
        let v = Self.solveLower(L, k, n)
        let variance = hyper.signalVariance - v.reduce(0) { $0 + $1 * $1 }
        return (mean, Swift.max(variance, 1e-12))
    }

    /// ln p(y|θ) and its gradient in θ; nil when K is not positive definite.
    static func logMarginalLikelihood(_ x: [[Double]], _ y: [Double], _ theta: [Double]) -> (value: Double, gradient: [Double])? {
        let h = Hyperparameters(vector: theta)
        let n = x.count, d = h.lengthScales.count
        let K = covariance(x, h)
        guard let L = cholesky(K, n) else { return nil }
        let alpha = solveUpperT(L, solveLower(L, y, n), n)
        var value = -0.5 * zip(y, alpha).reduce(0) { $0 + $1.0 * $1.1 } - 0.918_938_533_204_672_7 * Double(n)
        for i in 0..<n { value -= Math.ln(L[i * n + i]) }
        // W = ααᵀ − K⁻¹, K⁻¹ from the Cholesky factor column by column.
        var Kinv = [Double](repeating: 0, count: n * n)
        for c in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[c] = 1
            let col = solveUpperT(L, solveLower(L, e, n), n)
            for r in 0..<n { Kinv[r * n + c] = col[r] }
        }
        var gradient = [Double](repeating: 0, count: d + 2)
        let inv = h.lengthScales.map { 1 / $0 }
        let s2 = h.signalVariance
        for a in 0..<n {
            for b in 0..<a {
                let w = alpha[a] * alpha[b] - Kinv[a * n + b]
                var r2 = 0.0
                var diffs = [Double](repeating: 0, count: d)
                for j in 0..<d { let t = (x[a][j] - x[b][j]) * inv[j]; diffs[j] = t * t; r2 += t * t }
                let r = r2.squareRoot()
                let e = Math.exponential(-2.236_067_977_499_79 * r)
                let kab = s2 * (1 + 2.236_067_977_499_79 * r + 5 * r2 / 3) * e
                let common = s2 * (5.0 / 3) * (1 + 2.236_067_977_499_79 * r) * e
                // Off-diagonal pairs appear twice in the trace.
                for j in 0..<d { gradient[j] += w * common * diffs[j] }
                gradient[d] += w * kab
            }
            let w = alpha[a] * alpha[a] - Kinv[a * n + a]
            gradient[d] += 0.5 * w * s2
            gradient[d + 1] += 0.5 * w * h.noiseVariance
        }
        return (value, gradient)
    }

    /// θ maximising ln p(y|θ) within `bounds`: projected L-BFGS (memory 5, Armijo backtracking) from
    /// each start, at most `iterations` steps each; the best end point wins.
    static func fit(_ x: [[Double]], _ y: [Double], starts: [[Double]], iterations: Int = 40) -> Hyperparameters {
        let d = x.first?.count ?? 0
        let box = bounds(d)
        func project(_ t: [Double]) -> [Double] { zip(t, box).map { Swift.min(Swift.max($0, $1.0), $1.1) } }
        var best: (value: Double, theta: [Double])? = nil
        for start in starts {
            var theta = project(start)
            guard var current = logMarginalLikelihood(x, y, theta) else { continue }
            var sHistory: [[Double]] = [], yHistory: [[Double]] = []
            for _ in 0..<iterations {
                // Two-loop recursion on the negative log likelihood.
                var q = current.gradient.map { -$0 }
                var alphas: [Double] = []
                for (s, yv) in zip(sHistory, yHistory).reversed() {
                    let rho = 1 / zip(yv, s).reduce(0) { $0 + $1.0 * $1.1 }
                    let a = rho * zip(s, q).reduce(0) { $0 + $1.0 * $1.1 }
                    alphas.append(a)
                    q = zip(q, yv).map { $0 - a * $1 }
                }
                if let s = sHistory.last, let yv = yHistory.last {
                    let gamma = zip(s, yv).reduce(0) { $0 + $1.0 * $1.1 } / yv.reduce(0) { $0 + $1 * $1 }
                    q = q.map { $0 * gamma }
                } else {
                    let norm = q.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    q = q.map { $0 / Swift.max(norm, 1e-12) }
                }
                for ((s, yv), a) in zip(zip(sHistory, yHistory), alphas.reversed()) {
                    let rho = 1 / zip(yv, s).reduce(0) { $0 + $1.0 * $1.1 }
                    let b = rho * zip(yv, q).reduce(0) { $0 + $1.0 * $1.1 }
                    q = zip(q, s).map { $0 + (a - b) * $1 }
                }
                let direction = q.map { -$0 }   // ascent direction for ln p
                var step = 1.0
                var accepted: (theta: [Double], result: (value: Double, gradient: [Double]))? = nil
                for _ in 0..<20 {
                    let candidate = project(zip(theta, direction).map { $0 + step * $1 })
                    let moved = zip(candidate, theta).map { $0 - $1 }
                    let gain = zip(current.gradient, moved).reduce(0) { $0 + $1.0 * $1.1 }
                    if let r = logMarginalLikelihood(x, y, candidate), r.value >= current.value + 1e-4 * Swift.min(gain, 0) + 0,
                       r.value > current.value {
                        accepted = (candidate, r)
                        break
                    }
                    step *= 0.5
                }
                guard let next = accepted else { break }
                let s = zip(next.theta, theta).map { $0 - $1 }
                let yv = zip(next.result.gradient, current.gradient).map { -($0 - $1) }
                if zip(s, yv).reduce(0, { $0 + $1.0 * $1.1 }) > 1e-12 {
                    sHistory.append(s)
                    yHistory.append(yv)
                    if sHistory.count > 5 { sHistory.removeFirst(); yHistory.removeFirst() }
                }
                let improvement = next.result.value - current.value
                theta = next.theta
                current = next.result
                if improvement < 1e-6 * Swift.max(1, Swift.abs(current.value)) { break }
            }
            if best == nil || current.value > best!.value { best = (current.value, theta) }
        }
        return Hyperparameters(vector: best?.theta ?? project(starts[0]))
    }
}

/// Eigendecomposition of a real symmetric matrix by cyclic Jacobi rotations (Golub and Van Loan,
/// "Matrix Computations", 4th ed., §8.5): A = V · diag(λ) · Vᵀ with V orthogonal (columns are the
/// eigenvectors). Converges quadratically; stops when the off-diagonal mass is below 1e-30 relative
/// to the diagonal's, or after 100 sweeps. Input and output are row-major n×n arrays.
func symmetricEigen(_ a: [[Double]]) -> (values: [Double], vectors: [[Double]]) {
    let n = a.count
    var m = a
    var v = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
    for _ in 0..<100 {
        var off = 0.0, diag = 0.0
        for i in 0..<n {
            diag += m[i][i] * m[i][i]
            for j in (i + 1)..<n where j < n { off += m[i][j] * m[i][j] }
        }
        if off <= 1e-30 * Swift.max(diag, 1e-300) { break }
        for p in 0..<n {
            for q in (p + 1)..<n where q < n {
                let apq = m[p][q]
                if apq == 0 { continue }
                let theta = (m[q][q] - m[p][p]) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (theta.magnitude + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot()
                let s = t * c
                for k in 0..<n {
                    let mkp = m[k][p], mkq = m[k][q]
                    m[k][p] = c * mkp - s * mkq
                    m[k][q] = s * mkp + c * mkq
                }
                for k in 0..<n {
                    let mpk = m[p][k], mqk = m[q][k]
                    m[p][k] = c * mpk - s * mqk
                    m[q][k] = s * mpk + c * mqk
                }
                for k in 0..<n {
                    let vkp = v[k][p], vkq = v[k][q]
                    v[k][p] = c * vkp - s * vkq
                    v[k][q] = s * vkp + c * vkq
                }
            }
        }
    }
    return ((0..<n).map { m[$0][$0] }, v)
}

/// Eigendecomposition of a real symmetric matrix by cyclic Jacobi rotations (Golub and Van Loan,
/// "Matrix Computations", 4th ed., §8.5): A = V · diag(λ) · Vᵀ with V orthogonal (columns are the
/// eigenvectors). Converges quadratically; stops when the off-diagonal mass is below 1e-30 relative
/// to the diagonal's, or after 100 sweeps. Input and output are row-major n×n arrays; the work is done
/// on flat buffers.
func symmetricEigen(_ a: [[Double]]) -> (values: [Double], vectors: [[Double]]) {
    let n = a.count
    var m = a.flatMap { $0 }
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    m.withUnsafeMutableBufferPointer { m in
        v.withUnsafeMutableBufferPointer { v in
            for _ in 0..<100 {
                var off = 0.0, diag = 0.0
                for i in 0..<n {
                    diag += m[i * n + i] * m[i * n + i]
                    var j = i + 1
                    while j < n { off += m[i * n + j] * m[i * n + j]; j += 1 }
                }
                if off <= 1e-30 * Swift.max(diag, 1e-300) { break }
                for p in 0..<n {
                    var q = p + 1
                    while q < n {
                        let apq = m[p * n + q]
                        if apq != 0 {
                            let theta = (m[q * n + q] - m[p * n + p]) / (2 * apq)
                            let t = (theta >= 0 ? 1.0 : -1.0) / (theta.magnitude + (theta * theta + 1).squareRoot())
                            let c = 1 / (t * t + 1).squareRoot()
                            let s = t * c
                            for k in 0..<n {
                                let mkp = m[k * n + p], mkq = m[k * n + q]
                                m[k * n + p] = c * mkp - s * mkq
                                m[k * n + q] = s * mkp + c * mkq
                            }
                            for k in 0..<n {
                                let mpk = m[p * n + k], mqk = m[q * n + k]
                                m[p * n + k] = c * mpk - s * mqk
                                m[q * n + k] = s * mpk + c * mqk
                            }
                            for k in 0..<n {
                                let vkp = v[k * n + p], vkq = v[k * n + q]
                                v[k * n + p] = c * vkp - s * vkq
                                v[k * n + q] = s * vkp + c * vkq
                            }
                        }
                        q += 1
                    }
                }
            }
        }
    }
    return ((0..<n).map { m[$0 * n + $0] }, (0..<n).map { i in Array(v[(i * n)..<((i + 1) * n)]) })
}

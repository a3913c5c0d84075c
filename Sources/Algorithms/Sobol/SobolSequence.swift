/// The Sobol sequence in base 2 (Sobol 1967; Bratley and Fox 1988, algorithm 659; direction numbers of
/// Joe and Kuo 2008), unscrambled points as `scipy.stats.qmc.Sobol(d, scramble=False)` gives them.
///
/// Notation
///   B = 32          bits per coordinate
///   s_j, a_j        degree and inner coefficients of dimension j's primitive polynomial
///                   x^s + a_1 x^(s−1) + … + a_(s−1) x + 1
///   m_jk            direction integers: m_j1 … m_js from the table, then for k > s
///                   m_jk = m_j(k−s) ⊕ 2^s·m_j(k−s) ⊕ ⊕_{i=1}^{s−1} 2^i·a_i·m_j(k−i)
///   v_jk = m_jk · 2^(B−k)    direction numbers (k = 1 … B)
///   point n, dimension j: x = ⊕_{k: bit k−1 of gray(n) is 1} v_jk, gray(n) = n ⊕ (n >> 1), u = x / 2^B.
/// Dimension 0 has m_jk = 1 for every k (the van der Corput sequence). Point 0 is the origin.
struct SobolSequence: Sendable {
    static let bits = 32
    /// directions[j][k−1] = v_jk.
    let directions: [[UInt32]]

    /// Precondition: 1 <= dimensions <= SobolDirections.dimensions.
    init(dimensions: Int) {
        precondition(dimensions >= 1 && dimensions <= SobolDirections.dimensions)
        var result: [[UInt32]] = []
        var offset = 0
        for j in 0..<dimensions {
            let p = SobolDirections.polynomials[j]
            let s = j == 0 ? 0 : (UInt32.bitWidth - p.leadingZeroBitCount - 1)
            var m = [UInt32](repeating: 1, count: Self.bits + 1)   // m[k], k = 1 … bits
            if j > 0 {
                for k in 1...s { m[k] = SobolDirections.initialNumbers[offset + k - 1] }
                offset += s
                if s < Self.bits {
                    for k in (s + 1)...Self.bits {
                        var value = m[k - s] ^ (m[k - s] << UInt32(s))
                        for i in 1..<s where (p >> UInt32(s - i)) & 1 == 1 {
                            value ^= m[k - i] << UInt32(i)
                        }
                        m[k] = value
                    }
                }
            }
            result.append((1...Self.bits).map { k in m[k] << UInt32(Self.bits - k) })
        }
        directions = result
    }

    /// Point `index` (0 is the origin) in [0, 1)^dimensions.
    func point(_ index: UInt64) -> [Double] { point(index, shift: nil) }

    /// The point after a digital shift: every coordinate's bits XOR `shift[j]` (nil: no shift). A
    /// shift keeps the net properties of the sequence and removes its bias towards the origin
    /// (Owen 2003).
    func point(_ index: UInt64, shift: [UInt32]?) -> [Double] {
        let gray = index ^ (index >> 1)
        return directions.enumerated().map { j, v in
            var x: UInt32 = shift?[j] ?? 0
            var g = gray
            var k = 0
            while g != 0 && k < Self.bits {
                if g & 1 == 1 { x ^= v[k] }
                g >>= 1
                k += 1
            }
            return Double(x) / 4_294_967_296.0
        }
    }
}

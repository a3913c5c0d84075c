/// The ENAS controller (Pham et al. 2018, "Efficient neural architecture search via parameter
/// sharing", ICML, macro search space): an LSTM that emits, per layer, an operation and the skip
/// connections from every earlier layer, trained by REINFORCE. The structure and the loss follow
/// Katib's TensorFlow controller (`pkg/suggestion/v1beta1/nas/enas/Controller.py`); forward and
/// backward passes are written out here.
///
/// Notation
///   H, O, L      hidden size, number of candidate operations, number of layers
///   lstm(x, c, h) [x; h]·W (2H × 4H, gates i, f, o, g): c' = σ(i)·Math.tanh(g) + σ(f)·c, h' = σ(o)·Math.tanh(c')
///   squash(a)    tanh_const·Math.tanh(a / temperature) (each part only when its setting is not None)
///   layer l      (c, h) = lstm(x_l, c, h); operation logits squash(h·W_soft) → op_l;
///                (c, h) = lstm(W_emb[op_l], c, h); for l > 0, per earlier layer j:
///                q_j = v·Math.tanh(h·W_a2 + h_j·W_a1), skip logits squash([−q_j, q_j]) → s_j ∈ {0, 1};
///                x_(l+1) = Σ_j s_j·h_j / (1 + Σ_j s_j) (l > 0), else g_emb; h_l = h
///   −log π       Σ of the cross-entropies of every choice
///   KL_l         Σ_j Σ_k σ(ℓ_jk)·ln(σ(ℓ_jk)/t_k), t = (1 − skip_target, skip_target), ℓ the skip logits
///   loss         −log π · (R + w_ent·entropy − b) + w_skip · mean_l KL_l
/// with the baseline b updated before each step, b ← b − (1 − decay)(b − (R + w_ent·entropy)), and
/// the entropy Σ (−log p)·p of the sampled choices treated as a constant (as Katib's stop_gradient).
struct ENASController: Sendable {
    struct Configuration: Sendable {
        var hidden: Int
        var operations: Int
        var layers: Int
        var temperature: Double?
        var tanhConstant: Double?
        var entropyWeight: Double?
        var baselineDecay: Double
        var learningRate: Double
        var skipTarget: Double
        var skipWeight: Double?
    }

    /// All parameters in one vector, in this order: W (2H·4H), g_emb (H), W_emb (O·H), W_soft (H·O),
    /// W_a1 (H·H), W_a2 (H·H), v (H).
    var theta: [Double]
    let config: Configuration
    /// Adam state (Kingma and Ba 2015; β1 0.9, β2 0.999, ε 1e-8, TensorFlow's defaults).
    var m: [Double]
    var v: [Double]
    var step = 0
    var baseline = 0.0

    var offW: Int { 0 }
    var offG: Int { 8 * config.hidden * config.hidden }
    var offEmb: Int { offG + config.hidden }
    var offSoft: Int { offEmb + config.operations * config.hidden }
    var offA1: Int { offSoft + config.hidden * config.operations }
    var offA2: Int { offA1 + config.hidden * config.hidden }
    var offV: Int { offA2 + config.hidden * config.hidden }
    static func parameterCount(_ c: Configuration) -> Int {
        8 * c.hidden * c.hidden + c.hidden + 2 * c.operations * c.hidden + 2 * c.hidden * c.hidden + c.hidden
    }

    /// Parameters drawn uniformly from [−0.01, 0.01] (Katib's initialiser).
    init(_ config: Configuration, _ rng: inout SeededRandom) {
        self.config = config
        let n = Self.parameterCount(config)
        theta = (0..<n).map { _ in -0.01 + 0.02 * rng.uniform() }
        m = [Double](repeating: 0, count: n)
        v = [Double](repeating: 0, count: n)
    }

    /// An architecture: per layer, the operation and the skip bits from layers 0 ..< l.
    struct Architecture: Sendable, Hashable {
        var operations: [Int]
        var skips: [[Int]]
    }

    /// Everything the backward pass needs about one LSTM step.
    struct LSTMStep {
        var z: [Double]       // [x; h_prev]
        var gates: [Double]   // σ(i), σ(f), σ(o), Math.tanh(g)
        var cPrev: [Double]
        var c: [Double]
        var h: [Double]
    }

    func lstm(_ x: [Double], _ c: [Double], _ h: [Double]) -> LSTMStep {
        let H = config.hidden
        let z = x + h
        var pre = [Double](repeating: 0, count: 4 * H)
        theta.withUnsafeBufferPointer { t in
            pre.withUnsafeMutableBufferPointer { p in
                for r in 0..<(2 * H) where z[r] != 0 {
                    let zr = z[r]
                    let row = offW + r * 4 * H
                    for k in 0..<(4 * H) { p[k] += zr * t[row + k] }
                }
            }
        }
        var gates = pre
        for k in 0..<(3 * H) { gates[k] = 1 / (1 + Math.exponential(-pre[k])) }
        for k in (3 * H)..<(4 * H) { gates[k] = Math.tanh(pre[k]) }
        var cNew = [Double](repeating: 0, count: H)
        var hNew = [Double](repeating: 0, count: H)
        for k in 0..<H {
            cNew[k] = gates[k] * gates[3 * H + k] + gates[H + k] * c[k]
            hNew[k] = gates[2 * H + k] * Math.tanh(cNew[k])
        }
        return LSTMStep(z: z, gates: gates, cPrev: c, c: cNew, h: hNew)
    }

    /// squash(a) and its derivative d squash / d a.
    func squash(_ a: Double) -> (Double, Double) {
        var value = a, slope = 1.0
        if let t = config.temperature { value /= t; slope /= t }
        if let k = config.tanhConstant {
            let th = Math.tanh(value)
            slope *= k * (1 - th * th)
            value = k * th
        }
        return (value, slope)
    }

    /// The forward pass of one layer sequence, choosing with `choose(logits)` (sampling, or replaying
    /// a given architecture). Returns the architecture, the tape, −log π, the entropy and the mean KL.
    struct Tape {
        var stepsA: [LSTMStep] = []
        var stepsB: [LSTMStep] = []
        var inputs: [[Double]] = []          // x_l
        var opLogits: [[Double]] = []        // squashed
        var opRaw: [[Double]] = []           // before squash
        var queries: [[Double]] = []         // h·W_a2 per layer (after B)
        var attention: [[[Double]]] = []     // Math.tanh(h·W_a2 + h_j·W_a1) per layer, per j
        var skipRaw: [[Double]] = []         // q_j per layer
        var hw: [[Double]] = []              // h_j·W_a1
        var architecture = Architecture(operations: [], skips: [])
        var negLogProb = 0.0
        var entropy = 0.0
        var meanKL = 0.0
    }

    func forward(choose: (_ layer: Int, _ skipOf: Int?, _ probabilities: [Double]) -> Int) -> Tape {
        let H = config.hidden, O = config.operations, L = config.layers
        var tape = Tape()
        var c = [Double](repeating: 0, count: H), h = c
        var x = Array(theta[offG..<(offG + H)])
        var allH: [[Double]] = []
        var klSum = 0.0
        let targets = [1 - config.skipTarget, config.skipTarget]
        for l in 0..<L {
            tape.inputs.append(x)
            let a = lstm(x, c, h)
            tape.stepsA.append(a)
            c = a.c; h = a.h
            var raw = [Double](repeating: 0, count: O)
            for r in 0..<H { for k in 0..<O { raw[k] += h[r] * theta[offSoft + r * O + k] } }
            let logits = raw.map { squash($0).0 }
            tape.opRaw.append(raw)
            tape.opLogits.append(logits)
            let p = softmax(logits)
            let op = choose(l, nil, p)
            tape.negLogProb -= Math.ln(p[op])
            tape.entropy += -Math.ln(p[op]) * p[op]
            tape.architecture.operations.append(op)
            x = Array(theta[(offEmb + op * H)..<(offEmb + (op + 1) * H)])
            let b = lstm(x, c, h)
            tape.stepsB.append(b)
            c = b.c; h = b.h
            var query = [Double](repeating: 0, count: H)
            for r in 0..<H { for k in 0..<H { query[k] += h[r] * theta[offA2 + r * H + k] } }
            tape.queries.append(query)
            var skips: [Int] = []
            var layerAttention: [[Double]] = []
            var layerRaw: [Double] = []
            if l > 0 {
                var kl = 0.0
                var sum = [Double](repeating: 0, count: H)
                for j in 0..<l {
                    let s = (0..<H).map { Math.tanh(query[$0] + tape.hw[j][$0]) }
                    let q = (0..<H).reduce(0.0) { $0 + s[$1] * theta[offV + $1] }
                    layerAttention.append(s)
                    layerRaw.append(q)
                    let logits2 = [squash(-q).0, squash(q).0]
                    let p2 = softmax(logits2)
                    let bit = choose(l, j, p2)
                    tape.negLogProb -= Math.ln(p2[bit])
                    tape.entropy += -Math.ln(p2[bit]) * p2[bit]
                    for k in 0..<2 {
                        let sg = 1 / (1 + Math.exponential(-logits2[k]))
                        kl += sg * Math.ln(sg / targets[k])
                    }
                    skips.append(bit)
                    if bit == 1 { for k in 0..<H { sum[k] += allH[j][k] } }
                }
                klSum += kl
                let count = Double(skips.reduce(0, +))
                x = sum.map { $0 / (1 + count) }
            } else {
                x = Array(theta[offG..<(offG + H)])
            }
            tape.attention.append(layerAttention)
            tape.skipRaw.append(layerRaw)
            tape.architecture.skips.append(skips)
            allH.append(h)
            var w1 = [Double](repeating: 0, count: H)
            for r in 0..<H { for k in 0..<H { w1[k] += h[r] * theta[offA1 + r * H + k] } }
            tape.hw.append(w1)
        }
        tape.meanKL = L > 1 ? klSum / Double(L - 1) : 0
        return tape
    }

    /// ∂loss/∂θ for a recorded tape, with the REINFORCE advantage fixed: loss = A·(−log π) +
    /// w_skip·mean KL.
    func gradient(_ tape: Tape, advantage A: Double) -> [Double] {
        let H = config.hidden, O = config.operations, L = config.layers
        var g = [Double](repeating: 0, count: theta.count)
        let klScale = (config.skipWeight ?? 0) / Double(Swift.max(L - 1, 1))
        let targets = [1 - config.skipTarget, config.skipTarget]
        var dAllH = [[Double]](repeating: [Double](repeating: 0, count: H), count: L)
        var dh = [Double](repeating: 0, count: H), dc = dh
        var dxNext = [Double](repeating: 0, count: H)   // gradient on x_(l+1)
        for l in stride(from: L - 1, through: 0, by: -1) {
            // x_(l+1) was built from this layer's skips (l > 0) or is g_emb (l = 0).
            if l > 0 {
                let skips = tape.architecture.skips[l]
                let denom = 1 + Double(skips.reduce(0, +))
                for j in 0..<l where skips[j] == 1 { for k in 0..<H { dAllH[j][k] += dxNext[k] / denom } }
            } else {
                for k in 0..<H { g[offG + k] += dxNext[k] }
            }
            // h after step B: from the next layer's recurrence (dh), its use as h_l (dAllH), the skip
            // attention of this layer, and W_a1 in later layers (already folded into dAllH).
            var dhB = (0..<H).map { dh[$0] + dAllH[l][$0] }
            if l > 0 {
                var dQuery = [Double](repeating: 0, count: H)
                for j in 0..<l {
                    let q = tape.skipRaw[l][j]
                    let (l0, s0) = squash(-q), (l1, s1) = squash(q)
                    let p = softmax([l0, l1])
                    let bit = tape.architecture.skips[l][j]
                    var dLogit = [A * (p[0] - (bit == 0 ? 1 : 0)), A * (p[1] - (bit == 1 ? 1 : 0))]
                    for (k, lk) in [l0, l1].enumerated() {
                        let sg = 1 / (1 + Math.exponential(-lk))
                        dLogit[k] += klScale * sg * (1 - sg) * (Math.ln(sg / targets[k]) + 1)
                    }
                    let dq = -dLogit[0] * s0 + dLogit[1] * s1
                    let s = tape.attention[l][j]
                    for k in 0..<H {
                        g[offV + k] += s[k] * dq
                        let dPre = theta[offV + k] * dq * (1 - s[k] * s[k])
                        dQuery[k] += dPre
                        // h_j·W_a1 → W_a1 and h_j.
                        let hj = tape.stepsB[j].h
                        for r in 0..<H { g[offA1 + r * H + k] += hj[r] * dPre }
                        for r in 0..<H { dAllH[j][r] += theta[offA1 + r * H + k] * dPre }
                    }
                }
                let hB = tape.stepsB[l].h
                for r in 0..<H {
                    var acc = 0.0
                    for k in 0..<H {
                        g[offA2 + r * H + k] += hB[r] * dQuery[k]
                        acc += theta[offA2 + r * H + k] * dQuery[k]
                    }
                    dhB[r] += acc
                }
            }
            // Step B (input W_emb[op]).
            let (dxB, dhA1, dcA) = lstmBackward(tape.stepsB[l], dh: dhB, dc: dc, into: &g)
            let op = tape.architecture.operations[l]
            for k in 0..<H { g[offEmb + op * H + k] += dxB[k] }
            // Operation logits from h after step A.
            var dhA = dhA1
            let p = softmax(tape.opLogits[l])
            for k in 0..<O {
                let dLogit = A * (p[k] - (k == op ? 1 : 0))
                let dRaw = dLogit * squash(tape.opRaw[l][k]).1
                let hA = tape.stepsA[l].h
                for r in 0..<H {
                    g[offSoft + r * O + k] += hA[r] * dRaw
                    dhA[r] += theta[offSoft + r * O + k] * dRaw
                }
            }
            // Step A (input x_l).
            let (dxA, dhPrev, dcPrev) = lstmBackward(tape.stepsA[l], dh: dhA, dc: dcA, into: &g)
            dxNext = dxA
            dh = dhPrev
            dc = dcPrev
        }
        // x_0 = g_emb.
        for k in 0..<H { g[offG + k] += dxNext[k] }
        return g
    }

    /// Backward through one LSTM step: accumulates ∂W into g; returns ∂x, ∂h_prev, ∂c_prev.
    func lstmBackward(_ s: LSTMStep, dh: [Double], dc: [Double], into g: inout [Double]) -> ([Double], [Double], [Double]) {
        let H = config.hidden
        var dPre = [Double](repeating: 0, count: 4 * H)
        var dcPrev = [Double](repeating: 0, count: H)
        for k in 0..<H {
            let i = s.gates[k], f = s.gates[H + k], o = s.gates[2 * H + k], gg = s.gates[3 * H + k]
            let tc = Math.tanh(s.c[k])
            let dcTotal = dc[k] + dh[k] * o * (1 - tc * tc)
            dPre[k] = dcTotal * gg * i * (1 - i)
            dPre[H + k] = dcTotal * s.cPrev[k] * f * (1 - f)
            dPre[2 * H + k] = dh[k] * tc * o * (1 - o)
            dPre[3 * H + k] = dcTotal * i * (1 - gg * gg)
            dcPrev[k] = dcTotal * f
        }
        var dz = [Double](repeating: 0, count: 2 * H)
        theta.withUnsafeBufferPointer { t in
            g.withUnsafeMutableBufferPointer { gw in
                for r in 0..<(2 * H) {
                    let zr = s.z[r]
                    let row = offW + r * 4 * H
                    var acc = 0.0
                    for k in 0..<(4 * H) {
                        gw[row + k] += zr * dPre[k]
                        acc += t[row + k] * dPre[k]
                    }
                    dz[r] = acc
                }
            }
        }
        return (Array(dz[0..<H]), Array(dz[H..<(2 * H)]), dcPrev)
    }

    /// One REINFORCE step on a known architecture with reward R: update the baseline, then Adam on
    /// the loss. Returns false (and changes nothing) when the architecture does not fit the controller.
    mutating func train(on architecture: Architecture, reward: Double) -> Bool {
        guard fits(architecture) else { return false }
        let tape = forward { layer, skipOf, _ in
            if let j = skipOf { return architecture.skips[layer][j] }
            return architecture.operations[layer]
        }
        let total = reward + (config.entropyWeight ?? 0) * tape.entropy
        baseline -= (1 - config.baselineDecay) * (baseline - total)
        let grad = gradient(tape, advantage: total - baseline)
        step += 1
        let b1 = 0.9, b2 = 0.999, eps = 1e-8
        let lr = config.learningRate * (1 - Math.power(b2, Double(step))).squareRoot() / (1 - Math.power(b1, Double(step)))
        for k in 0..<theta.count {
            m[k] = b1 * m[k] + (1 - b1) * grad[k]
            v[k] = b2 * v[k] + (1 - b2) * grad[k] * grad[k]
            theta[k] -= lr * m[k] / (v[k].squareRoot() + eps)
        }
        return true
    }

    func fits(_ a: Architecture) -> Bool {
        a.operations.count == config.layers && a.skips.count == config.layers
            && a.operations.allSatisfy { $0 >= 0 && $0 < config.operations }
            && a.skips.enumerated().allSatisfy { l, s in s.count == l && s.allSatisfy { $0 == 0 || $0 == 1 } }
    }

    /// A sampled architecture.
    func sample(_ rng: inout SeededRandom) -> Architecture {
        forward { _, _, p in
            var u = rng.uniform()
            for (k, pk) in p.enumerated() {
                u -= pk
                if u < 0 { return k }
            }
            return p.count - 1
        }.architecture
    }

    /// The probabilities of every operation at layer `l` when replaying `prefix`'s choices before it
    /// (for tests and diagnostics).
    func operationProbabilities(layer: Int, following prefix: Architecture) -> [Double] {
        var result: [Double] = []
        _ = forward { l, skipOf, p in
            if let j = skipOf { return prefix.skips[l][j] }
            if l == layer { result = p }
            return prefix.operations[l]
        }
        return result
    }
}

func softmax(_ x: [Double]) -> [Double] {
    let top = x.max() ?? 0
    let e = x.map { Math.exponential($0 - top) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}


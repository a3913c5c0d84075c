/// Tree-ensemble surrogates for `bayesianoptimization`'s `base_estimator` RF, ET and GBRT, as
/// scikit-optimize builds them on scikit-learn:
///
/// - CART regression trees (Breiman et al. 1984): squared-error splits, thresholds halfway between
///   consecutive distinct feature values (`x <= t` goes left), at least `minSamplesLeaf` samples per
///   leaf; a node is a leaf when it holds fewer than max(2, 2·minSamplesLeaf) samples, its targets are
///   constant, or no split is allowed.
/// - `RF`: 100 trees on bootstrap samples, every feature at each split, min_samples_leaf 3
///   (Breiman 2001). `ET`: 100 trees on the whole sample with one uniformly random threshold per
///   feature, the best of those kept, min_samples_leaf 3 (Geurts et al. 2006, "Extremely randomized
///   trees"). Both predict the mean over trees and the standard deviation by the law of total
///   variance, E[Var(y | tree)] + Var(E[y | tree]), each tree's variance being its leaf's
///   (Hutter et al. 2014, arXiv:1211.0906 §4.3.2; skopt's `_return_std`).
/// - `GBRT`: gradient boosting with the pinball loss (Friedman 2001) at the quantiles 0.16, 0.5 and
///   0.84, 30 stages of depth-3 trees, learning rate 0.1; each leaf's value is the quantile of the
///   residuals it holds. The mean is the 0.5 quantile, the standard deviation half the 0.16–0.84 spread.
///
/// Notation: n samples, d features; `x` is n×d row-major. Randomness (bootstrap, feature order,
/// ET thresholds) comes from the caller's `SeededRandom`, so the model is a function of the request.
struct RegressionTree: Sendable {
    /// Per node: split feature (-1 for a leaf), threshold, children, mean target, target variance.
    private(set) var feature: [Int] = []
    private(set) var threshold: [Double] = []
    private(set) var left: [Int] = []
    private(set) var right: [Int] = []
    private(set) var value: [Double] = []
    private(set) var variance: [Double] = []

    enum Splitter { case best, random }

    struct Options {
        var minSamplesLeaf = 1
        var maxDepth = Int.max
        var splitter = Splitter.best
    }

    /// The leaf `x` falls in.
    func leaf(_ x: UnsafeBufferPointer<Double>) -> Int {
        var node = 0
        while feature[node] >= 0 { node = x[feature[node]] <= threshold[node] ? left[node] : right[node] }
        return node
    }

    func predict(_ x: [Double]) -> Double { x.withUnsafeBufferPointer { value[leaf($0)] } }

    /// Replaces each leaf's value (gradient boosting's terminal-region update).
    mutating func setLeafValue(_ node: Int, _ v: Double) { value[node] = v }

    /// Two values closer than this count as equal when looking for thresholds (scikit-learn's
    /// FEATURE_THRESHOLD), so rounding noise never becomes a split.
    static let featureThreshold = 1e-7

    /// Fits a tree to the samples with positive `weights` (bootstrap counts; 1 for a plain fit).
    static func fit(x: [Double], d: Int, y: [Double], weights: [Double], options: Options,
                    _ rng: inout SeededRandom) -> RegressionTree {
        var tree = RegressionTree()
        var samples = y.indices.filter { weights[$0] > 0 }
        var scratch = [(Double, Int)]()
        scratch.reserveCapacity(samples.count)
        // Depth-first with an explicit stack of (node, range of `samples`, depth).
        var stack: [(node: Int, start: Int, end: Int, depth: Int)] = []
        func addNode(_ start: Int, _ end: Int) -> Int {
            var w = 0.0, s = 0.0, ss = 0.0
            for i in samples[start..<end] { w += weights[i]; s += weights[i] * y[i]; ss += weights[i] * y[i] * y[i] }
            let mean = s / w
            tree.feature.append(-1); tree.threshold.append(0); tree.left.append(-1); tree.right.append(-1)
            tree.value.append(mean)
            tree.variance.append(Swift.max(ss / w - mean * mean, 0))
            return tree.value.count - 1
        }
        guard !samples.isEmpty else {
            tree.feature = [-1]; tree.threshold = [0]; tree.left = [-1]; tree.right = [-1]; tree.value = [0]; tree.variance = [0]
            return tree
        }
        stack.append((addNode(0, samples.count), 0, samples.count, 0))
        let minLeaf = Swift.max(options.minSamplesLeaf, 1)
        while let (node, start, end, depth) = stack.popLast() {
            let count = end - start
            if depth >= options.maxDepth || count < Swift.max(2, 2 * minLeaf)
                || tree.variance[node] <= Double.ulpOfOne { continue }
            var totalW = 0.0, totalS = 0.0
            for i in samples[start..<end] { totalW += weights[i]; totalS += weights[i] * y[i] }
            var best: (proxy: Double, feature: Int, threshold: Double)? = nil
            var order = Array(0..<d)
            rng.shuffle(&order)
            for f in order {
                scratch.removeAll(keepingCapacity: true)
                for i in samples[start..<end] { scratch.append((x[i * d + f], i)) }
                scratch.sort { $0.0 < $1.0 }
                let lo = scratch[0].0, hi = scratch[count - 1].0
                if hi <= lo + featureThreshold { continue }
                // Squared-error proxy: sum_L²/w_L + sum_R²/w_R (the node's own term is constant).
                switch options.splitter {
                case .best:
                    var wL = 0.0, sL = 0.0
                    for p in 1..<count {
                        let i = scratch[p - 1].1
                        wL += weights[i]; sL += weights[i] * y[i]
                        if scratch[p].0 <= scratch[p - 1].0 + featureThreshold { continue }
                        if p < minLeaf || count - p < minLeaf { continue }
                        let wR = totalW - wL, sR = totalS - sL
                        let proxy = sL * sL / wL + sR * sR / wR
                        if best == nil || proxy > best!.proxy {
                            var t = scratch[p - 1].0 / 2 + scratch[p].0 / 2
                            if t == scratch[p].0 || !t.isFinite { t = scratch[p - 1].0 }
                            best = (proxy, f, t)
                        }
                    }
                case .random:
                    var t = lo + rng.uniform() * (hi - lo)
                    if t >= hi { t = lo }
                    var wL = 0.0, sL = 0.0, nL = 0
                    for (v, i) in scratch where v <= t { wL += weights[i]; sL += weights[i] * y[i]; nL += 1 }
                    if nL < minLeaf || count - nL < minLeaf { continue }
                    let wR = totalW - wL, sR = totalS - sL
                    let proxy = sL * sL / wL + sR * sR / wR
                    if best == nil || proxy > best!.proxy { best = (proxy, f, t) }
                }
            }
            guard let split = best else { continue }
            // Partition samples[start..<end] so that the left child's come first.
            var mid = start
            for k in start..<end where x[samples[k] * d + split.feature] <= split.threshold {
                samples.swapAt(k, mid)
                mid += 1
            }
            let l = addNode(start, mid), r = addNode(mid, end)
            tree.feature[node] = split.feature
            tree.threshold[node] = split.threshold
            tree.left[node] = l
            tree.right[node] = r
            stack.append((r, mid, end, depth + 1))
            stack.append((l, start, mid, depth + 1))
        }
        return tree
    }

    /// The leaf each of the n rows of `x` falls in (for gradient boosting's leaf update).
    func leaves(of x: [Double], d: Int, n: Int) -> [Int] {
        x.withUnsafeBufferPointer { all in (0..<n).map { leaf(UnsafeBufferPointer(rebasing: all[($0 * d)..<($0 * d + d)])) } }
    }
}

/// A surrogate's prediction: mean and variance of the (standardised) loss at a point.
typealias SurrogatePrediction = (mean: Double, variance: Double)

/// RF and ET (see the file comment).
struct TreeForest: Sendable {
    let trees: [RegressionTree]

    static let treeCount = 100
    static let minSamplesLeaf = 3

    static func fit(_ xs: [[Double]], _ ys: [Double], extraTrees: Bool, _ rng: inout SeededRandom) -> TreeForest {
        let n = xs.count, d = xs.first?.count ?? 0
        let flat = xs.flatMap { $0 }
        let options = RegressionTree.Options(minSamplesLeaf: minSamplesLeaf, splitter: extraTrees ? .random : .best)
        var trees: [RegressionTree] = []
        trees.reserveCapacity(treeCount)
        for _ in 0..<treeCount {
            var weights = [Double](repeating: extraTrees ? 1 : 0, count: n)
            if !extraTrees { for _ in 0..<n { weights[rng.index(below: n)] += 1 } }
            trees.append(RegressionTree.fit(x: flat, d: d, y: ys, weights: weights, options: options, &rng))
        }
        return TreeForest(trees: trees)
    }

    func predict(_ x: [Double]) -> SurrogatePrediction {
        x.withUnsafeBufferPointer { p in
            var mean = 0.0, second = 0.0
            for t in trees {
                let leaf = t.leaf(p)
                let m = t.value[leaf]
                mean += m
                second += t.variance[leaf] + m * m
            }
            let k = Double(trees.count)
            mean /= k
            return (mean, Swift.max(second / k - mean * mean, 0))
        }
    }
}

/// GBRT (see the file comment).
struct QuantileBoosting: Sendable {
    struct Model: Sendable {
        let initial: Double
        let trees: [RegressionTree]
        func predict(_ x: [Double]) -> Double {
            trees.reduce(initial) { $0 + QuantileBoosting.learningRate * $1.predict(x) }
        }
    }

    let models: [Model]   // at quantiles 0.16, 0.5, 0.84

    static let quantiles = [0.16, 0.5, 0.84]
    static let stages = 30
    static let learningRate = 0.1
    static let maxDepth = 3

    static func fit(_ xs: [[Double]], _ ys: [Double], stages: Int = stages, _ rng: inout SeededRandom) -> QuantileBoosting {
        let flat = xs.flatMap { $0 }, d = xs.first?.count ?? 0
        return QuantileBoosting(models: quantiles.map { fitOne(flat, d: d, ys, alpha: $0, stages: stages, &rng) })
    }

    /// One quantile, as scikit-learn's GradientBoostingRegressor(loss="quantile"): F₀ = the α-quantile
    /// of y (linear interpolation); each stage fits a tree to the pinball loss's negative gradient (α
    /// where y ≥ F, α − 1 elsewhere) and sets each leaf to the lower α-quantile of its residuals y − F
    /// (the smallest residual whose rank reaches α of the leaf's count).
    /// `flat` is the n×d inputs, row-major.
    static func fitOne(_ flat: [Double], d: Int, _ ys: [Double], alpha: Double, stages: Int, _ rng: inout SeededRandom) -> Model {
        let n = ys.count
        let initial = linearQuantile(ys.sorted(), alpha)
        var f = [Double](repeating: initial, count: n)
        var trees: [RegressionTree] = []
        let ones = [Double](repeating: 1, count: n)
        let options = RegressionTree.Options(minSamplesLeaf: 1, maxDepth: maxDepth, splitter: .best)
        for _ in 0..<stages {
            let gradient = (0..<n).map { ys[$0] >= f[$0] ? alpha : alpha - 1 }
            var tree = RegressionTree.fit(x: flat, d: d, y: gradient, weights: ones, options: options, &rng)
            let leafOf = tree.leaves(of: flat, d: d, n: n)
            var residuals: [Int: [Double]] = [:]
            for i in 0..<n { residuals[leafOf[i], default: []].append(ys[i] - f[i]) }
            for (node, r) in residuals { tree.setLeafValue(node, lowerQuantile(r, alpha)) }
            for i in 0..<n { f[i] += learningRate * tree.value[leafOf[i]] }
            trees.append(tree)
        }
        return Model(initial: initial, trees: trees)
    }

    /// The first sorted value whose rank k (1-based) has k ≥ q·count (scikit-learn's
    /// `_weighted_percentile` with unit weights).
    static func lowerQuantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        let target = q * Double(sorted.count)
        var k = 0
        while k < sorted.count - 1 && Double(k + 1) < target { k += 1 }
        return sorted[k]
    }

    func predict(_ x: [Double]) -> SurrogatePrediction {
        let low = models[0].predict(x), median = models[1].predict(x), high = models[2].predict(x)
        let sd = (high - low) / 2
        return (median, sd * sd)
    }
}

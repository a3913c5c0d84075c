/// Hyperband's bracket schedule (Li et al. 2018, "Hyperband: a novel bandit-based approach to
/// hyperparameter optimization", JMLR 18(185), Algorithm 1).
///
/// Notation
///   R      maximum resource per configuration (`r_l`), in units where the minimum is 1
///   η      reduction factor (`eta`) > 1
///   s_max  the largest s with η^s <= R (`RungMath.levels`)
///   b      bracket number 0, 1, 2, …: brackets cycle s = s_max, s_max − 1, …, 0, s_max, …
///          (one Hyperband iteration is s_max + 1 brackets; iterations repeat without end, so there is
///          always work for a free slot)
///   n      configurations a bracket starts: ⌈(s_max + 1)/(s + 1) · η^s⌉
///   n_i    configurations in rung i = 0 … s: n_0 = n, n_{i+1} = ⌊n_i / η⌋ (successive halving keeps
///          the best ⌊n_i / η⌋ of rung i)
///   r_i    resource of rung i: R · η^(i − s), so every bracket's last rung trains with R
///
/// Example R = 9, η = 3 (s_max = 2): bracket s=2: 9 configs @1 → 3 @3 → 1 @9; s=1: 5 @3 → 1 @9;
/// s=0: 3 @9. One iteration: 9+3+1+5+1+3 = 22 trials.
struct HyperbandSchedule: Sendable, Hashable {
    let maxResource: Double
    let eta: Double
    let sMax: Int

    init(maxResource: Double, eta: Double) {
        self.maxResource = maxResource
        self.eta = eta
        sMax = RungMath.levels(minResource: 1, maxResource: maxResource, eta: eta)
    }

    /// The s of bracket b.
    func s(bracket b: Int) -> Int { sMax - b % (sMax + 1) }

    /// n_0 … n_s of a bracket with this s.
    func rungSizes(s: Int) -> [Int] {
        var sizes = [RungMath.ceil(Double(sMax + 1) / Double(s + 1) * RungMath.power(eta, s))]
        for _ in 0..<s { sizes.append(Swift.max(1, RungMath.floor(Double(sizes[sizes.count - 1]) / eta))) }
        return sizes
    }

    /// r_0 … r_s of a bracket with this s.
    func rungResources(s: Int) -> [Double] {
        RungMath.resources(maxResource: maxResource, eta: eta, top: s)
    }

    /// Trials of one full iteration (every bracket run to its end without failures).
    var trialsPerIteration: Int {
        (0...sMax).reduce(0) { $0 + rungSizes(s: $1).reduce(0, +) }
    }
}

/// Derives the seed of a `SamplerContext` from the request, so that the same request gives the same
/// reply on any replica and after any restart, while successive calls of one experiment get
/// different seeds.
///
/// The seed is `StableHasher` over, in this order:
/// 1. a version tag (bump it to change every sequence on purpose);
/// 2. the algorithm name;
/// 3. the `random_state` setting when given, **otherwise** the experiment name: with a `random_state`,
///    an experiment re-created under another name reproduces its suggestions, as users of a seed expect;
/// 4. the trials **sorted by name** (Katib sends them in no guaranteed order), each as its name and
///    its order-independent assignments digest (`TrialRecord.assignmentsDigest`). Conditions and
///    metric values are left out: a call retried
///    after a trial moved from RUNNING to SUCCEEDED gets the same answer;
/// 5. `total_request_number` and `current_request_number`.
///
/// `experimentSeed` is the other entry: a seed that stays the same on every call of one experiment,
/// for what must be rebuilt identically on each call (cmaes's generations from trial names, sobol's
/// digital shift, enas's controller initialisation). It hashes the version tag, the discriminator
/// `experiment`, the algorithm name, the caller's `purpose`, then `random_state` or the experiment
/// name as above. Nothing else in the project may hash its own seed.
public enum SeedDerivation {
    public static let version = "katib-swift-seed-v2"

    public static func seed(algorithmName: String, experimentName: String, randomState: Int?,
                            history: TrialHistory, currentRequestNumber: Int, totalRequestNumber: Int) -> UInt64 {
        var h = StableHasher()
        h.combine(version)
        h.combine(algorithmName)
        combineSeedSource(&h, experimentName: experimentName, randomState: randomState)
        // `history.records` is already sorted by name, then assignments digest.
        h.combine(UInt64(history.records.count))
        for r in history.records {
            h.combine(r.name)
            h.combine(r.assignmentsDigest)
        }
        h.combine(Int64(totalRequestNumber))
        h.combine(Int64(currentRequestNumber))
        return h.finalize()
    }

    public static func experimentSeed(algorithmName: String, experimentName: String, randomState: Int?,
                                      purpose: String) -> UInt64 {
        var h = StableHasher()
        h.combine(version)
        h.combine("experiment")
        h.combine(algorithmName)
        h.combine(purpose)
        combineSeedSource(&h, experimentName: experimentName, randomState: randomState)
        return h.finalize()
    }

    /// Item 3: `random_state` when given, otherwise the experiment name.
    private static func combineSeedSource(_ h: inout StableHasher, experimentName: String, randomState: Int?) {
        if let randomState {
            h.combine(UInt64(1))
            h.combine(Int64(randomState))
        } else {
            h.combine(UInt64(0))
            h.combine(experimentName)
        }
    }
}

import SuggestionAPI

/// One trial of the history that this algorithm named (`TrialNaming`), with its fields decoded.
struct TaggedTrial: Sendable {
    let record: TrialRecord
    /// The fields of the name; the last one is the sequence number.
    let fields: [Int]
    var sequence: Int { fields[fields.count - 1] }
    var loss: Double? { record.loss }
    /// The result a rung ranks by: only SUCCEEDED trials have trained for their whole resource
    /// (an EARLYSTOPPED trial's metric comes from a shorter run, so it is never promoted).
    var rungLoss: Double? { record.condition == .succeeded ? record.loss : nil }
    var isPending: Bool { record.isPending }
}

/// The trials of a request that one algorithm named, and the next free sequence number.
struct MultiFidelityHistory: Sendable {
    /// Parsed trials whose assignments map into the current space, in sequence order.
    let trials: [TaggedTrial]
    /// The sequence number of the first assignment of this call: at least Katib's count of suggestions
    /// already made (`total_request_number − current_request_number`, which counts trials that have
    /// since vanished from requests), and above every sequence number in the history (for clients that
    /// do not send `total_request_number`).
    let nextSequence: Int

    init(_ context: SamplerContext, code: String, fieldCount: Int) {
        var parsed: [TaggedTrial] = []
        var maxSequence = -1
        for r in context.history.records {
            guard let f = TrialNaming.parse(r.name, experiment: context.problem.experimentName, code: code,
                                            fieldCount: fieldCount) else { continue }
            maxSequence = Swift.max(maxSequence, f[f.count - 1])
            if r.point != nil { parsed.append(TaggedTrial(record: r, fields: f)) }
        }
        trials = parsed.sorted { $0.sequence < $1.sequence }
        let katibCount = context.totalRequestNumber - context.requestCount
        nextSequence = Swift.max(0, katibCount, maxSequence + 1)
    }
}

/// The configurations of one rung with a result there, best first: each configuration's best loss at
/// the rung (its trials' `rungLoss`), ties broken by configuration number. What successive halving
/// promotes from (hyperband, bohb and asha alike).
func rankRung(_ rung: [Int: [TaggedTrial]]) -> [(c: Int, loss: Double, point: Point)] {
    var ranked: [(c: Int, loss: Double, point: Point)] = []
    for (c, trials) in rung {
        let done = trials.compactMap { t in t.rungLoss.map { (loss: $0, point: t.record.point!) } }
        if let best = done.min(by: { $0.loss < $1.loss }) { ranked.append((c, best.loss, best.point)) }
    }
    ranked.sort { ($0.loss, $0.c) < ($1.loss, $1.c) }
    return ranked
}

/// Fresh configurations drawn from the prior (what `random` hands out), distinct from the configurations of
/// pending and completed trials and from one another while the configuration space allows it.
/// The resource parameter takes the given value; distinctness ignores it.
struct ConfigurationDraws {
    let space: SearchSpace
    let resource: ResourceParameter?
    let transform: SearchSpaceTransform
    /// Configurations (points without the resource value) already taken.
    var taken: Set<Point>
    /// See `RandomSampler.freePoint` (built on first need, kept for the call).
    private var free: [Int]? = nil

    init(space: SearchSpace, resource: ResourceParameter?, history: TrialHistory) {
        self.space = space
        self.resource = resource
        transform = SearchSpaceTransform(space, categoricalEncoding: .index)
        if resource == nil {
            taken = history.takenPoints
        } else {
            taken = []
            for p in history.takenPoints { taken.insert(configuration(of: p)) }
        }
    }

    func configuration(of point: Point) -> Point {
        guard let resource else { return point }
        var c = point
        c.remove(at: resource.index)
        return c
    }

    /// Marks a point's configuration taken (for points chosen by other means, e.g. a model).
    mutating func take(_ point: Point) { taken.insert(configuration(of: point)) }

    func isTaken(_ point: Point) -> Bool { taken.contains(configuration(of: point)) }

    /// `point` with the resource parameter set to `value`.
    func with(_ point: Point, resourceValue value: ParameterValue) -> Point {
        guard let resource else { return point }
        var p = point
        p[resource.index] = value
        return p
    }

    /// A fresh configuration from the prior, with the resource value set; marked taken.
    mutating func draw(resourceValue: ParameterValue?, _ rng: inout SeededRandom) -> Point {
        var candidate = RandomSampler.draw(transform, &rng)
        var attempts = 1
        while isTaken(candidate) && attempts < RandomSampler.redraws {
            candidate = RandomSampler.draw(transform, &rng)
            attempts += 1
        }
        if isTaken(candidate), let free = freeConfiguration(&rng) { candidate = free }   // small finite spaces
        if let resourceValue { candidate = with(candidate, resourceValue: resourceValue) }
        take(candidate)
        return candidate
    }

    /// A point `breed` makes that is not taken (up to `RandomSampler.redraws` tries), else a fresh draw
    /// (`draw`); marked taken. `breed` nil: the fresh draw. For samplers that derive children from
    /// earlier trials (evolution, nsga2) in spaces without a resource parameter.
    mutating func distinct(_ rng: inout SeededRandom, breed: ((inout SeededRandom) -> Point)?) -> Point {
        if let breed {
            for _ in 0..<RandomSampler.redraws {
                let child = breed(&rng)
                if !isTaken(child) {
                    take(child)
                    return child
                }
            }
        }
        return draw(resourceValue: nil, &rng)
    }

    /// A uniformly chosen configuration not yet taken, when the configuration space is finite and
    /// small enough to enumerate; nil otherwise (repeats are then allowed).
    private mutating func freeConfiguration(_ rng: inout SeededRandom) -> Point? {
        let rest = SearchSpace(parameters: space.parameters.enumerated()
            .filter { $0.offset != resource?.index }.map(\.element))
        guard var point = RandomSampler.freePoint(rest, taken, &free, &rng) else { return nil }
        if let resource { point.insert(.integer(0), at: resource.index) }   // placeholder, set by the caller
        if let resource, case .double = space.parameters[resource.index].domain { point[resource.index] = .real(0) }
        return point
    }
}

import SuggestionAPI

/// One conditional parameter: `child` is active only while `parent` is active and takes one of
/// `values` (indices into the parent's list). Indices are positions in `SearchSpace.parameters`.
public struct Condition: Sendable, Hashable {
    public let child: Int
    public let parent: Int
    public let values: Set<Int>
}

/// Conditional search spaces, from the algorithm setting `conditions` (Katib's API has no field for
/// them, and Katib passes settings through unchanged).
///
/// Grammar: entries separated by `;`, each `child: parent in (value, value, ...)`; names and values
/// are trimmed of spaces, so a value cannot contain `,`, `;` or `)` or start or end with a space.
/// Rules (INVALID_ARGUMENT naming the entry otherwise): child and parent are parameters, the parent is
/// CATEGORICAL or DISCRETE, every value is in the parent's list (as written there), a parameter has at
/// most one condition, and conditions do not form a cycle; a parent may itself be conditional.
///
/// Katib substitutes every parameter into the trial template, so an inactive child still gets a value:
/// its **placeholder**, the lower bound for DOUBLE and INT, the first list value for DISCRETE and
/// CATEGORICAL (`SearchSpace.placeholder`). Every point a sampler sees or returns is **canonical**
/// (`SearchSpace.canonical`): inactive parameters at their placeholders. The shared paths make it so:
/// trials read from the history (`map`, `RowReader`), cube points decoded (`SearchSpaceTransform`),
/// finite points enumerated (`RandomSampler.freePoint`, grid), warm-start points.
public enum Conditions {
    public static let setting = Setting<String?>(
        "conditions", .text, default: nil,
        help: "Conditional parameters: \"child: parent in (v1, v2); ...\"; a child is active only while its CATEGORICAL or DISCRETE parent is active and takes one of the values. Inactive children get a placeholder (lower bound, or first list value).")

    /// The conditions of `text` in `space`, validated, ordered so that a parent's condition comes
    /// before its children's.
    public static func parse(_ text: String, space: SearchSpace) throws(RPCError) -> [Condition] {
        var conditions: [Condition] = []
        var conditioned: [Int: Int] = [:]   // child → parent
        let entries = text.split(separator: ";").map { String($0).trimming() }.filter { !$0.isEmpty }
        for (number, entry) in entries.enumerated() {
            func bad(_ why: String) -> RPCError {
                .invalidArgument("conditions entry \(number + 1) (\(entry)): \(why); write \"child: parent in (value, ...)\", entries separated by ;")
            }
            guard let colon = entry.firstIndex(of: ":") else { throw bad("no ':' after the child's name") }
            let childName = String(entry[..<colon]).trimming()
            let rule = String(entry[entry.index(after: colon)...]).trimming()
            guard let open = rule.firstIndex(of: "("), rule.hasSuffix(")") else {
                throw bad("the values must be listed in parentheses")
            }
            let head = String(rule[..<open]).trimming()
            guard head.hasSuffix(" in") else { throw bad("expected 'parent in (...)'") }
            let parentName = String(head.dropLast(3)).trimming()
            let inside = rule[rule.index(after: open) ..< rule.index(before: rule.endIndex)]
            let values = inside.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimming() }
            guard let child = space.index(of: childName) else {
                throw bad("\(childName) is not a parameter; parameters: " + space.names.joined(separator: ", "))
            }
            guard let parent = space.index(of: parentName) else {
                throw bad("\(parentName) is not a parameter; parameters: " + space.names.joined(separator: ", "))
            }
            guard child != parent else { throw bad("\(childName) cannot depend on itself") }
            let labels: [String]
            switch space.parameters[parent].domain {
            case .categorical(let l), .discrete(let l, _): labels = l
            case .double, .int:
                throw bad("the parent \(parentName) is \(space.parameters[parent].domain.typeName); a parent must be CATEGORICAL or DISCRETE")
            }
            var indices = Set<Int>()
            for v in values {
                guard let k = labels.firstIndex(of: v) else {
                    throw bad("\"\(v)\" is not a value of \(parentName); its values: " + labels.joined(separator: ", "))
                }
                indices.insert(k)
            }
            guard conditioned[child] == nil else { throw bad("\(childName) already has a condition; give one per parameter") }
            conditioned[child] = parent
            conditions.append(Condition(child: child, parent: parent, values: indices))
        }
        // Each child has one parent, so a cycle shows as a chain longer than the parameter count.
        func depth(_ j: Int) -> Int {
            var d = 0, k = j
            while let p = conditioned[k], d <= space.parameters.count { d += 1; k = p }
            return d
        }
        for c in conditions where depth(c.child) > space.parameters.count {
            throw .invalidArgument("conditions form a cycle through \(space.parameters[c.child].name); a parameter cannot depend on itself, directly or through others")
        }
        return conditions.sorted { (depth($0.child), $0.child) < (depth($1.child), $1.child) }
    }
}

extension SearchSpace {
    /// The value an inactive parameter `j` takes (see `Conditions`).
    public func placeholder(_ j: Int) -> ParameterValue {
        switch parameters[j].domain {
        case .double(let r): return .real(r.low)
        case .int(let r): return .integer(Int64(r.low))
        case .discrete, .categorical: return .choice(0)
        }
    }

    /// Per parameter, whether it is active at `point` (all true without conditions).
    public func activity(_ point: Point) -> [Bool] {
        var active = [Bool](repeating: true, count: parameters.count)
        for c in conditions {
            guard case .choice(let k) = point[c.parent] else { active[c.child] = false; continue }
            active[c.child] = active[c.parent] && c.values.contains(k)
        }
        return active
    }

    /// `point` with every inactive parameter at its placeholder.
    public func canonical(_ point: Point) -> Point {
        guard !conditions.isEmpty else { return point }
        var p = point
        for (j, on) in activity(point).enumerated() where !on { p[j] = placeholder(j) }
        return p
    }

    public func isCanonical(_ point: Point) -> Bool { conditions.isEmpty || canonical(point) == point }
}

/// How two allowlist rules' selections relate, decided from the queries alone (no document): for lint, which must
/// name rules that silently lose to another.
extension JSONPathQuery {
    public enum Overlap: Sendable, Equatable {
        /// No document has a node both select, or one inside the other's.
        case none
        /// Some document has a node both select (`$.items[*].sku` and `$.items[0].sku`).
        case sameNodes
        /// This query selects nodes inside what the other selects (`$.payment.card` inside `$.payment`).
        case inside
        /// The other query selects nodes inside what this one selects.
        case contains
    }

    /// Whether some document has a node selected by both queries, or by one inside the other's. Conservative: when
    /// the selectors alone cannot rule a shared node out (filters, slices, negative indices, `..`), they overlap.
    public func overlap(with other: JSONPathQuery) -> Overlap {
        if hasDescendantSegment || other.hasDescendantSegment { return .sameNodes }
        for (mine, theirs) in zip(segments, other.segments) {
            guard case .child(let left) = mine, case .child(let right) = theirs else { return .sameNodes }
            let meet = left.contains { a in right.contains { b in Self.mayMeet(a, b) } }
            if !meet { return .none }
        }
        if segments.count == other.segments.count { return .sameNodes }
        return segments.count > other.segments.count ? .inside : .contains
    }

    /// Whether two selectors, applied to the same node, can select the same child.
    static func mayMeet(_ a: Selector, _ b: Selector) -> Bool {
        switch (a, b) {
        case (.wildcard, _), (_, .wildcard), (.filter, _), (_, .filter): true
        case (.name(let x), .name(let y)): ExactName(x) == ExactName(y)
        case (.name, _), (_, .name): false
        case (.index(let x), .index(let y)): x == y || (x < 0) != (y < 0)
        default: true  // slices against indices or slices
        }
    }
}

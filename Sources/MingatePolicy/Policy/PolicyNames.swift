import Foundation

/// The one check of names that come from outside the policy files (command-line flags, admin and audit requests)
/// against the policy in force. A name the policy does not know can never match anything: accepting it would give
/// an answer that looks right and is not (a consent that never takes effect, an audit query that finds nothing).
extension PolicySet {
    public func checkPartner(_ id: String) throws(Refusal) -> Partner {
        guard let partner = partners[id] else {
            throw Refusal(.unknownPartner, "no partner '\(id)' in the policy in force" + Self.suggestion(id, among: partners.keys))
        }
        return partner
    }

    public func checkPurpose(partner id: String, purpose: String) throws(Refusal) -> (Partner, Purpose) {
        let partner = try checkPartner(id)
        guard let found = partner.purposes[purpose] else {
            throw Refusal(
                .unknownPurpose,
                "partner '\(id)' has no purpose '\(purpose)'" + Self.suggestion(purpose, among: partner.purposes.keys))
        }
        return (partner, found)
    }

    public func checkCaller(_ id: String) throws(Refusal) {
        guard callers.contains(where: { $0.id == id }) || id == Disclosure.erasure else {
            throw Refusal(.badRequest, "no caller '\(id)' in the policy in force" + Self.suggestion(id, among: callers.map(\.id)))
        }
    }

    /// The names of a ledger search (audit query, `/audit/records`): a misspelt one would find nothing and look
    /// like "no such disclosure". A purpose without a partner must be one some partner has.
    /// With `hooks`, the purpose is a hook id (a search of `inbound` entries).
    public func checkSearch(partner: String?, purpose: String?, caller: String?, hooks: Bool = false) throws(Refusal) {
        if hooks {
            if let partner { _ = try checkPartner(partner) }
            if let purpose, !partners.values.contains(where: { ($0.id == partner || partner == nil) && $0.hooks[purpose] != nil }) {
                throw Refusal(.unknownHook, "no hook '\(purpose)'\(partner.map { " of partner '\($0)'" } ?? "")")
            }
            if let caller { try checkCaller(caller) }
            return
        }
        if let partner {
            if let purpose { _ = try checkPurpose(partner: partner, purpose: purpose) } else { _ = try checkPartner(partner) }
        } else if let purpose, purpose != Disclosure.erasure, !partners.values.contains(where: { $0.purposes[purpose] != nil }) {
            let all = Set(partners.values.flatMap { $0.purposes.keys })
            throw Refusal(.unknownPurpose, "no partner has a purpose '\(purpose)'" + Self.suggestion(purpose, among: all))
        }
        if let caller { try checkCaller(caller) }
    }

    /// A consent that can take effect: a known partner and purpose, a kind the purpose asks for, and evidence of
    /// where the person gave it (a consent-screen record id, a signed form). Returns the kind.
    public func checkConsent(partner: String, purpose: String, kind: String, evidence: String?) throws(Refusal) -> ConsentNeed {
        guard let need = ConsentNeed(rawValue: kind) else {
            throw Refusal(.badConsent, "kind is purpose, transfer or guardian, not '\(kind)'")
        }
        let (found, foundPurpose) = try checkPurpose(partner: partner, purpose: purpose)
        switch need {
        case .purpose, .guardian:
            guard foundPurpose.legalBasis == .consent else {
                throw Refusal(
                    .badConsent,
                    "\(partner)/\(purpose) rests on \(foundPurpose.legalBasis.rawValue), not consent: a \(kind) consent for it is never asked for")
            }
        case .transfer:
            guard found.country != homeCountry, foundPurpose.transferBasis == .consent else {
                throw Refusal(.badConsent, "\(partner)/\(purpose) needs no transfer consent (the partner is in \(found.country))")
            }
        }
        let trimmed = evidence?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !trimmed.isEmpty else {
            throw Refusal(.badConsent, "a consent needs its evidence: where it can be shown (a consent-screen record id, a signed form)")
        }
        guard trimmed.count <= 500 else { throw Refusal(.badConsent, "evidence is a reference of at most 500 characters, not a document") }
        return need
    }

    /// `; did you mean 'x'?` for the closest known name within two edits, else nothing.
    static func suggestion(_ name: String, among known: some Sequence<String>) -> String {
        var best: (name: String, distance: Int)?
        for candidate in known.sorted() {
            let distance = editDistance(name, candidate)
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        guard let best, best.distance <= Swift.max(2, name.count / 4) else { return "" }
        return "; did you mean '\(best.name)'?"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                let substitution: Int = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                let deletion: Int = previous[j] + 1
                let insertion: Int = current[j - 1] + 1
                current[j] = Swift.min(substitution, deletion, insertion)
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// Step 1 of a decision: where the call is aimed. A declared partner, one of its purposes, and the route
/// template the method and path fall under. Nothing undeclared is ever passed through.
public struct Placement: Sendable {
    /// The request target, parsed and checked.
    public let path: PartnerPath
    /// The route template matched, like `POST /v2/charge`.
    public let route: RouteTemplate
    let partnerPlan: Enforcer.PartnerPlan
    let purposePlan: Enforcer.PurposePlan

    public var partner: Partner { partnerPlan.partner }
    public var purpose: Purpose { purposePlan.purpose }

    /// The route's `{name}` parameters with the values the request put there, in order.
    var parameters: [(name: String, value: String)] {
        zip(route.segments, path.segments).compactMap { template, value in
            if case .parameter(let name) = template { (name, value) } else { nil }
        }
    }

    /// The partner path with each parameter replaced by its minimised value, percent-encoded.
    func outboundPath(parameters values: [String]) -> String {
        var values = values.makeIterator()
        let segments = route.segments.map { segment in
            switch segment {
            case .literal(let text): text
            case .parameter: values.next() ?? ""
            }
        }
        return segments.isEmpty ? "/" : "/" + segments.map(FormEncoding.escapePathSegment).joined(separator: "/")
    }
}

/// Step 2 of a decision: this caller may use this purpose, on this legal basis, for this data subject.
/// Carries what the permit established and the consents the store must still confirm.
public struct Permit: Sendable {
    public let placement: Placement
    public let caller: Caller
    /// The data subject as the request names it in a header; a purpose may instead name it in the body.
    public let subjectID: String?
    /// An authority's reference, for a legal request.
    public let legalReference: String?
    /// Consents the store must show granted before anything leaves (purpose, transfer, guardian).
    public let consentNeeds: [ConsentNeed]
}

/// Step 3 of a decision: the minimised request, ready to leave once the consents it needs are confirmed.
///
/// The edge asks the consent store about `consentNeeds` and hands the answer back; the verdict, not the edge,
/// turns a missing consent into a refusal.
public struct Verdict: Sendable {
    public let outbound: OutboundRequest
    /// The record of the forward, as it goes to the ledger when every consent is there.
    public let disclosure: Disclosure
    /// Consents to confirm in the store; empty when the legal basis needs none.
    public let consentNeeds: [ConsentNeed]

    /// The final decision, given the first consent the store did not show granted (nil: all are there).
    public func decision(missingConsent: ConsentNeed?) -> Decision {
        guard let missingConsent else { return .forward(outbound, disclosure) }
        return refused(missingConsent.refusal)
    }

    /// The final decision when the consent store could not be asked: refused, nothing sent.
    public func consentUnavailable() -> Decision {
        refused(Refusal(.consentUnavailable, "consent cannot be checked now; nothing was sent"))
    }

    private func refused(_ refusal: Refusal) -> Decision {
        var record = disclosure
        record.refuse(refusal)
        return .refuse(refusal, record)
    }
}

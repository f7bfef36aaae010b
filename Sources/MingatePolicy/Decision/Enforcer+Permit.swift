extension Enforcer {
    /// Headers that steer the gateway and may appear once at most: a repeated one is refused, never resolved by
    /// picking one of its values.
    static let controlHeaders = ["x-mingate-subject", "x-mingate-legal-reference", "x-mingate-subject-minor"]

    /// Step 2: may this caller use the placed purpose, and on what terms. Reads only headers: it runs before
    /// the body is read.
    public func permit(_ placement: Placement, caller: Caller, headers: [(name: String, value: String)]) throws(Refusal)
        -> Permit
    {
        let partner = placement.partner
        let purpose = placement.purpose
        guard caller.mayUse(partner: partner.id, purpose: purpose.id) else {
            throw Refusal(.callerNotAllowed, "caller '\(caller.id)' may not use \(partner.id)/\(purpose.id)")
        }
        if partner.country != policy.homeCountry && purpose.transferBasis == nil {
            // The compiler refuses such a policy; this is the belt to its braces.
            throw Refusal(.callerNotAllowed, "no transfer basis for a partner outside \(policy.homeCountry)")
        }
        var control: [String: String] = [:]
        var subjectHeader: String?
        if case .header(let name) = purpose.subject { subjectHeader = name }
        // Whether the request declares a body (HTTP/1.1 has none without one of these); the body itself is checked
        // again when it has been read (`minimise`).
        var declaresBody = false
        for header in headers {
            let name = header.name.lowercased()
            if name == "transfer-encoding" || (name == "content-length" && !Self.isZero(header.value)) {
                declaresBody = true
            }
            guard Self.controlHeaders.contains(name) || name == subjectHeader else { continue }
            guard control[name] == nil else {
                throw Refusal(.duplicateControlHeader, "'\(header.name)' appears more than once")
            }
            control[name] = header.value
        }

        var subjectID: String?
        if let subjectHeader, let value = control[subjectHeader], !Self.isBlank(value) {
            subjectID = value
        }
        if purpose.requiresSubject(hasBody: declaresBody) && subjectID == nil, case .header = purpose.subject {
            throw Refusal(.subjectRequired, "this request can disclose personal data: name the data subject (X-Mingate-Subject)")
        }
        var legalReference: String?
        if purpose.legalRequest {
            guard let reference = control["x-mingate-legal-reference"]?.trimmingCharacters(in: .whitespaces),
                !reference.isEmpty, reference.count <= 200
            else {
                throw Refusal(
                    .legalReferenceRequired,
                    "a legal request carries its reference (X-Mingate-Legal-Reference: case number or document id)")
            }
            legalReference = reference
        }
        var needs: [ConsentNeed] = []
        if purpose.legalBasis == .consent { needs.append(.purpose) }
        if partner.country != policy.homeCountry && purpose.transferBasis == .consent { needs.append(.transfer) }
        if control["x-mingate-subject-minor"]?.lowercased() == "true" && purpose.legalBasis == .consent {
            needs.append(.guardian)
        }
        return Permit(
            placement: placement, caller: caller, subjectID: subjectID, legalReference: legalReference, consentNeeds: needs)
    }

    /// `value.trimmingCharacters(in: .whitespaces) == "0"`; Foundation only for a value with a space, a tab or a
    /// byte outside ASCII.
    static func isZero(_ value: String) -> Bool {
        if !value.utf8.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 >= 0x80 }) { return value == "0" }
        return value.trimmingCharacters(in: .whitespaces) == "0"
    }

    /// `value.trimmingCharacters(in: .whitespaces).isEmpty`; Foundation only for a value with a byte outside ASCII.
    static func isBlank(_ value: String) -> Bool {
        if !value.utf8.contains(where: { $0 >= 0x80 }) { return value.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 } }
        return value.trimmingCharacters(in: .whitespaces).isEmpty
    }
}

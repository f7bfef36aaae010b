import Crypto
import Foundation

/// Decides what happens to one request, in steps a reader can follow:
///
/// 1. `place`: which partner, purpose and route the call is aimed at;
/// 2. `permit`: may this (already identified) caller use it, on what legal basis, for which subject;
/// 3. `minimise`: body, query and headers cut down to the allowlists, credentials added; the result is a
///    `Verdict` that names the consents it still needs.
///
/// Pure: no I/O, no clock, no tokens (the edge identifies the caller and reads the body between the steps).
/// Built once per loaded policy, with allowlists compiled and keys derived. Every refusal becomes a `Decision`
/// with the record of what was known at that point (`refused`), so every path ends in the ledger.
public struct Enforcer: Sendable {
    public let policy: PolicySet
    public let limits: Limits
    let keys: EnforcerKeys
    let plans: [String: PartnerPlan]

    public struct Limits: Sendable {
        public var maxBodyBytes: Int
        public var maxJSONDepth: Int

        public init(maxBodyBytes: Int = 1_048_576, maxJSONDepth: Int = 32) {
            self.maxBodyBytes = maxBodyBytes
            self.maxJSONDepth = maxJSONDepth
        }
    }

    struct PartnerPlan: Sendable {
        let partner: Partner
        let transformer: Transformer
        let purposes: [String: PurposePlan]
        let hooks: [String: HookPlan]
    }

    struct PurposePlan: Sendable {
        let purpose: Purpose
        let json: JSONMinimiser?
        let form: FieldMinimiser?
        let path: FieldMinimiser
        let query: FieldMinimiser
        let headers: FieldMinimiser
        /// The partner's answer minimised for the caller; nil when the purpose declares no `response:`.
        let answer: AnswerMinimiser?
    }

    public init(policy: PolicySet, keys: EnforcerKeys, limits: Limits = Limits()) {
        self.policy = policy
        self.keys = keys
        self.limits = limits
        var plans: [String: PartnerPlan] = [:]
        for (id, partner) in policy.partners {
            let transformer = Transformer(pseudonymKey: Transformer.partnerKey(master: keys.pseudonym, partner: id))
            var purposes: [String: PurposePlan] = [:]
            for (purposeID, purpose) in partner.purposes {
                purposes[purposeID] = PurposePlan(
                    purpose: purpose,
                    json: purpose.body.json.map { JSONMinimiser(rules: $0, deny: policy.deny) },
                    form: purpose.body.form.map {
                        FieldMinimiser(rules: $0, deny: policy.deny, caseInsensitive: false, kind: "form")
                    },
                    path: FieldMinimiser(rules: purpose.pathParameters, deny: policy.deny, caseInsensitive: false, kind: "path"),
                    query: FieldMinimiser(rules: purpose.query, deny: policy.deny, caseInsensitive: false, kind: "query"),
                    headers: FieldMinimiser(
                        rules: purpose.headers, deny: policy.deny, caseInsensitive: true, kind: "header"),
                    answer: purpose.response.map {
                        AnswerMinimiser(
                            json: JSONMinimiser(rules: $0.json, deny: policy.deny),
                            headers: FieldMinimiser(rules: $0.headers, deny: policy.deny, caseInsensitive: true, kind: "response-header"),
                            transformer: transformer, maxJSONDepth: limits.maxJSONDepth)
                    })
            }
            var hooks: [String: HookPlan] = [:]
            for (hookID, hook) in partner.hooks {
                // `{hooks_url}/{partner}/{hook}`, built once; nil when the service names no hooks_url (refused).
                let deliveryURL = policy.callers.first { $0.id == hook.deliverTo }?.hooksURL.map { base in
                    (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/" + FormEncoding.escapePathSegment(id) + "/"
                        + FormEncoding.escapePathSegment(hookID)
                }
                hooks[hookID] = HookPlan(
                    hook: hook, json: JSONMinimiser(rules: hook.json, deny: policy.deny),
                    headers: FieldMinimiser(rules: hook.headers, deny: policy.deny, caseInsensitive: true, kind: "header"),
                    signatureHeaders: hook.verification.signatureHeaders, deliveryURL: deliveryURL)
            }
            plans[id] = PartnerPlan(partner: partner, transformer: transformer, purposes: purposes, hooks: hooks)
        }
        self.plans = plans
    }

    /// All three steps at once, for a caller already identified and a body already read, with every consent
    /// taken as granted: what `policy test` and `policy explain` run (the gateway runs the steps one by one,
    /// identifying first and asking the consent store last).
    public func decide(_ request: InboundRequest, caller: Caller?, requestID: String) -> Decision {
        var permit: Permit?
        do throws(Refusal) {
            guard let caller else { throw Refusal(.unauthenticated, "no caller") }
            let placement = try place(method: request.method, target: request.target)
            permit = try self.permit(placement, caller: caller, headers: request.headers)
            return try minimise(permit!, request, requestID: requestID).decision(missingConsent: nil)
        } catch {
            return refused(error, requestID: requestID, method: request.method, target: request.target, caller: caller, permit: permit)
        }
    }

    /// The record of a refusal at any step: who called (when known), where the call was aimed (as far as the
    /// target names a declared partner and purpose), why it was refused. Nothing is listed as disclosed.
    public func refused(
        _ refusal: Refusal, requestID: String, method: String, target: String, caller: Caller?, permit: Permit?
    ) -> Decision {
        var record = Disclosure(requestID: requestID, method: method, policyVersion: policy.version)
        record.caller = caller?.id
        if let permit {
            describe(permit, into: &record)
        } else if let path = try? PartnerPath.parse(target), let plan = plans[path.partner] {
            record.name(plan.partner)
            if let purpose = plan.purposes[path.purpose]?.purpose {
                record.purpose = purpose.id
                record.legalBasis = purpose.legalBasis.rawValue
                record.transferBasis = purpose.transferBasis?.rawValue
            }
        }
        record.refuse(refusal)
        return .refuse(refusal, record)
    }

    /// Fills in what a permit established: caller, recipient, purpose, basis, route, subject, legal reference.
    func describe(_ permit: Permit, into record: inout Disclosure) {
        let partner = permit.placement.partner
        let purpose = permit.placement.purpose
        record.caller = permit.caller.id
        record.name(partner)
        record.purpose = purpose.id
        record.legalBasis = purpose.legalBasis.rawValue
        record.transferBasis = purpose.transferBasis?.rawValue
        record.route = permit.placement.route.description
        record.legalReference = permit.legalReference
        record.subjectKey = permit.subjectID.map { subjectKey(for: $0) }
    }

    /// The partner's credential header as injected on every request to it.
    public func credentialHeader(for partner: String) -> (name: String, value: String)? {
        guard let injection = policy.partners[partner]?.credentials, let value = keys.credentials[partner] else { return nil }
        return (injection.header, value)
    }

    /// The subject's keyed hash as recorded in the ledger.
    public func subjectKey(for subjectID: String) -> String {
        KeyedDigests.subjectKey(subjectID, ledgerKey: keys.ledger)
    }

    /// Keyed digest of an outbound body.
    public func digest(_ body: [UInt8]) -> String {
        KeyedDigests.hex(HMAC<SHA256>.authenticationCode(for: body, using: keys.ledger))
    }

    /// A consent's evidence as the ledger keeps it (`ConsentEvidence`): a reference as typed, anything else as
    /// `hmac-sha256:` and the keyed digest of `"evidence:" ‖ value`. Surrounding white space is not part of it.
    public func evidence(_ typed: String) -> String {
        let trimmed = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        if ConsentEvidence.isReference(trimmed) { return trimmed }
        return ConsentEvidence.digestPrefix
            + KeyedDigests.hex(HMAC<SHA256>.authenticationCode(for: Data(("evidence:" + trimmed).utf8), using: keys.ledger))
    }

    /// Keyed digest of something that is not personal data but should not be stored as is (a client address).
    public func sourceKey(for source: String) -> String {
        String(KeyedDigests.hex(HMAC<SHA256>.authenticationCode(for: Data(("source:" + source).utf8), using: keys.ledger)).prefix(16))
    }
}

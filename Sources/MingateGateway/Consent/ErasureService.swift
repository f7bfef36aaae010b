import Foundation
import Logging
import MingateLedger
import MingatePolicy

/// Tells every recipient of a person's data that it must be erased: partners with an erasure endpoint get a request
/// through the gateway (recorded in the ledger like any disclosure: only the subject id and the erasure id are
/// sent), partners with only a contact become notices to send, and the status per partner is kept.
struct ErasureService: Sendable {
    let policy: PolicyHolder
    let pipeline: DisclosurePipeline
    let records: SubjectLedger
    let ledger: any LedgerLog
    let logger: Logger

    struct Report: Sendable {
        let erasureID: String
        let subjectKey: String
        let statuses: [ErasureStatus]
    }

    func erase(subject: String) async throws -> Report {
        let loaded = policy.current
        let subjectKey = loaded.enforcer.subjectKey(for: subject)
        let erasureID = "er-" + UUID().uuidString.lowercased()
        // Every partner a forward decision disclosed this person's data to.
        let decisions = try await ledger.query(LedgerFilter(subjectKey: subjectKey, decision: "forward"), after: .start, limit: 1_000_000)
        var partners: [String] = []
        for entry in decisions {
            if let partner = entry.document?["partner"]?.stringValue, entry.document?["purpose"]?.stringValue != Disclosure.erasure,
                !partners.contains(partner)
            {
                partners.append(partner)
            }
        }
        var statuses: [ErasureStatus] = []
        for partnerID in partners {
            let now = LedgerEncoding.timestamp(Date())
            guard let partner = loaded.policy.partners[partnerID] else {
                statuses.append(ErasureStatus(erasureID: erasureID, subjectKey: subjectKey, partner: partnerID, channel: "none", state: .noChannel, at: now, detail: "the partner is no longer in the policy"))
                continue
            }
            switch partner.erasure {
            case .none:
                statuses.append(ErasureStatus(erasureID: erasureID, subjectKey: subjectKey, partner: partnerID, channel: "none", state: .noChannel, at: now, detail: nil))
            case .contact(let contact):
                statuses.append(ErasureStatus(erasureID: erasureID, subjectKey: subjectKey, partner: partnerID, channel: "contact \(contact)", state: .noticePending, at: now, detail: nil))
            case .endpoint(let method, let path):
                let (state, detail) = await send(partner: partner, method: method, path: path, subject: subject, subjectKey: subjectKey, erasureID: erasureID, loaded: loaded)
                statuses.append(ErasureStatus(erasureID: erasureID, subjectKey: subjectKey, partner: partnerID, channel: "endpoint \(method) \(path)", state: state, at: now, detail: detail))
            }
        }
        for status in statuses { try await records.record(status) }
        logger.notice("erasure propagated", metadata: ["erasure.id": "\(erasureID)", "erasure.partners": "\(statuses.count)"])
        return Report(erasureID: erasureID, subjectKey: subjectKey, statuses: statuses)
    }

    private func send(
        partner: Partner, method: String, path: String, subject: String, subjectKey: String, erasureID: String, loaded: LoadedPolicy
    ) async -> (ErasureStatus.State, String?) {
        let body: JSONValue = ["subject_id": .string(subject), "erasure_id": .string(erasureID)]
        let bytes = JSONWriter().bytes(body)
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        if let credential = loaded.enforcer.credentialHeader(for: partner.id) { headers.append(credential) }
        var url = partner.baseURL
        if url.hasSuffix("/") { url.removeLast() }
        let outbound = OutboundRequest(partner: partner.id, method: method, url: url + path, headers: headers, body: bytes)

        var disclosure = Disclosure(requestID: erasureID + "/" + partner.id, method: method, policyVersion: loaded.policy.version)
        disclosure.caller = Disclosure.erasure
        disclosure.name(partner)
        disclosure.purpose = Disclosure.erasure
        disclosure.legalBasis = LegalBasis.legalObligation.rawValue
        disclosure.subjectKey = subjectKey
        disclosure.route = "\(method) \(path)"
        disclosure.disclosed = [
            DisclosedField(path: "$['subject_id']", category: "identity.customer_id", transform: "keep"),
            DisclosedField(path: "$['erasure_id']", category: "technical.callback", transform: "keep"),
        ]
        disclosure.bodyDigest = loaded.enforcer.digest(bytes)
        disclosure.decision = .forward
        disclosure.reason = "erasure_request"
        // The same pipeline as a partner call: recorded first, then sent, then the outcome recorded.
        let decision = Decision.forward(outbound, disclosure)
        switch await pipeline.run(decision, enforcer: loaded.enforcer, requestID: disclosure.requestID, started: .now, logger: logger) {
        case .answered(let answer, _):
            return ((200..<300).contains(answer.status) ? .sent : .failed, "HTTP \(answer.status)")
        case .refused(let refusal):
            return (.failed, refusal.code == .ledgerUnavailable ? "ledger_unavailable: not sent" : refusal.code.rawValue)
        }
    }
}

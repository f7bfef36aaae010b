/// Brings the consent history and erasure log that earlier versions kept in tables of their own (`consent_events`,
/// `erasure_status`) into the log, once: every row becomes an entry, all in one commit before the writer takes
/// any other entry (consents, then erasures, each in row order). The tables are left as they were, and never written again.
///
/// A consent's entry has the request id `legacy-consent/<row id>`; finding the first row's entry (or, with no
/// consents, the first erasure's) in the log means the import ran, as it is one transaction.
public enum LegacyImport {
    /// The drafts to append, or none when there is nothing to import or it ran before. `evidence` turns evidence as
    /// earlier versions stored it (as typed) into what the ledger keeps (`Enforcer.evidence`).
    public static func drafts(
        _ legacy: LegacyRecords, in log: any LedgerLog, evidence: (String) -> String
    ) async throws(LedgerError) -> [LedgerDraft] {
        var marker: LedgerFilter
        if let first = legacy.consents.first {
            marker = LedgerFilter(requestID: first.requestID)
            marker.kind = .consent
        } else if let first = legacy.erasures.first {
            marker = LedgerFilter(requestID: first.requestID)
            marker.kind = .erasure
        } else {
            return []
        }
        guard try await log.query(marker, after: .start, limit: 1).isEmpty else { return [] }
        let consents = legacy.consents.map { event in
            LedgerDraft.consent(
                ConsentEvent(
                    requestID: event.requestID, subjectKey: event.subjectKey, partner: event.partner, purpose: event.purpose,
                    kind: event.kind, state: event.state, at: event.at, evidence: event.evidence.map(evidence)))
        }
        return consents + legacy.erasures.map(LedgerDraft.erasure)
    }
}

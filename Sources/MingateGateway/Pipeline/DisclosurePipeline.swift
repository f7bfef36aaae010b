import Hummingbird
import Logging
import MingateLedger
import MingatePolicy
import NIOCore

/// The one way anything leaves for a partner, for partner calls and erasure requests alike: record the decision
/// durably, and only then send (credentials already injected, the request id attached), then record the outcome
/// without delaying the answer. A refusal is recorded and returned; nothing is sent without its record.
struct DisclosurePipeline: Sendable {
    let ledger: LedgerWriter
    let clients: PartnerClients
    let maxResponseBytes: Int
    let metrics: GatewayMetrics

    /// What came of one decision.
    enum Result: Sendable {
        /// The partner answered (any status).
        case answered(PartnerClients.PartnerResponse, sequence: Int64)
        /// Refused by the policy, the consent store, the ledger, or the partner call; recorded.
        case refused(Refusal)
    }

    /// Runs one decision. `logger` carries the request's id (`hb.request.id`); the one decision line adds the
    /// ledger sequence and names, never values. Metadata is only built when the line is logged.
    /// The partner's answer is minimised by `enforcer` (the policy the decision was made under) before the outcome
    /// is recorded, so the outcome names what came back through the gate.
    func run(
        _ decision: Decision, enforcer: Enforcer, requestID: String, started: ContinuousClock.Instant, logger log: Logger
    ) async -> Result {
        // Record before anything leaves. No record, no forward.
        let entry: LedgerEntry
        do {
            entry = try await ledger.append(decision.disclosure)
        } catch {
            log.error("refused: ledger append failed", metadata: ["ledger.error": "\(error.code.rawValue)"])
            let refusal = Refusal(.ledgerUnavailable, "the disclosure could not be recorded; nothing was sent")
            metrics.decided(decision.disclosure, refusal: refusal.code, duration: .now - started)
            return .refused(refusal)
        }

        switch decision {
        case .refuse(let refusal, let disclosure):
            log.info("refused", metadata: Self.metadata(disclosure, code: refusal.code.rawValue, sequence: entry.sequence))
            metrics.decided(disclosure, refusal: refusal.code, duration: .now - started)
            return .refused(refusal)
        case .forward(let outbound, let disclosure):
            let sending = ContinuousClock.now
            let inbound = disclosure.direction == .inbound
            do {
                let raw = try await clients.send(outbound, requestID: requestID, maxResponseBytes: maxResponseBytes)
                // Cut to the purpose's `response:` allowlist; without one, relayed as it came and recorded as such.
                // A hook's delivery answer never goes back to the partner (it gets an acknowledgement): `withheld`.
                var answer = raw
                var handling = inbound ? "withheld" : "relayed"
                var received: [DisclosedField] = []
                if let minimiser = enforcer.answerMinimiser(for: disclosure) {
                    let minimised = minimiser.minimise(
                        PartnerAnswer(status: raw.status, headers: raw.headers, body: Array(raw.body.readableBytesView)))
                    answer = PartnerClients.PartnerResponse(
                        status: minimised.status, headers: minimised.headers, body: ByteBuffer(bytes: minimised.body))
                    received = minimised.received
                    handling = "minimised"
                }
                ledger.record(
                    Outcome(
                        requestID: requestID, decisionSequence: entry.sequence, partner: outbound.partner,
                        status: raw.status, bytesSent: outbound.body.count, bytesReceived: raw.body.readableBytes,
                        latencyMilliseconds: Self.milliseconds(since: started), error: nil,
                        response: handling, received: received))
                log.info(inbound ? "delivered" : "forwarded", metadata: Self.metadata(disclosure, code: "allowed", sequence: entry.sequence, status: answer.status))
                if !inbound {
                    metrics.partnerAnswered(
                        partner: outbound.partner, status: raw.status, sent: outbound.body.count,
                        received: raw.body.readableBytes, duration: .now - sending)
                }
                metrics.decided(disclosure, refusal: nil, duration: .now - started)
                return .answered(answer, sequence: entry.sequence)
            } catch {
                ledger.record(
                    Outcome(
                        requestID: requestID, decisionSequence: entry.sequence, partner: outbound.partner, status: nil,
                        bytesSent: outbound.body.count, bytesReceived: 0,
                        latencyMilliseconds: Self.milliseconds(since: started), error: error.code.rawValue))
                log.warning(inbound ? "hook delivery failed" : "partner call failed", metadata: Self.metadata(disclosure, code: error.code.rawValue, sequence: entry.sequence))
                if !inbound {
                    metrics.partnerFailed(
                        partner: outbound.partner, reason: error.code, sent: outbound.body.count, duration: .now - sending)
                }
                // Counted as forwarded (it left the gateway); partner_errors_total says why no answer came back.
                metrics.decided(disclosure, refusal: nil, duration: .now - started)
                return .refused(error)
            }
        }
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        Int((ContinuousClock.now - start).wholeMilliseconds)
    }

    /// The decision line's fields: names and counts, never a value.
    static func metadata(_ disclosure: Disclosure, code: String, sequence: Int64, status: Int? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "ledger.seq": "\(sequence)",
            "disclosure.decision": "\(code)",
            "caller.id": "\(disclosure.caller ?? "-")",
            "partner.id": "\(disclosure.partner ?? "-")",
            "disclosure.purpose": "\(disclosure.purpose ?? "-")",
            "disclosure.fields": "\(disclosure.disclosed.count)",
            "disclosure.withheld": "\(disclosure.withheld.count)",
        ]
        if let status { metadata["partner.status"] = "\(status)" }
        return metadata
    }
}

import Foundation
import MingatePolicy

/// The canonical encoding of ledger entries, version 1. See `docs/ledger-format.md`.
public enum LedgerEncoding {
    public static let version = 1

    public static func encode(_ draft: LedgerDraft, sequence: Int64, at time: Date) -> [UInt8] {
        var object = JSONObject()
        object["v"] = .number(JSONNumber(version))
        object["seq"] = .number(JSONNumber(text: String(sequence), value: Double(sequence)))
        object["time"] = .string(timestamp(time))
        object["kind"] = .string(draft.kind.rawValue)
        object["request_id"] = .string(draft.requestID)
        switch draft {
        case .disclosure(let disclosure):
            object["caller"] = optional(disclosure.caller)
            object["partner"] = optional(disclosure.partner)
            object["partner_legal_entity"] = optional(disclosure.partnerLegalEntity)
            object["partner_country"] = optional(disclosure.partnerCountry)
            object["purpose"] = optional(disclosure.purpose)
            object["legal_basis"] = optional(disclosure.legalBasis)
            object["transfer_basis"] = optional(disclosure.transferBasis)
            object["subject_key"] = optional(disclosure.subjectKey)
            object["method"] = .string(disclosure.method)
            object["route"] = optional(disclosure.route)
            object["disclosed"] = .array(
                disclosure.disclosed.map {
                    .object(
                        JSONObject([
                            ("path", .string($0.path)), ("category", .string($0.category)),
                            ("transform", .string($0.transform)),
                        ]))
                })
            object["withheld"] = .array(disclosure.withheld.map { .string($0) })
            object["policy_version"] = .string(disclosure.policyVersion)
            object["body_digest"] = optional(disclosure.bodyDigest)
            object["decision"] = .string(disclosure.decision.rawValue)
            object["reason"] = .string(disclosure.reason)
        case .outcome(let outcome):
            object["decision_seq"] = .number(JSONNumber(Int(outcome.decisionSequence)))
            object["partner"] = .string(outcome.partner)
            object["status"] = outcome.status.map { .number(JSONNumber($0)) } ?? .null
            object["bytes_sent"] = .number(JSONNumber(outcome.bytesSent))
            object["bytes_received"] = .number(JSONNumber(outcome.bytesReceived))
            object["latency_ms"] = .number(JSONNumber(outcome.latencyMilliseconds))
            object["error"] = optional(outcome.error)
        }
        return JSONWriter(sortKeys: true).bytes(.object(object))
    }

    static func optional(_ text: String?) -> JSONValue {
        text.map { .string($0) } ?? .null
    }

    /// RFC 3339 UTC with milliseconds: `2026-11-25T03:44:53.123Z`.
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, Int(milliseconds % 1000))
    }
}

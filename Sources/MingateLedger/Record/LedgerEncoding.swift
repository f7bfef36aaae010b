import Foundation
import MingatePolicy

/// The canonical encoding of ledger entries, version 1. See `docs/ledger-format.md`.
public enum LedgerEncoding {
    public static let version = 1

    /// The canonical bytes, written directly in sorted member order (the hot path: one per request).
    /// `referenceObject` builds the same record as a `JSONObject`; a test checks the two agree byte for byte.
    public static func encode(_ draft: LedgerDraft, sequence: Int64, at time: Date) -> [UInt8] {
        encode(draft, sequence: sequence, time: timestamp(time))
    }

    /// The same with the time already formatted (a store formats it once per commit, not once per entry).
    static func encode(_ draft: LedgerDraft, sequence: Int64, time: String) -> [UInt8] {
        var out = CanonicalWriter()
        switch draft {
        case .disclosure(let d):
            out.member("body_digest", d.bodyDigest)
            out.member("caller", d.caller)
            out.member("decision", d.decision.rawValue)
            out.fields("disclosed", d.disclosed)
            out.member("kind", draft.kind.rawValue)
            out.member("legal_basis", d.legalBasis)
            out.member("legal_reference", d.legalReference)
            out.member("method", d.method)
            out.member("partner", d.partner)
            out.member("partner_country", d.partnerCountry)
            out.member("partner_legal_entity", d.partnerLegalEntity)
            out.member("policy_version", d.policyVersion)
            out.member("purpose", d.purpose)
            out.member("reason", d.reason)
            out.member("request_id", d.requestID)
            out.member("route", d.route)
            out.member("seq", Int(sequence))
            out.member("subject_key", d.subjectKey)
            out.member("time", time)
            out.member("transfer_basis", d.transferBasis)
            out.member("v", version)
            out.key("withheld")
            out.bytes.append(UInt8(ascii: "["))
            for (offset, path) in d.withheld.enumerated() {
                if offset > 0 { out.bytes.append(UInt8(ascii: ",")) }
                JSONWriter.writeString(path, into: &out.bytes)
            }
            out.bytes.append(UInt8(ascii: "]"))
        case .outcome(let o):
            out.member("bytes_received", o.bytesReceived)
            out.member("bytes_sent", o.bytesSent)
            out.member("decision_seq", Int(o.decisionSequence))
            out.member("error", o.error)
            out.member("kind", LedgerEntry.Kind.outcome.rawValue)
            out.member("latency_ms", o.latencyMilliseconds)
            out.member("partner", o.partner)
            out.fields("received", o.received)
            out.member("request_id", o.requestID)
            out.member("response", o.response)
            out.member("seq", Int(sequence))
            out.member("status", o.status)
            out.member("time", time)
            out.member("v", version)
        case .refusals(let r):
            out.member("count", r.count)
            out.member("kind", LedgerEntry.Kind.refusals.rawValue)
            out.member("partner", r.partner)
            out.member("reason", r.reason)
            out.member("request_id", r.id)
            out.member("seq", Int(sequence))
            out.member("source", r.source)
            out.member("time", time)
            out.member("v", version)
            out.member("window_seconds", r.windowSeconds)
            out.member("window_start", r.windowStart)
        case .consent(let c):
            out.member("at", c.at)
            out.member("consent", c.kind.rawValue)
            out.member("evidence", c.evidence)
            out.member("kind", LedgerEntry.Kind.consent.rawValue)
            out.member("partner", c.partner)
            out.member("purpose", c.purpose)
            out.member("request_id", c.requestID)
            out.member("seq", Int(sequence))
            out.member("state", c.state.rawValue)
            out.member("subject_key", c.subjectKey)
            out.member("time", time)
            out.member("v", version)
        case .erasure(let e):
            out.member("at", e.at)
            out.member("channel", e.channel)
            out.member("detail", e.detail)
            out.member("erasure_id", e.erasureID)
            out.member("kind", LedgerEntry.Kind.erasure.rawValue)
            out.member("partner", e.partner)
            out.member("request_id", e.requestID)
            out.member("seq", Int(sequence))
            out.member("state", e.state.rawValue)
            out.member("subject_key", e.subjectKey)
            out.member("time", time)
            out.member("v", version)
        }
        out.bytes.append(UInt8(ascii: "}"))
        return out.bytes
    }

    struct CanonicalWriter {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        var first = true

        init() {
            bytes.reserveCapacity(1024)
        }

        /// A list of fields, each `{"category", "path", "transform"}`.
        mutating func fields(_ name: StaticString, _ fields: [DisclosedField]) {
            key(name)
            bytes.append(UInt8(ascii: "["))
            for (offset, field) in fields.enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(UInt8(ascii: "{"))
                first = true
                member("category", field.category)
                member("path", field.path)
                member("transform", field.transform)
                bytes.append(UInt8(ascii: "}"))
            }
            bytes.append(UInt8(ascii: "]"))
            first = false
        }

        mutating func key(_ name: StaticString) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }

        mutating func member(_ name: StaticString, _ value: String?) {
            key(name)
            if let value { JSONWriter.writeString(value, into: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
        }

        mutating func member(_ name: StaticString, _ value: Int?) {
            key(name)
            bytes.append(contentsOf: (value.map(String.init) ?? "null").utf8)
        }
    }

    /// The record as a `JSONObject`: the definition the direct writer must match.
    static func referenceObject(_ draft: LedgerDraft, sequence: Int64, at time: Date) -> [UInt8] {
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
            object["legal_reference"] = optional(disclosure.legalReference)
            object["transfer_basis"] = optional(disclosure.transferBasis)
            object["subject_key"] = optional(disclosure.subjectKey)
            object["method"] = .string(disclosure.method)
            object["route"] = optional(disclosure.route)
            object["disclosed"] = fieldList(disclosure.disclosed)
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
            object["response"] = optional(outcome.response)
            object["received"] = fieldList(outcome.received)
        case .refusals(let summary):
            object["count"] = .number(JSONNumber(summary.count))
            object["partner"] = optional(summary.partner)
            object["reason"] = .string(summary.reason)
            object["source"] = .string(summary.source)
            object["window_seconds"] = .number(JSONNumber(summary.windowSeconds))
            object["window_start"] = .string(summary.windowStart)
        case .consent(let event):
            object["subject_key"] = .string(event.subjectKey)
            object["partner"] = .string(event.partner)
            object["purpose"] = .string(event.purpose)
            object["consent"] = .string(event.kind.rawValue)
            object["state"] = .string(event.state.rawValue)
            object["at"] = .string(event.at)
            object["evidence"] = optional(event.evidence)
        case .erasure(let status):
            object["erasure_id"] = .string(status.erasureID)
            object["subject_key"] = .string(status.subjectKey)
            object["partner"] = .string(status.partner)
            object["channel"] = .string(status.channel)
            object["state"] = .string(status.state.rawValue)
            object["at"] = .string(status.at)
            object["detail"] = optional(status.detail)
        }
        return JSONWriter(sortKeys: true).bytes(.object(object))
    }

    /// Fields as the canonical encoding writes them (`CanonicalWriter.fields`).
    static func fieldList(_ fields: [DisclosedField]) -> JSONValue {
        .array(
            fields.map {
                .object(
                    JSONObject([
                        ("path", .string($0.path)), ("category", .string($0.category)), ("transform", .string($0.transform)),
                    ]))
            })
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

    /// Parses `YYYY-MM-DDThh:mm:ss[.fff]Z` (the form `timestamp` writes and the audit API takes); nil otherwise.
    public static func date(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20 || bytes.count == 24, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for index in range {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { return nil }
                value = value * 10 + Int32(bytes[index] - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, Unicode.Scalar)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        for (index, separator) in separators where bytes[index] != UInt8(ascii: separator) { return nil }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), (1...31).contains(day),
            hour < 24, minute < 60, second < 61
        else { return nil }
        var milliseconds: Int32 = 0
        if bytes.count == 24 {
            guard bytes[19] == UInt8(ascii: "."), let value = number(20..<23) else { return nil }
            milliseconds = value
        }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let seconds = timegm(&parts)
        // timegm normalises out-of-range days (Feb 30 → Mar 2); such a date is not one.
        guard parts.tm_mday == day, parts.tm_mon == month - 1 else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + Double(milliseconds) / 1000)
    }
}

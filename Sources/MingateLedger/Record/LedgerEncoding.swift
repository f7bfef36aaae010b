import Foundation
import MingatePolicy

/// The canonical encoding of ledger entries, version 2 (decisions, outcomes, shapes) and 1 (the other kinds). See
/// `docs/ledger-format.md`.
public enum LedgerEncoding {
    /// The version of decisions, outcomes and shapes; refusal counts, consents and erasures keep version 1.
    public static let version = 2

    /// The canonical bytes, written directly in sorted member order (the hot path: one per request).
    /// `referenceObject` builds the same record as a `JSONObject`; a test checks the two agree byte for byte.
    /// A decision names its shape's entry by `shape` (`ShapeBook`).
    public static func encode(_ draft: LedgerDraft, sequence: Int64, at time: Date, shape: Int64? = nil) -> [UInt8] {
        encode(draft, sequence: sequence, time: timestamp(time), shape: shape)
    }

    /// The same with the time already formatted (a store formats it once per commit, not once per entry).
    static func encode(_ draft: LedgerDraft, sequence: Int64, time: String, shape: Int64? = nil) -> [UInt8] {
        var out = CanonicalWriter()
        switch draft {
        case .disclosure(let d):
            // Version 2: absent members are left out, not written as null.
            out.present("body_digest", d.bodyDigest.map(bodyDigest))
            out.present("caller", d.caller)
            out.member("decision", d.decision.rawValue)
            out.member("kind", draft.kind.rawValue)
            out.present("legal_reference", d.legalReference)
            out.present("partner", d.partner)
            out.present("purpose", d.purpose)
            out.member("reason", d.reason)
            out.member("request_id", d.requestID)
            out.member("seq", Int(sequence))
            out.member("shape", shape.map { Int($0) })
            out.present("subject_key", d.subjectKey)
            out.member("time", time)
            out.member("v", version)
        case .shape(let shape, let requestID):
            out.objects("disclosed", shape.disclosed) { out, field in
                out.member("category", field.category)
                out.member("count", field.count)
                out.member("path", field.path)
                out.member("transform", field.transform)
            }
            out.member("kind", LedgerEntry.Kind.shape.rawValue)
            out.present("legal_basis", shape.legalBasis)
            out.member("method", shape.method)
            out.present("partner", shape.partner)
            out.present("partner_country", shape.partnerCountry)
            out.present("partner_legal_entity", shape.partnerLegalEntity)
            out.member("policy_version", shape.policyVersion)
            out.present("purpose", shape.purpose)
            out.member("request_id", requestID)
            out.present("route", shape.route)
            out.member("seq", Int(sequence))
            out.member("time", time)
            out.present("transfer_basis", shape.transferBasis)
            out.member("v", version)
            out.objects("withheld", shape.withheld) { out, path in
                out.member("count", path.count)
                out.member("path", path.path)
            }
        case .outcome(let o):
            out.member("bytes_received", o.bytesReceived)
            out.member("bytes_sent", o.bytesSent)
            out.member("decision_seq", Int(o.decisionSequence))
            out.present("error", o.error)
            out.member("kind", LedgerEntry.Kind.outcome.rawValue)
            out.member("latency_ms", o.latencyMilliseconds)
            if !o.received.isEmpty { out.fields("received", o.received) }
            out.member("request_id", o.requestID)
            out.present("response", o.response)
            out.member("seq", Int(sequence))
            out.present("status", o.status)
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
            out.member("v", 1)
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
            out.member("v", 1)
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
            out.member("v", 1)
        }
        out.bytes.append(UInt8(ascii: "}"))
        return out.bytes
    }

    /// A version 2 record keeps the first 16 bytes (32 hex digits) of the body's keyed digest: enough to show a body
    /// is the one sent, half the bytes.
    static func bodyDigest(_ digest: String) -> String { String(digest.prefix(32)) }

    struct CanonicalWriter {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        var first = true

        init() {
            bytes.reserveCapacity(1024)
        }

        /// A list of fields, each `{"category", "path", "transform"}`.
        mutating func fields(_ name: StaticString, _ fields: [DisclosedField]) {
            objects(name, fields) { out, field in
                out.member("category", field.category)
                out.member("path", field.path)
                out.member("transform", field.transform)
            }
        }

        /// A list of objects, each written by `write` (members in sorted order).
        mutating func objects<Item>(_ name: StaticString, _ items: [Item], _ write: (inout CanonicalWriter, Item) -> Void) {
            key(name)
            bytes.append(UInt8(ascii: "["))
            for (offset, item) in items.enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(UInt8(ascii: "{"))
                first = true
                write(&self, item)
                bytes.append(UInt8(ascii: "}"))
            }
            bytes.append(UInt8(ascii: "]"))
            first = false
        }

        /// A member written only when it has a value (version 2 leaves absent members out).
        mutating func present(_ name: StaticString, _ value: String?) {
            if let value { member(name, value) }
        }

        mutating func present(_ name: StaticString, _ value: Int?) {
            if let value { member(name, value) }
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
    static func referenceObject(_ draft: LedgerDraft, sequence: Int64, at time: Date, shape: Int64? = nil) -> [UInt8] {
        var object = JSONObject()
        object["seq"] = .number(JSONNumber(text: String(sequence), value: Double(sequence)))
        object["time"] = .string(timestamp(time))
        object["kind"] = .string(draft.kind.rawValue)
        object["request_id"] = .string(draft.requestID)
        switch draft {
        case .disclosure, .outcome, .shape: object["v"] = .number(JSONNumber(version))
        case .refusals, .consent, .erasure: object["v"] = .number(JSONNumber(1))
        }
        /// Version 2 leaves absent members out.
        func present(_ name: String, _ value: String?) { if let value { object[name] = .string(value) } }
        switch draft {
        case .disclosure(let disclosure):
            present("caller", disclosure.caller)
            present("partner", disclosure.partner)
            present("purpose", disclosure.purpose)
            present("legal_reference", disclosure.legalReference)
            present("subject_key", disclosure.subjectKey)
            object["shape"] = shape.map { .number(JSONNumber(Int($0))) } ?? .null
            present("body_digest", disclosure.bodyDigest.map(bodyDigest))
            object["decision"] = .string(disclosure.decision.rawValue)
            object["reason"] = .string(disclosure.reason)
        case .shape(let shape, _):
            present("partner", shape.partner)
            present("partner_legal_entity", shape.partnerLegalEntity)
            present("partner_country", shape.partnerCountry)
            present("purpose", shape.purpose)
            present("legal_basis", shape.legalBasis)
            present("transfer_basis", shape.transferBasis)
            object["method"] = .string(shape.method)
            present("route", shape.route)
            object["policy_version"] = .string(shape.policyVersion)
            object["disclosed"] = .array(
                shape.disclosed.map {
                    .object(JSONObject([
                        ("path", .string($0.path)), ("count", .number(JSONNumber($0.count))), ("category", .string($0.category)),
                        ("transform", .string($0.transform)),
                    ]))
                })
            object["withheld"] = .array(
                shape.withheld.map { .object(JSONObject([("path", .string($0.path)), ("count", .number(JSONNumber($0.count)))])) })
        case .outcome(let outcome):
            object["decision_seq"] = .number(JSONNumber(Int(outcome.decisionSequence)))
            if let status = outcome.status { object["status"] = .number(JSONNumber(status)) }
            object["bytes_sent"] = .number(JSONNumber(outcome.bytesSent))
            object["bytes_received"] = .number(JSONNumber(outcome.bytesReceived))
            object["latency_ms"] = .number(JSONNumber(outcome.latencyMilliseconds))
            present("error", outcome.error)
            present("response", outcome.response)
            if !outcome.received.isEmpty { object["received"] = fieldList(outcome.received) }
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

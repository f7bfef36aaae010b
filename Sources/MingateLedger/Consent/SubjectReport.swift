import Foundation
import MingatePolicy

/// The answer to a data subject's access request: every disclosure of the person's data (recipient, purpose, legal
/// basis, categories, date), their consents, and the status of erasure requests. A data protection officer can send
/// the HTML as it is; the JSON is for systems.
public struct SubjectReport: Sendable {
    public struct Disclosure: Sendable {
        public let sequence: Int64
        public let time: String
        public let partner: String
        public let recipient: String
        public let country: String
        public let purpose: String
        public let legalBasis: String
        public let categories: [String]
    }

    public let subjectKey: String
    public let disclosures: [Disclosure]
    public let consents: [ConsentEvent]
    public let erasures: [ErasureStatus]
    public let generatedAt: String

    /// From the ledger's forward decisions for the subject (refusals disclosed nothing and are not listed).
    public init(subjectKey: String, entries: [LedgerEntry], consents: [ConsentEvent], erasures: [ErasureStatus], now: Date = Date()) {
        self.subjectKey = subjectKey
        self.consents = consents
        self.erasures = erasures
        self.generatedAt = LedgerEncoding.timestamp(now)
        disclosures = entries.compactMap { entry in
            guard let document = entry.document, document["decision"]?.stringValue == "forward" else { return nil }
            var categories: [String] = []
            if case .array(let fields)? = document["disclosed"] {
                for field in fields {
                    if let category = field["category"]?.stringValue, !categories.contains(category) { categories.append(category) }
                }
            }
            return Disclosure(
                sequence: entry.sequence, time: document["time"]?.stringValue ?? "", partner: document["partner"]?.stringValue ?? "",
                recipient: document["partner_legal_entity"]?.stringValue ?? "", country: document["partner_country"]?.stringValue ?? "",
                purpose: document["purpose"]?.stringValue ?? "", legalBasis: document["legal_basis"]?.stringValue ?? "",
                categories: categories.sorted())
        }
    }

    public var json: JSONValue {
        .object(JSONObject([
            ("subject_key", .string(subjectKey)), ("generated_at", .string(generatedAt)),
            ("disclosures", .array(disclosures.map { d in
                .object(JSONObject([
                    ("ledger_seq", .number(JSONNumber(Int(d.sequence)))), ("time", .string(d.time)), ("partner", .string(d.partner)),
                    ("recipient", .string(d.recipient)), ("country", .string(d.country)), ("purpose", .string(d.purpose)),
                    ("legal_basis", .string(d.legalBasis)), ("categories", .array(d.categories.map { .string($0) })),
                ]))
            })),
            ("consents", .array(consents.map { c in
                .object(JSONObject([
                    ("partner", .string(c.partner)), ("purpose", .string(c.purpose)), ("kind", .string(c.kind.rawValue)),
                    ("state", .string(c.state.rawValue)), ("at", .string(c.at)),
                ]))
            })),
            ("erasures", .array(erasures.map { e in
                .object(JSONObject([
                    ("erasure_id", .string(e.erasureID)), ("partner", .string(e.partner)), ("channel", .string(e.channel)),
                    ("status", .string(e.state.rawValue)), ("at", .string(e.at)),
                ]))
            })),
        ]))
    }

    public var html: String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var out = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Who received your personal data</title>
            <style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;color:#222}table{border-collapse:collapse;width:100%}
            th,td{border:1px solid #ccc;padding:.4rem .6rem;text-align:left;vertical-align:top}th{background:#f3f3f3}</style></head><body>
            <h1>Who received your personal data</h1>
            <p>This report lists every time the platform shared your personal data with another company, for what purpose and
            on what legal basis, which kinds of data were shared, your consents, and the status of erasure requests.
            It was generated on \(escape(generatedAt)) from the platform's disclosure ledger.</p>
            <h2>Disclosures (\(disclosures.count))</h2>

            """
        if disclosures.isEmpty {
            out += "<p>Your data has not been shared with any partner.</p>\n"
        } else {
            out += "<table><tr><th>Date (UTC)</th><th>Recipient</th><th>Country</th><th>Purpose</th><th>Legal basis</th><th>Kinds of data</th></tr>\n"
            for d in disclosures {
                out += "<tr><td>\(escape(d.time))</td><td>\(escape(d.recipient)) (\(escape(d.partner)))</td><td>\(escape(d.country))</td><td>\(escape(d.purpose))</td><td>\(escape(d.legalBasis.replacingOccurrences(of: "_", with: " ")))</td><td>\(escape(d.categories.joined(separator: ", ")))</td></tr>\n"
            }
            out += "</table>\n"
        }
        out += "<h2>Your consents</h2>\n"
        if consents.isEmpty {
            out += "<p>No consent recorded.</p>\n"
        } else {
            out += "<table><tr><th>Date (UTC)</th><th>Recipient</th><th>Purpose</th><th>Kind</th><th>State</th></tr>\n"
            for c in consents {
                out += "<tr><td>\(escape(c.at))</td><td>\(escape(c.partner))</td><td>\(escape(c.purpose))</td><td>\(escape(c.kind.rawValue))</td><td>\(escape(c.state.rawValue))</td></tr>\n"
            }
            out += "</table>\n"
        }
        out += "<h2>Erasure</h2>\n"
        if erasures.isEmpty {
            out += "<p>No erasure has been requested.</p>\n"
        } else {
            out += "<table><tr><th>Date (UTC)</th><th>Recipient</th><th>How it was told</th><th>Status</th></tr>\n"
            for e in erasures {
                out += "<tr><td>\(escape(e.at))</td><td>\(escape(e.partner))</td><td>\(escape(e.channel))</td><td>\(escape(e.state.rawValue.replacingOccurrences(of: "_", with: " ")))</td></tr>\n"
            }
            out += "</table>\n"
        }
        return out + "</body></html>\n"
    }
}

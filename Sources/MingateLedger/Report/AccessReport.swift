import Foundation
import MingatePolicy

/// The answer to a person's access request, as a data protection officer sends it: who received their data
/// (grouped by recipient, with its legal entity and country), for which purpose in plain words, on what legal
/// basis and what that means, which kinds of data, how often and when, how long the recipient may keep it, the
/// status of erasure at each recipient, the person's consents, and their rights with how to use them.
///
/// One model, two renderings (`html`, `json`), two languages (Bahasa Indonesia and English, chosen per request).
/// Built from the ledger's forward decisions for the subject and the policy in force; no internal endpoint, no
/// caller, no payload value is shown. The person's own erasure requests are shown as erasure, never as disclosures.
public struct AccessReport: Sendable {
    public enum Language: String, Sendable, CaseIterable {
        case id, en
    }

    public struct Category: Sendable {
        public let id: String
        public let text: String
        public let sensitive: Bool
    }

    public struct Use: Sendable {
        public let purpose: String
        public let purposeText: String
        public let legalBasis: String
        public let legalBasisText: String
        public let transferBasis: String?
        public let categories: [Category]
        public let disclosures: Int
        public let first: String
        public let last: String
        public let retention: String
    }

    public struct Erasure: Sendable {
        public let erasureID: String
        public let state: ErasureStatus.State
        public let at: String
        public let text: String
    }

    public struct Recipient: Sendable {
        public let partner: String
        public let name: String
        public let legalEntity: String
        public let country: String
        public let countryName: String
        public let uses: [Use]
        public let erasures: [Erasure]
    }

    public struct Consent: Sendable {
        public let recipient: String
        public let purposeText: String
        public let kind: ConsentEvent.Kind
        public let state: ConsentEvent.State
        public let at: String
    }

    public let language: Language
    public let subjectKey: String
    public let reference: String?
    public let generatedAt: String
    public let controller: Controller?
    public let recipients: [Recipient]
    public let consents: [Consent]
    /// Erasure at partners that never received a disclosure in the ledger (a record older than the ledger).
    public let otherErasures: [(partner: String, erasure: Erasure)]

    public init(
        subjectKey: String, reference: String?, entries: [LedgerEntry], consents: [ConsentEvent], erasures: [ErasureStatus],
        policy: PolicySet, language: Language, now: Date = Date()
    ) {
        let text = ReportText(language: language)
        self.language = language
        self.subjectKey = subjectKey
        self.reference = reference
        self.generatedAt = LedgerEncoding.timestamp(now)
        self.controller = policy.controller

        // Forward decisions grouped by partner, then purpose, in order of first disclosure. Erasure requests the
        // gateway sent on the person's behalf (purpose `erasure`) are not disclosures and are not listed here.
        var order: [String] = []
        var byPartner: [String: [(purpose: String, document: JSONValue)]] = [:]
        for entry in entries {
            guard let document = entry.document, document["decision"]?.stringValue == "forward",
                let partner = document["partner"]?.stringValue, let purpose = document["purpose"]?.stringValue,
                purpose != Disclosure.erasure
            else { continue }
            if byPartner[partner] == nil { order.append(partner) }
            byPartner[partner, default: []].append((purpose, document))
        }
        let current = ErasureStatus.current(erasures)
        func erasure(_ status: ErasureStatus) -> Erasure {
            Erasure(erasureID: status.erasureID, state: status.state, at: status.at, text: text.erasure(status))
        }
        recipients = order.map { partnerID in
            let rows = byPartner[partnerID] ?? []
            let partner = policy.partners[partnerID]
            let firstDocument = rows.first?.document
            var purposes: [String] = []
            for row in rows where !purposes.contains(row.purpose) { purposes.append(row.purpose) }
            let uses = purposes.map { purposeID -> Use in
                let documents = rows.filter { $0.purpose == purposeID }.map(\.document)
                let purpose = partner?.purposes[purposeID]
                var categoryIDs: [String] = []
                for document in documents {
                    guard case .array(let fields)? = document["disclosed"] else { continue }
                    for field in fields {
                        if let category = field["category"]?.stringValue, !categoryIDs.contains(category) { categoryIDs.append(category) }
                    }
                }
                let categories = categoryIDs.map { id in
                    let category = policy.categories[id]
                    return Category(
                        id: id, text: text.pick(category?.description, category?.descriptionID) ?? id,
                        sensitive: category?.sensitive ?? false)
                }.sorted { ($0.sensitive ? 0 : 1, $0.text) < ($1.sensitive ? 0 : 1, $1.text) }
                let basis = documents.last?["legal_basis"]?.stringValue ?? purpose?.legalBasis.rawValue ?? ""
                let times = documents.compactMap { $0["time"]?.stringValue }.sorted()
                return Use(
                    purpose: purposeID, purposeText: text.pick(purpose?.description, purpose?.descriptionID) ?? purposeID,
                    legalBasis: basis, legalBasisText: text.legalBasis(basis),
                    transferBasis: purpose?.transferBasis?.rawValue, categories: categories, disclosures: documents.count,
                    first: times.first ?? "", last: times.last ?? "",
                    retention: purpose?.retention != nil
                        ? text.pick(purpose?.retention, purpose?.retentionID) ?? ""
                        : text.pick(policy.defaultRetention, policy.defaultRetentionID) ?? "")
            }
            let country = partner?.country ?? firstDocument?["partner_country"]?.stringValue ?? ""
            return Recipient(
                partner: partnerID, name: partner?.name ?? partnerID,
                legalEntity: partner?.legalEntity ?? firstDocument?["partner_legal_entity"]?.stringValue ?? "",
                country: country, countryName: text.country(country), uses: uses,
                erasures: current.filter { $0.partner == partnerID }.map(erasure))
        }
        otherErasures = current.filter { status in !order.contains(status.partner) }.map { ($0.partner, erasure($0)) }
        self.consents = consents.map { event in
            let partner = policy.partners[event.partner]
            let purpose = partner?.purposes[event.purpose]
            return Consent(
                recipient: partner.map { "\($0.name) (\($0.legalEntity))" } ?? event.partner,
                purposeText: text.pick(purpose?.description, purpose?.descriptionID) ?? event.purpose, kind: event.kind,
                state: event.state, at: event.at)
        }
    }

    var text: ReportText { ReportText(language: language) }

    public var json: JSONValue {
        let text = self.text
        func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        func erasure(_ erasure: Erasure) -> JSONValue {
            .object(JSONObject([
                ("erasure_id", .string(erasure.erasureID)), ("status", .string(erasure.state.rawValue)),
                ("at", .string(erasure.at)), ("text", .string(erasure.text)),
            ]))
        }
        return .object(JSONObject([
            ("report", .string("access")), ("language", .string(language.rawValue)),
            ("title", .string(text.title)), ("reference", string(reference)), ("subject_key", .string(subjectKey)),
            ("generated_at", .string(generatedAt)), ("generated_at_text", .string(text.date(generatedAt))),
            ("controller", controller.map { controller in
                .object(JSONObject([
                    ("name", .string(controller.name)), ("service", string(controller.service)),
                    ("address", string(controller.address)), ("dpo_email", string(controller.dpoEmail)),
                    ("reply_within_days", controller.replyWithinDays.map { .number(JSONNumber($0)) } ?? .null),
                ]))
            } ?? .null),
            ("summary", .string(text.summary(recipients: recipients.count))),
            ("recipients", .array(recipients.map { recipient in
                .object(JSONObject([
                    ("partner", .string(recipient.partner)), ("name", .string(recipient.name)),
                    ("legal_entity", .string(recipient.legalEntity)), ("country", .string(recipient.country)),
                    ("country_name", .string(recipient.countryName)),
                    ("uses", .array(recipient.uses.map { use in
                        .object(JSONObject([
                            ("purpose", .string(use.purpose)), ("purpose_text", .string(use.purposeText)),
                            ("legal_basis", .string(use.legalBasis)), ("legal_basis_text", .string(use.legalBasisText)),
                            ("transfer_basis", string(use.transferBasis)),
                            ("categories", .array(use.categories.map { category in
                                .object(JSONObject([
                                    ("category", .string(category.id)), ("text", .string(category.text)),
                                    ("sensitive", .bool(category.sensitive)),
                                ]))
                            })),
                            ("disclosures", .number(JSONNumber(use.disclosures))), ("first", .string(use.first)),
                            ("last", .string(use.last)), ("retention", .string(use.retention)),
                        ]))
                    })),
                    ("erasure", .array(recipient.erasures.map(erasure))),
                ]))
            })),
            ("other_erasures", .array(otherErasures.map { other in
                .object(JSONObject([("partner", .string(other.partner)), ("erasure", erasure(other.erasure))]))
            })),
            ("consents", .array(consents.map { consent in
                .object(JSONObject([
                    ("recipient", .string(consent.recipient)), ("purpose_text", .string(consent.purposeText)),
                    ("kind", .string(consent.kind.rawValue)), ("state", .string(consent.state.rawValue)),
                    ("at", .string(consent.at)), ("text", .string(text.consent(consent))),
                ]))
            })),
            ("rights", .array(text.rights.map { .object(JSONObject([("right", .string($0.title)), ("text", .string($0.text))])) })),
        ]))
    }
}

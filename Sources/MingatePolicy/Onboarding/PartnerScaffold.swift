import Foundation
import Yams

/// Writes a new partner file. From an OpenAPI 3 document (JSON or YAML) it lists every request field of the chosen
/// operations (body, query, headers), each commented out (denied by default) with a guessed data category, so
/// onboarding starts from the partner's real schema and turns fields on one at a time.
public struct PartnerScaffold: Sendable {
    public struct Field: Sendable, Equatable {
        /// `body` (a JSONPath), `form`, `query` or `header`.
        public let kind: String
        public let name: String
        public let category: String
        public let description: String
    }

    public struct Operation: Sendable {
        public let id: String
        public let method: String
        public let path: String
        public let mediaType: String?
        public let fields: [Field]
    }

    public let partner: String
    public let baseURL: String
    public let title: String
    public let operations: [Operation]

    public struct ImportError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// A scaffold without a specification.
    public init(partner: String) {
        self.partner = partner
        baseURL = "https://api.\(partner).example"
        title = partner
        operations = []
    }

    public init(partner: String, openAPI text: String, operationIDs: [String]) throws(ImportError) {
        self.partner = partner
        guard let node = try? Yams.compose(yaml: text) else { throw ImportError(description: "not JSON or YAML") }
        let document = PolicyFixture.json(node)
        guard let version = document["openapi"]?.stringValue, version.hasPrefix("3") else {
            throw ImportError(description: "not an OpenAPI 3 document (no 'openapi: 3.x')")
        }
        title = document["info"]?["title"]?.stringValue ?? partner
        if case .array(let servers)? = document["servers"], let url = servers.first?["url"]?.stringValue {
            baseURL = url
        } else {
            baseURL = "https://api.\(partner).example"
        }
        var found: [Operation] = []
        guard case .object(let paths)? = document["paths"] else { throw ImportError(description: "the document has no paths") }
        for (path, item) in paths.members {
            for method in ["get", "post", "put", "patch", "delete"] {
                guard let operation = item[method], let id = operation["operationId"]?.stringValue,
                    operationIDs.isEmpty || operationIDs.contains(id)
                else { continue }
                var fields: [Field] = []
                var parameters: [JSONValue] = []
                if case .array(let shared)? = item["parameters"] { parameters += shared }
                if case .array(let own)? = operation["parameters"] { parameters += own }
                for parameter in parameters.map({ Self.resolve($0, in: document) }) {
                    guard let name = parameter["name"]?.stringValue, let place = parameter["in"]?.stringValue,
                        place == "query" || place == "header" || place == "path"
                    else { continue }
                    fields.append(Field(kind: place, name: name, category: Self.guess(name), description: Self.short(parameter["description"])))
                }
                var mediaType: String?
                if case .object(let content)? = operation["requestBody"].map({ Self.resolve($0, in: document) })?["content"] {
                    for preferred in ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]
                    where mediaType == nil {
                        guard let schema = content[preferred]?["schema"] else { continue }
                        mediaType = preferred
                        if preferred == "application/json" {
                            Self.walk(schema, path: "$", document: document, depth: 0, into: &fields)
                        } else {
                            let resolved = Self.resolve(schema, in: document)
                            if case .object(let properties)? = resolved["properties"] {
                                for member in properties.members {
                                    fields.append(Field(kind: preferred == "multipart/form-data" ? "part" : "form", name: member.name,
                                        category: Self.guess(member.name), description: Self.short(Self.resolve(member.value, in: document)["description"])))
                                }
                            }
                        }
                    }
                }
                found.append(Operation(id: id, method: method.uppercased(), path: path, mediaType: mediaType, fields: fields))
            }
        }
        let missing = operationIDs.filter { id in !found.contains { $0.id == id } }
        guard missing.isEmpty else { throw ImportError(description: "no operation with id \(missing.joined(separator: ", "))") }
        operations = found
    }

    static func resolve(_ value: JSONValue, in document: JSONValue, depth: Int = 0) -> JSONValue {
        guard depth < 16, let reference = value["$ref"]?.stringValue, reference.hasPrefix("#/") else { return value }
        var current: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") {
            current = current?[part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
        }
        return current.map { resolve($0, in: document, depth: depth + 1) } ?? value
    }

    static func walk(_ schema: JSONValue, path: String, document: JSONValue, depth: Int, into fields: inout [Field]) {
        guard depth < 12 else { return }
        let resolved = resolve(schema, in: document)
        if case .array(let parts)? = resolved["allOf"] {
            for part in parts { walk(part, path: path, document: document, depth: depth + 1, into: &fields) }
        }
        if case .object(let properties)? = resolved["properties"] {
            for member in properties.members {
                let child = resolve(member.value, in: document)
                let childPath = path + (member.name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && !(member.name.first?.isNumber ?? true)
                    ? ".\(member.name)" : "['\(member.name)']")
                let isContainer = child["properties"] != nil || child["allOf"] != nil || child["type"]?.stringValue == "array"
                if isContainer {
                    walk(child, path: childPath, document: document, depth: depth + 1, into: &fields)
                } else {
                    fields.append(Field(kind: "body", name: childPath, category: guess(member.name), description: short(child["description"])))
                }
            }
        }
        if resolved["type"]?.stringValue == "array", let items = resolved["items"] {
            let itemSchema = resolve(items, in: document)
            if itemSchema["properties"] != nil || itemSchema["allOf"] != nil {
                walk(items, path: path + "[*]", document: document, depth: depth + 1, into: &fields)
            } else {
                fields.append(Field(kind: "body", name: path + "[*]", category: guess(String(path.split(separator: ".").last ?? "")), description: short(resolved["description"])))
            }
        }
    }

    static func short(_ value: JSONValue?) -> String {
        let text = value?.stringValue?.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces) ?? ""
        return text.count > 90 ? String(text.prefix(87)) + "…" : text
    }

    /// A first guess at a field's data category from its name; "TODO" when nothing fits.
    public static func guess(_ name: String) -> String {
        let n = name.lowercased()
        let rules: [([String], String)] = [
            (["cvv", "cvc", "password", "otp", "pin"], "DENIED (on the global deny list)"),
            (["email"], "contact.email"),
            (["phone", "mobile", "msisdn"], "contact.phone"),
            (["postal", "zip", "postcode"], "contact.postal_code"),
            (["address", "street", "city"], "contact.address"),
            (["lat", "lon", "geo"], "contact.location"),
            (["nik", "id_number", "national_id", "ktp", "identity", "bvn"], "identity.nik"),
            (["birth", "dob"], "identity.date_of_birth"),
            (["selfie", "face", "photo", "image"], "biometric.face"),
            (["card_number", "pan", "card"], "financial.card_number"),
            (["account_number", "iban", "nuban"], "financial.bank_account"),
            (["bank_code", "bank", "swift", "bic"], "financial.bank_code"),
            (["currency"], "transaction.currency"),
            (["amount", "total", "price", "charge", "fee"], "transaction.amount"),
            (["order", "reference", "invoice"], "transaction.order_id"),
            (["channel", "payment_type", "method"], "transaction.payment_method"),
            (["callback", "redirect", "url"], "technical.callback"),
            (["idempotency"], "technical.idempotency_key"),
            (["ip", "device", "user_agent"], "device.identifier"),
            (["customer", "user_id"], "identity.customer_id"),
            (["name", "first_name", "last_name", "label"], "contact.name"),
            (["item", "product", "sku", "quantity", "weight"], "transaction.items"),
        ]
        for (words, category) in rules where words.contains(where: { n == $0 || n.contains($0) }) { return category }
        return "TODO"
    }

    /// The partner file: every field denied, ready to turn fields on. It does not load until someone writes the
    /// partner's country (no default: a partner abroad must not skip the transfer-basis check by accident), and
    /// `policy lint` refuses it while any TODO is left.
    public var yaml: String {
        var out = """
            # \(partner): scaffolded by `mingate partner new`\(operations.isEmpty ? "" : " from the OpenAPI document \"\(title)\"").
            # Every request field the partner's API takes is listed below with `allow: false`: nothing is disclosed until a
            # reviewer turns a field on (delete its `allow: false`) and checks its guessed category. Fill in every TO-DO,
            # then run `mingate policy lint`, write fixtures in partners/\(partner)/tests/, and `mingate policy diff`.
            id: \(partner)
            name: \(title.replacingOccurrences(of: ":", with: " -"))
            legal_entity: TODO the contracting legal entity
            country:  # TODO ISO code of where the partner processes the data (ID, SG, NG…); outside ID every purpose needs a transfer_basis
            base_url: \(baseURL)
            timeouts: { connect_ms: 2000, request_ms: 15000 }
            credentials:
              header: Authorization
              prefix: "Bearer "
              secret: env:\(partner.uppercased().replacingOccurrences(of: "-", with: "_"))_API_KEY
            erasure:
              contact: TODO privacy contact or an erasure endpoint
            purposes:
              TODO-purpose:
                description: TODO what the platform uses this partner for
                legal_basis: contract  # TODO contract, consent, legal_obligation, vital_interest, public_task, legitimate_interest

            """
        if operations.isEmpty {
            out += "    routes: [POST /TODO]\n    body:\n      json: []\n"
            return out
        }
        out += "    routes:\n"
        for operation in operations { out += "      - \(operation.method) \(operation.path)  # \(operation.id)\n" }
        // A route's parameters always leave (the route needs them): listed allowed, each with a TODO to check.
        var parameterNames: [String] = []
        for operation in operations {
            for name in (try? RouteTemplate.parse("\(operation.method) \(operation.path)").get())?.parameterNames ?? []
            where !parameterNames.contains(name) {
                parameterNames.append(name)
            }
        }
        if !parameterNames.isEmpty {
            out += "    path_params:  # always sent with the route: check each category and choose a transform\n"
            for name in parameterNames {
                let field = operations.flatMap(\.fields).first { $0.kind == "path" && $0.name == name }
                let category = field.map(\.category) ?? Self.guess(name)
                let note = (field?.description ?? "").replacingOccurrences(of: "#", with: "")
                out += "      - { name: \"\(name)\", category: \(category.contains(" ") ? "TODO" : category) }  # TODO check\(note.isEmpty ? "" : ": " + note)\n"
            }
        }
        let mediaTypes = Set(operations.compactMap(\.mediaType))
        let all = operations.flatMap(\.fields)
        /// The list's entries, or ` []` when it has none.
        func lines(_ kind: String, _ indent: String, key: String) -> String {
            var seen: Set<String> = []
            var text = ""
            for field in all where field.kind == kind && seen.insert(field.name).inserted {
                let note = field.description.isEmpty ? "" : "  # \(field.description.replacingOccurrences(of: "#", with: ""))"
                text += "\(indent)- { \(key): \"\(field.name)\", category: \(field.category.contains(" ") ? "TODO" : field.category), allow: false }\(note)\n"
            }
            return text.isEmpty ? " []\n" : "\n" + text
        }
        if !mediaTypes.isEmpty {
            out += "    body:\n"
            if mediaTypes.contains("application/json") { out += "      json:" + lines("body", "        ", key: "path") }
            if mediaTypes.contains("application/x-www-form-urlencoded") { out += "      form:" + lines("form", "        ", key: "name") }
            if mediaTypes.contains("multipart/form-data") { out += "      multipart:" + lines("part", "        ", key: "name") }
        }
        out += "    query:" + lines("query", "      ", key: "name")
        out += "    headers:" + lines("header", "      ", key: "name")
        return out
    }
}

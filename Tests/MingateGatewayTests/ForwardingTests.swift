import Foundation
import MingatePolicy
import Testing

@testable import MingateGateway

@Suite struct ForwardingTests {
    static let fullOrder = """
        {"payment_type":"bank_transfer",
         "transaction_details":{"order_id":"ORD-20261125-0001","gross_amount":1299.50},
         "customer_details":{"first_name":"Budi","last_name":"Santoso","email":"budi.santoso@example.com",
           "phone":"+6281234567890","billing_address":{"address":"Jl. Sudirman No. 1","city":"Jakarta"}},
         "item_details":[{"id":"SKU-1","price":1299.50,"quantity":1,"name":"Sepatu lari"}],
         "bank_transfer":{"bank":"bca"},
         "custom_field1":"NIK 3171234567890001"}
        """

    @Test func paymentGetsOnlyOrderNumberAndAmount() async throws {
        try await GatewayHarness.with { harness in
            let answer = try await harness.postJSON(
                "/p/midtrans/payment/v2/charge", Self.fullOrder,
                headers: [("Cookie", "session=secret"), ("X-Internal-Trace", "abc"), ("Idempotency-Key", "k-1")])
            #expect(answer.status == 200)
            #expect(answer.header("Set-Cookie") == nil, "a partner's cookies never reach the caller")
            #expect(answer.header("X-Request-Id") != nil)

            let received = try #require(harness.partner.received.first)
            #expect(harness.partner.received.count == 1)
            #expect(received.method == "POST")
            #expect(received.path == "/v2/charge")
            // Exactly the allowlist, numbers as written.
            #expect(
                String(decoding: received.body, as: UTF8.self)
                    == #"{"payment_type":"bank_transfer","transaction_details":{"order_id":"ORD-20261125-0001","gross_amount":1299.50},"bank_transfer":{"bank":"bca"}}"#
            )
            #expect(received.header("Authorization") == "Basic U0ItTWlkLXNlcnZlci10ZXN0Og==", "partner credentials injected")
            #expect(received.header("Cookie") == nil)
            #expect(received.header("X-Internal-Trace") == nil)
            #expect(received.header("Idempotency-Key") == "k-1")

            let record = try #require(try harness.decisions().first)
            #expect(record["decision"]?.stringValue == "forward")
            #expect(record["caller"]?.stringValue == "checkout-service")
            #expect(record["partner"]?.stringValue == "midtrans")
            #expect(record["partner_legal_entity"]?.stringValue == "PT Midtrans")
            #expect(record["legal_basis"]?.stringValue == "contract")
            #expect(record["route"]?.stringValue == "POST /v2/charge")
            guard case .array(let disclosed)? = record["disclosed"], case .array(let withheld)? = record["withheld"] else {
                Issue.record("record lacks disclosed/withheld")
                return
            }
            let paths = disclosed.compactMap { $0["path"]?.stringValue }
            #expect(paths.contains("$['transaction_details']['order_id']"))
            #expect(paths.contains("header:idempotency-key"))
            let withheldPaths = JSONValue.array(withheld).listedPaths
            #expect(withheldPaths.contains("$['customer_details']"))
            #expect(withheldPaths.contains("header:x-internal-trace"))
            #expect(withheldPaths.contains("header:cookie"))
            #expect(record["body_digest"]?.stringValue?.count == 32, "the first 16 bytes of the keyed digest")
        }
    }

    @Test func noPersonalValueReachesTheLedgerFile() async throws {
        try await GatewayHarness.with { harness in
            _ = try await harness.postJSON(
                "/p/midtrans/payment/v2/charge", Self.fullOrder, headers: [("X-Mingate-Subject", "customer-8812")])
            let record = try #require(try harness.decisions().first)
            #expect(record["subject_key"]?.stringValue?.count == 64)
            // Read the raw file (and its WAL): none of the personal values may appear anywhere.
            var bytes = (try? Data(contentsOf: URL(fileURLWithPath: harness.ledgerPath))) ?? Data()
            bytes += (try? Data(contentsOf: URL(fileURLWithPath: harness.ledgerPath + "-wal"))) ?? Data()
            for value in ["Budi", "Santoso", "budi.santoso", "6281234567890", "Sudirman", "3171234567890001", "customer-8812", "ORD-20261125-0001"] {
                #expect(bytes.range(of: Data(value.utf8)) == nil, "'\(value)' found in the ledger file")
            }
        }
    }

    @Test func deliveryKeepsArrayShapeAndDropsEmailAndID() async throws {
        let order = """
            {"origin_contact_name":"Gudang Cikarang","origin_contact_phone":"021555","origin_address":"Kawasan Industri",
             "origin_postal_code":"17530","destination_contact_name":"Siti Aminah","destination_contact_phone":"+62812",
             "destination_contact_email":"siti@example.com","destination_address":"Jl. Melati 5","destination_postal_code":"40115",
             "destination_id_number":"3273010101010001","courier_company":"jne","courier_type":"reg","delivery_type":"now",
             "reference_id":"ORD-9",
             "items":[{"name":"Kaos","description":"hadiah untuk Siti","value":50000,"quantity":2,"weight":300},
                      {"name":"Topi","value":25000,"quantity":1,"weight":100,"buyer_note":"jangan telpon"}]}
            """
        try await GatewayHarness.with { harness in
            let answer = try await harness.postJSON("/p/biteship/delivery/v1/orders", order, token: GatewayHarness.fulfilmentToken)
            #expect(answer.status == 200)
            let body = try #require(harness.partner.received.first?.json)
            #expect(body["destination_contact_email"] == nil)
            #expect(body["destination_id_number"] == nil)
            #expect(body["destination_contact_name"]?.stringValue == "Siti Aminah")
            #expect(
                body["items"]
                    == JSONValue.array([
                        ["name": "Kaos", "value": 50000, "quantity": 2, "weight": 300],
                        ["name": "Topi", "value": 25000, "quantity": 1, "weight": 100],
                    ]))
            #expect(harness.partner.received.first?.header("Authorization") == "biteship-test-key")
        }
    }

    @Test func multipartKeepsNameNikAndSelfieOnly() async throws {
        let boundary = "----mingate-test-boundary"
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x42, count: 2048) + [0xFF, 0xD9]
        func part(_ name: String, _ value: [UInt8], filename: String? = nil, type: String? = nil) -> [UInt8] {
            var text = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\""
            if let filename { text += "; filename=\"\(filename)\"" }
            text += "\r\n"
            if let type { text += "Content-Type: \(type)\r\n" }
            text += "\r\n"
            return Array(text.utf8) + value + Array("\r\n".utf8)
        }
        let body =
            part("name", Array("Budi Santoso".utf8)) + part("nik", Array("3171234567890001".utf8))
            + part("mother_maiden_name", Array("Sri".utf8)) + part("address", Array("Jl. Sudirman".utf8))
            + part("selfie", jpeg, filename: "budi_ktp_selfie.jpg", type: "image/jpeg") + Array("--\(boundary)--\r\n".utf8)
        try await GatewayHarness.with { harness in
            try await harness.consent("granted", partner: "verihubs", purpose: "identity-verification")
            let answer = try await harness.send(
                "POST", "/p/verihubs/identity-verification/v1/identity/verify", token: GatewayHarness.accountToken,
                headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: body)
            #expect(answer.status == 200)
            let received = try #require(harness.partner.received.first)
            let parsed = try MultipartBody.parse(received.body, boundary: boundary)
            #expect(parsed.parts.map(\.name) == ["name", "nik", "selfie"])
            #expect(parsed.parts[2].body == jpeg, "the image passes byte for byte")
            #expect(parsed.parts[2].filename == "selfie", "the original file name is not disclosed")
            #expect(received.header("App-Key") == "verihubs-test-key")
            let record = try #require(try harness.decisions().first)
            #expect(record["withheld"].listedPaths == ["part:mother_maiden_name", "part:address"])
        }
    }

    @Test func formQueryHeadersAndTransforms() async throws {
        try await GatewayHarness.with { harness in
            let form = try await harness.send(
                "POST", "/p/testpartner/form/v1/form?lang=id&debug=1&email=a%40b.c", token: GatewayHarness.testerToken,
                headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array("order_id=ORD-1&phone=%2B6281234567890&email=x%40y.z&pin=1234".utf8))
            #expect(form.status == 200)
            let received = try #require(harness.partner.received.first)
            #expect(String(decoding: received.body, as: UTF8.self) == "order_id=ORD-1&phone=%2A%2A%2A%2A7890")
            #expect(received.query == "lang=id")
            #expect(received.header("X-Api-Key") == "testpartner-secret")

            let json = """
                {"card":"6222 0212 3456 7890 123","phone":"+6281234567890","customer_id":"C-88234123",
                 "dob":"1990-03-07","since":"2019-11-30T10:00:00Z","note":"Please ring twice",
                 "payment":{"bank":"ICBC","cvv":"123","card_cvv":"456","holder":"ZHANG"},
                 "items":[{"sku":"A","name":"x"},{"sku":"B"}],"email":"z@example.com"}
                """
            let transformed = try await harness.postJSON(
                "/p/testpartner/transforms/v1/transforms", json, token: GatewayHarness.testerToken,
                headers: [("Idempotency-Key", "idem-1")])
            #expect(transformed.status == 200)
            let body = try #require(harness.partner.received.last?.json)
            #expect(body["card"]?.stringValue == "622202*********0123")
            #expect(body["phone"]?.stringValue == "****7890")
            #expect(body["customer_id"]?.stringValue?.hasPrefix("psn_") == true)
            #expect(body["dob"]?.stringValue == "1990")
            #expect(body["since"]?.stringValue == "2019-11")
            #expect(body["note"]?.stringValue == "Pleas")
            #expect(body["payment"] == JSONValue.object(JSONObject([("bank", "ICBC"), ("holder", "ZHANG")])), "deny list beats a wildcard")
            #expect(body["items"] == JSONValue.array([["sku": "A"], ["sku": "B"]]))
            #expect(body["email"] == nil)
        }
    }

    @Test func partnerErrorsBecome502And504AndAreRecorded() async throws {
        try await GatewayHarness.with(partnerDelay: .seconds(7)) { harness in
            let slow = try await harness.postJSON("/p/testpartner/transforms/v1/transforms", #"{"dob":"1990-01-01"}"#, token: GatewayHarness.testerToken)
            #expect(slow.status == 504)
            #expect(slow.errorCode == "partner_timeout")
            try await Self.waitForOutcome(harness, error: "partner_timeout")
        }
        try await GatewayHarness.with(configure: { $0.baseURLOverrides["midtrans"] = "http://127.0.0.1:1" }) { harness in
            let down = try await harness.postJSON("/p/midtrans/payment/v2/charge", Self.fullOrder)
            #expect(down.status == 502)
            #expect(down.errorCode == "partner_unreachable")
            try await Self.waitForOutcome(harness, error: "partner_unreachable")
        }
    }

    static func waitForOutcome(_ harness: GatewayHarness, error: String) async throws {
        for _ in 0..<50 {
            let outcomes = try harness.ledgerEntries().filter { $0.kind == .outcome }
            if let outcome = outcomes.first {
                #expect(outcome.document?["error"]?.stringValue == error)
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no outcome recorded")
    }

    @Test func pseudonymsDifferBetweenPartners() throws {
        let master = SymmetricKeyFixture.key
        let a = Transformer(pseudonymKey: Transformer.partnerKey(master: master, partner: "a"))
        let b = Transformer(pseudonymKey: Transformer.partnerKey(master: master, partner: "b"))
        let first = try a.apply(.pseudonym, toText: "C-1")
        #expect(first == (try a.apply(.pseudonym, toText: "C-1")), "stable for one partner")
        #expect(first != (try b.apply(.pseudonym, toText: "C-1")), "unlinkable across partners")
    }
}

import Crypto

enum SymmetricKeyFixture {
    static let key = SymmetricKey(data: Data("fixture-master-key".utf8))
}

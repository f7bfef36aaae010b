import Crypto
import Foundation
import MingateLedger
import MingatePolicy
import Testing

/// Partners' hooks over real loopback: the stand-in plays both the partner's sender (these requests) and the
/// internal service the hook is delivered to (`/internal/{service}/…`), recording exactly what it received.
@Suite struct HookTests {
    static let serverKey = GatewayHarness.environment["MIDTRANS_SERVER_KEY"]!

    /// A Midtrans notification signed as Midtrans signs it (or with `amount` changed after signing).
    static func midtransNotification(order: String = "ORD-20261125-0001", status: String = "settlement", tamperedAmount: String? = nil) -> String {
        let signature = SHA512.hash(data: Data(("\(order)200125000.00" + serverKey).utf8)).map { String(format: "%02x", $0) }.joined()
        return """
            {"transaction_time":"2026-11-25 17:02:11","transaction_status":"\(status)","transaction_id":"9aed5972",\
            "status_code":"200","signature_key":"\(signature)","payment_type":"bank_transfer","order_id":"\(order)",\
            "gross_amount":"\(tamperedAmount ?? "125000.00")","fraud_status":"accept","currency":"IDR",\
            "va_numbers":[{"va_number":"12345678901","bank":"bca"}],"masked_card":"48111111-1114"}
            """
    }

    func post(_ harness: GatewayHarness, _ path: String, _ body: String, headers: [(String, String)] = []) async throws -> GatewayHarness.Answer {
        try await harness.send("POST", path, token: nil, headers: [("Content-Type", "application/json")] + headers, body: Array(body.utf8), subject: nil)
    }

    func inbound(_ harness: GatewayHarness) throws -> [JSONObject] {
        try harness.ledgerEntries().compactMap { entry in
            guard entry.kind == .inbound, case .object(let object)? = entry.document else { return nil }
            return object
        }
    }

    @Test func aSignedMidtransNotificationIsDeliveredMinimisedAndRecorded() async throws {
        try await GatewayHarness.with { harness in
            let answer = try await post(harness, "/w/midtrans/payment-notification", Self.midtransNotification())
            #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
            #expect(answer.json?["status"]?.stringValue == "delivered")

            let delivered = try #require(harness.partner.received.first)
            #expect(harness.partner.received.count == 1)
            #expect(delivered.path == "/internal/checkout-service/midtrans/payment-notification")
            #expect(delivered.header("X-Mingate-Partner") == "midtrans")
            #expect(delivered.header("X-Mingate-Hook") == "payment-notification")
            let body = try #require(delivered.json)
            #expect(body["order_id"]?.stringValue == "ORD-20261125-0001")
            #expect(body["transaction_status"]?.stringValue == "settlement")
            #expect(body["masked_card"] == nil && body["va_numbers"] == nil && body["signature_key"] == nil)

            let record = try #require(try inbound(harness).first)
            #expect(record["kind"]?.stringValue == "inbound")
            #expect(record["partner"]?.stringValue == "midtrans")
            #expect(record["purpose"]?.stringValue == "payment-notification")
            #expect(record["caller"]?.stringValue == "checkout-service")
            #expect(record["decision"]?.stringValue == "forward")
            let categories = Set(record["disclosed"]?.arrayValue?.compactMap { $0["category"]?.stringValue } ?? [])
            #expect(categories == ["transaction.order_id", "transaction.reference", "transaction.status", "transaction.time", "transaction.amount", "transaction.currency", "transaction.payment_method"])
            let withheld = record["withheld"].listedPaths
            #expect(withheld.contains("$['masked_card']") && withheld.contains("$['signature_key']"), "\(withheld)")
            // Auditors search hooks apart from calls to partners.
            let search = try await harness.send(
                "GET", "/audit/records?kind=inbound&partner=midtrans&purpose=payment-notification", token: GatewayHarness.auditorToken, subject: nil)
            #expect(search.status == 200)
            let records = search.json?["records"]?.arrayValue ?? []
            #expect(records.count == 1 && records.first?["kind"]?.stringValue == "inbound", "\(String(decoding: search.body, as: UTF8.self))")
            let calls = try await harness.send("GET", "/audit/records?partner=midtrans", token: GatewayHarness.auditorToken, subject: nil)
            #expect(calls.json?["records"]?.arrayValue?.isEmpty == true, "hooks are not calls to the partner")
            // The outcome: the service's answer, which the partner never sees.
            let outcome = try #require(try await harness.entries(kind: .outcome, atLeast: 1).first)
            #expect(outcome["status"] == .number(JSONNumber(200)))
            #expect(outcome["response"]?.stringValue == "withheld")
        }
    }

    @Test func aBadSignatureAndAReplayAreRefusedAndNothingIsDelivered() async throws {
        try await GatewayHarness.with { harness in
            let tampered = try await post(harness, "/w/midtrans/payment-notification", Self.midtransNotification(tamperedAmount: "1.00"))
            #expect(tampered.status == 401)
            #expect(tampered.errorCode == "webhook_signature_invalid")
            #expect(harness.partner.received.isEmpty)

            let first = try await post(harness, "/w/midtrans/payment-notification", Self.midtransNotification())
            #expect(first.status == 200)
            let replay = try await post(harness, "/w/midtrans/payment-notification", Self.midtransNotification())
            #expect(replay.status == 409)
            #expect(replay.errorCode == "webhook_replayed")
            #expect(harness.partner.received.count == 1, "the replay was not delivered")
            #expect(try inbound(harness).count == 1)

            // Both refusals are in the ledger, counted with the partner and the reason (anyone can send these).
            harness.gateway.unidentified.flush()
            let summaries = try await harness.entries(kind: .refusals, atLeast: 2)
            let reasons = Set(summaries.compactMap { $0["reason"]?.stringValue })
            #expect(reasons == ["webhook_signature_invalid", "webhook_replayed"])
            #expect(summaries.allSatisfy { $0["partner"]?.stringValue == "midtrans" })
        }
    }

    @Test func anUnknownHookIsRefused() async throws {
        try await GatewayHarness.with { harness in
            let unknown = try await post(harness, "/w/midtrans/refund-notification", "{}")
            #expect(unknown.status == 404)
            #expect(unknown.errorCode == "unknown_hook")
            let deeper = try await post(harness, "/w/midtrans/payment-notification/extra", "{}")
            #expect(deeper.errorCode == "bad_path")
            #expect(harness.partner.received.isEmpty)
        }
    }

    @Test func aCourierStatusSignedWithHMACIsDeliveredWithoutTheDriver() async throws {
        try await GatewayHarness.with { harness in
            let body = #"{"event":"order.status","order_id":"5dd599eb","courier_waybill_id":"WYB-1","courier_driver_name":"Budi","courier_driver_phone":"081234567890","status":"picked"}"#
            let key = SymmetricKey(data: Data(GatewayHarness.environment["BITESHIP_WEBHOOK_SECRET"]!.utf8))
            let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: key).map { String(format: "%02x", $0) }.joined()
            let answer = try await post(harness, "/w/biteship/order-status", body, headers: [("X-Biteship-Signature", mac)])
            #expect(answer.status == 200)
            let delivered = try #require(harness.partner.received.first)
            #expect(delivered.path == "/internal/fulfilment-service/biteship/order-status")
            #expect(delivered.header("X-Biteship-Signature") == nil, "the signature is the gateway's, not delivered")
            #expect(delivered.json == (try JSONParser().parse(Array(#"{"event":"order.status","order_id":"5dd599eb","courier_waybill_id":"WYB-1","status":"picked"}"#.utf8))))

            let wrong = try await post(harness, "/w/biteship/order-status", body, headers: [("X-Biteship-Signature", String(mac.reversed()))])
            #expect(wrong.status == 401)
            #expect(harness.partner.received.count == 1)
        }
    }

    /// Standard Webhooks: `v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the `whsec_` key.
    static func standardSignature(id: String, timestamp: Int, body: String) -> String {
        let secret = GatewayHarness.standardWebhooksSecret
        let key = SymmetricKey(data: Data(base64Encoded: String(secret.dropFirst(6)))!)
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).\(body)".utf8), using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    @Test func standardWebhooksSignatureWindowAndReplay() async throws {
        try await GatewayHarness.with { harness in
            let body = #"{"type":"customer.updated","customer_id":"customer-8812","email":"budi@example.com"}"#
            let now = Int(Date().timeIntervalSince1970)
            func headers(id: String, timestamp: Int, signature: String? = nil) -> [(String, String)] {
                [("webhook-id", id), ("webhook-timestamp", String(timestamp)),
                 ("webhook-signature", signature ?? "v1,bm90IGl0 " + Self.standardSignature(id: id, timestamp: timestamp, body: body))]
            }
            let good = try await post(harness, "/w/testpartner/events", body, headers: headers(id: "msg_1", timestamp: now))
            #expect(good.status == 200)
            let delivered = try #require(harness.partner.received.first)
            #expect(delivered.json?["email"] == nil)
            #expect(delivered.json?["customer_id"]?.stringValue?.hasPrefix("customer-") == false, "pseudonymised")
            #expect(delivered.header("webhook-signature") == nil)
            let record = try #require(try inbound(harness).first)
            #expect(record["subject_key"]?.stringValue == harness.gateway.policy.current.enforcer.subjectKey(for: "customer-8812"))

            let again = try await post(harness, "/w/testpartner/events", body, headers: headers(id: "msg_1", timestamp: now))
            #expect(again.errorCode == "webhook_replayed")
            let stale = try await post(harness, "/w/testpartner/events", body, headers: headers(id: "msg_2", timestamp: now - 301))
            #expect(stale.status == 409)
            #expect(stale.errorCode == "webhook_replayed")
            let future = try await post(harness, "/w/testpartner/events", body, headers: headers(id: "msg_3", timestamp: now + 600))
            #expect(future.errorCode == "webhook_replayed")
            let forged = try await post(
                harness, "/w/testpartner/events", body,
                headers: headers(id: "msg_4", timestamp: now, signature: Self.standardSignature(id: "msg_4", timestamp: now + 1, body: body)))
            #expect(forged.status == 401)
            let missing = try await post(harness, "/w/testpartner/events", body, headers: [("webhook-id", "msg_5")])
            #expect(missing.errorCode == "webhook_signature_invalid")
            #expect(harness.partner.received.count == 1)
        }
    }

    @Test func aFailedDeliveryIsRefusedAndTheRetryIsNotAReplay() async throws {
        try await GatewayHarness.with(configure: { configuration in
            configuration.hookURLOverrides["checkout-service"] = "http://127.0.0.1:1/hooks"
        }) { harness in
            for _ in 0..<2 {
                let answer = try await post(harness, "/w/midtrans/payment-notification", Self.midtransNotification())
                #expect(answer.status == 502)
                #expect(answer.errorCode == "hook_delivery_failed")
            }
            // Both attempts were recorded before delivery was tried, each with its failed outcome.
            #expect(try inbound(harness).count == 2)
            let outcomes = try await harness.entries(kind: .outcome, atLeast: 2)
            #expect(outcomes.allSatisfy { $0["error"]?.stringValue == "hook_delivery_failed" })
        }
    }

    @Test func aSignedBodyThatCannotBeReadIsRecordedAsAnInboundRefusal() async throws {
        try await GatewayHarness.with { harness in
            let body = #"{"type":"a","type":"b"}"#
            let now = Int(Date().timeIntervalSince1970)
            let answer = try await post(
                harness, "/w/testpartner/events", body,
                headers: [("webhook-id", "msg_dup"), ("webhook-timestamp", String(now)),
                          ("webhook-signature", Self.standardSignature(id: "msg_dup", timestamp: now, body: body))])
            #expect(answer.errorCode == "duplicate_key")
            #expect(harness.partner.received.isEmpty)
            let record = try #require(try inbound(harness).first)
            #expect(record["decision"]?.stringValue == "refuse")
            #expect(record["reason"]?.stringValue == "duplicate_key")
            #expect(record["disclosed"] == .array([]))
        }
    }
}

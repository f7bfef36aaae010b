import Foundation
import MingateLedger
import MingatePolicy
import Testing

@testable import MingateGateway

/// The reads behind the auditors' console, over loopback against a real gateway and SQLite ledger. The console's own
/// page is tested in a real browser by `Tests/console/console_test.py`.
@Suite struct AuditConsoleTests {
    static let auditor = GatewayHarness.auditorToken

    @Test func searchByReasonAndRequestGoesThroughTheRecordsAPI() async throws {
        try await GatewayHarness.with { harness in
            #expect(try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder).status == 200)
            #expect(try await harness.postJSON("/p/midtrans/payment/v2/charge", "{}", token: GatewayHarness.fulfilmentToken).status == 403)
            #expect(try await harness.postJSON("/p/midtrans/payment/v2/charge", #"{"a":1,"a":2}"#).status == 400)
            _ = try await harness.entries(kind: .outcome, atLeast: 1)

            func records(_ query: String) async throws -> [JSONValue] {
                let answer = try await harness.send("GET", "/audit/records?" + query, token: Self.auditor)
                #expect(answer.status == 200, "\(query): \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
                return try #require(answer.json?["records"]?.arrayValue, "\(query)")
            }
            #expect(try await records("reason=caller_not_allowed").map { $0["caller"]?.stringValue } == ["fulfilment-service"])
            #expect(try await records("reason=duplicate_key").count == 1)
            let allowed = try await records("reason=allowed")
            #expect(allowed.count == 1)
            #expect(try await records("reason=consent_required").isEmpty, "a known code nobody was refused for: none")

            // One request's entries: its decision and its outcome.
            let requestID = try #require(allowed.first?["request_id"]?.stringValue)
            let request = try await records("request_id=" + requestID)
            #expect(request.map { $0["kind"]?.stringValue } == ["disclosure", "outcome"])
            #expect(request.last?["decision_seq"] == allowed.first?["seq"])
            #expect(request.last?["status"] == .number(JSONNumber(200)))

            for bad in [
                "reason=no_such_code", "reason=allowed&decision=refuse", "reason=duplicate_key&decision=forward",
                "subject_key=customer-8812", "subject_key=ABC", "since=2026-02-30T00:00:00Z", "until=2026-11-25",
            ] {
                let answer = try await harness.send("GET", "/audit/records?" + bad, token: Self.auditor)
                #expect(answer.status == 400, "\(bad)")
                #expect(answer.errorCode == "bad_request", "\(bad)")
            }
        }
    }

    @Test func overviewCountsWhatTheRecordsSay() async throws {
        try await GatewayHarness.with { harness in
            for _ in 0..<2 { #expect(try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder).status == 200) }
            #expect(try await harness.postJSON("/p/midtrans/payment/v2/charge", "{}", token: GatewayHarness.fulfilmentToken).status == 403)
            _ = try await harness.entries(kind: .outcome, atLeast: 2)

            let answer = try await harness.send("GET", "/audit/overview", token: Self.auditor)
            #expect(answer.status == 200)
            let overview = try #require(answer.json)
            #expect(overview["forwarded"] == .number(JSONNumber(2)))
            #expect(overview["refused"] == .number(JSONNumber(1)))
            #expect(overview["complete"] == .bool(true))
            #expect(overview["bucket"]?.stringValue == "day")
            let buckets = try #require(overview["buckets"]?.arrayValue)
            let partners = try #require(overview["by_partner"]?.arrayValue)
            let reasons = try #require(overview["refusals_by_reason"]?.arrayValue)
            let callers = try #require(overview["withheld_by_caller"]?.arrayValue)
            let categories = try #require(overview["by_category"]?.arrayValue)
            #expect(buckets.count == 14 || buckets.count == 15, "14 days by day: \(buckets.count)")
            #expect(partners.first?["partner"]?.stringValue == "midtrans")
            let counts = try #require(partners.first?["counts"]?.arrayValue)
            #expect(counts.last == .number(JSONNumber(2)), "today's bucket holds both")
            #expect(reasons.map { $0["reason"]?.stringValue } == ["caller_not_allowed"])
            #expect(categories.contains { $0["category"]?.stringValue == "transaction.order_id" && $0["records"] == .number(JSONNumber(2)) })
            let checkout = try #require(callers.first { $0["caller"]?.stringValue == "checkout-service" })
            #expect(checkout["withheld"] != .number(JSONNumber(0)), "the full order had fields withheld")

            let log = try #require(overview["log"])
            #expect(log["size"] != .number(JSONNumber(0)))
            // The checkpoint is signed within a second; the overview says when and by whom.
            var checkpoint = log["checkpoint"]
            for _ in 0..<50 where checkpoint == .null {
                try await Task.sleep(for: .milliseconds(100))
                checkpoint = try await harness.send("GET", "/audit/overview", token: Self.auditor).json?["log"]?["checkpoint"]
            }
            #expect(checkpoint?["origin"]?.stringValue == "test.mingate/ledger")
            #expect(checkpoint?["age_seconds"] != nil && checkpoint?["age_seconds"] != .null)
            #expect(checkpoint?["cosignatures"] == .array([]), "no witnesses: no cosignatures claimed")

            let charts = try #require(overview["charts"])
            for name in ["disclosures_over_time", "by_category", "refusals_by_reason", "withheld_by_caller"] {
                let svg = try #require(charts[name]?.stringValue, "\(name)")
                #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""), "\(name)")
                #expect(svg.hasSuffix("</svg>"), "\(name)")
                #expect(!svg.contains("Budi") && !svg.contains(GatewayHarness.subject), "\(name) carries no personal value")
            }
            #expect(charts["disclosures_over_time"]?.stringValue?.contains("midtrans (2)") == true)

            for bad in [
                "bucket=week", "since=2026-11-25T00:00:00Z&until=2026-11-24T00:00:00Z",
                "bucket=hour&since=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z", "since=yesterday", "limit=5",
            ] {
                let answer = try await harness.send("GET", "/audit/overview?" + bad, token: Self.auditor)
                #expect(answer.status == 400, "\(bad)")
            }
            let hourly = try await harness.send("GET", "/audit/overview?bucket=hour", token: Self.auditor)
            let hours = try #require(hourly.json?["buckets"]?.arrayValue)
            #expect(hours.count == 48 || hours.count == 49, "48 hours by hour: \(hours.count)")
        }
    }

    @Test func policyAndAPersonsReportForAuditorsOnly() async throws {
        try await GatewayHarness.with { harness in
            #expect(try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder).status == 200)

            let policy = try await harness.send("GET", "/audit/policy", token: Self.auditor)
            #expect(policy.status == 200)
            let purposes = try #require(policy.json?["purposes"]?.arrayValue)
            let payment = try #require(purposes.first { $0["partner"]?.stringValue == "midtrans" && $0["purpose"]?.stringValue == "payment" })
            #expect(payment["legal_basis"]?.stringValue == "contract")
            let fields = try #require(payment["fields"]?.arrayValue)
            #expect(fields.contains { $0["field"]?.stringValue == "body $.transaction_details.order_id" && $0["transform"]?.stringValue == "keep" })
            #expect(policy.json?["home_country"]?.stringValue == "ID")

            func report(_ body: String, token: String? = Self.auditor) async throws -> GatewayHarness.Answer {
                try await harness.send(
                    "POST", "/audit/subjects/report", token: token, headers: [("Content-Type", "application/json")],
                    body: Array(body.utf8), subject: nil)
            }
            let json = try await report(#"{"subject":"customer-8812","language":"en","format":"json","reference":"DSR-1"}"#)
            #expect(json.status == 200)
            let recipients = try #require(json.json?["recipients"]?.arrayValue, "\(String(decoding: json.body, as: UTF8.self).prefix(300))")
            #expect(recipients.map { $0["partner"]?.stringValue } == ["midtrans"])
            #expect(json.json?["reference"]?.stringValue == "DSR-1")
            let nobody = try await report(#"{"subject":"customer-0000","format":"json"}"#)
            let none = try #require(nobody.json?["recipients"]?.arrayValue)
            #expect(none.isEmpty)
            let html = try await report(#"{"subject":"customer-8812"}"#)
            #expect(html.status == 200)
            #expect(html.header("content-type")?.hasPrefix("text/html") == true)
            #expect(String(decoding: html.body, as: UTF8.self).contains("PT Midtrans"))

            for bad in [
                "{}", #"{"subject":""}"#, #"{"subject":"c","language":"fr"}"#, #"{"subject":"c","format":"pdf"}"#,
                #"{"subject":"c","colour":"blue"}"#, #"{"subject":42}"#, "[]", "not json",
            ] {
                let answer = try await report(bad)
                #expect(answer.status == 400, "\(bad)")
                #expect(answer.errorCode == "bad_request", "\(bad)")
            }
            // A caller's token, no token: nothing.
            #expect(try await report(#"{"subject":"customer-8812"}"#, token: GatewayHarness.checkoutToken).status == 401)
            #expect(try await report(#"{"subject":"customer-8812"}"#, token: nil).status == 401)
            #expect(try await harness.send("GET", "/audit/policy", token: GatewayHarness.checkoutToken).status == 401)
            #expect(try await harness.send("GET", "/audit/overview", token: nil).status == 401)
        }
    }

    @Test func theConsoleIsServedFromTheBinaryWithItsOwnScriptOnly() async throws {
        try await GatewayHarness.with { harness in
            for path in ["/console/", "/console", "/console/index.html"] {
                let page = try await harness.send("GET", path, token: nil, subject: nil)
                #expect(page.status == 200, "\(path)")
                #expect(page.header("content-type") == "text/html; charset=utf-8")
                let csp = try #require(page.header("content-security-policy"))
                #expect(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'") && csp.contains("frame-ancestors 'none'"))
                let text = String(decoding: page.body, as: UTF8.self)
                #expect(text.contains(#"<script src="/console/console.js" defer></script>"#))
                #expect(!text.contains("<script>"), "no inline script")
            }
            let script = try await harness.send("GET", "/console/console.js", token: nil, subject: nil)
            #expect(script.status == 200)
            #expect(script.header("content-type")?.hasPrefix("text/javascript") == true)
            #expect(String(decoding: script.body, as: UTF8.self).contains("crypto.subtle") || String(decoding: script.body, as: UTF8.self).contains("subtle()"))
            #expect(try await harness.send("GET", "/console/console.css", token: nil, subject: nil).status == 200)
            #expect(try await harness.send("GET", "/console/other.js", token: nil, subject: nil).status == 404)
        }
    }
}

import Foundation
import Testing

@testable import MingateGateway

/// `/metrics` scraped after real traffic through the gateway: forwarded, refused, unidentified and a partner that
/// cannot be reached. Values are checked, not just names; a path-scanning client adds no series.
@Suite struct MetricsTests {
    /// One sample of the exposition text: name, labels, value.
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    static func parse(_ text: String) -> [Sample] {
        text.split(separator: "\n").compactMap { line -> Sample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
            else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            let body = series[series.index(after: brace)..<series.index(before: series.endIndex)]
            for pair in body.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    static func value(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }

    @Test func seriesAfterRealTraffic() async throws {
        try await GatewayHarness.with(configure: { $0.baseURLOverrides["testpartner"] = "http://127.0.0.1:1" }) { harness in
            for _ in 0..<2 {
                let forwarded = try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder)
                #expect(forwarded.status == 200)
            }
            let malformed = try await harness.postJSON("/p/midtrans/payment/v2/charge", #"{"payment_type":"#)
            #expect(malformed.errorCode == "malformed_json")
            let anonymous = try await harness.postJSON("/p/midtrans/payment/v2/charge", "{}", token: nil)
            #expect(anonymous.errorCode == "unauthenticated")
            let unreachable = try await harness.postJSON(
                "/p/testpartner/transforms/v1/transforms", #"{"dob":"1990-01-01"}"#, token: GatewayHarness.testerToken)
            #expect(unreachable.errorCode == "partner_unreachable")

            let scrape = try await harness.send("GET", "/metrics", token: nil, subject: nil)
            #expect(scrape.status == 200)
            #expect(scrape.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(decoding: scrape.body, as: UTF8.self)
            let samples = Self.parse(text)

            let payment = ["partner": "midtrans", "purpose": "payment", "caller": "checkout-service"]
            #expect(Self.value(samples, "mingate_requests_total", payment.merging(["decision": "forwarded"]) { $1 }) == 2)
            #expect(Self.value(samples, "mingate_requests_total", payment.merging(["decision": "refused"]) { $1 }) == 1)
            #expect(Self.value(samples, "mingate_refusals_total", payment.merging(["reason": "malformed_json"]) { $1 }) == 1)
            #expect(
                Self.value(samples, "mingate_refusals_total", ["partner": "midtrans", "caller": "-", "reason": "unauthenticated"]) == 1)
            #expect(Self.value(samples, "mingate_partner_responses_total", ["partner": "midtrans", "status_class": "2xx"]) == 2)
            #expect(Self.value(samples, "mingate_partner_responses_total", ["partner": "testpartner", "status_class": "error"]) == 1)
            #expect(Self.value(samples, "mingate_partner_errors_total", ["partner": "testpartner", "reason": "partner_unreachable"]) == 1)
            #expect(Self.value(samples, "mingate_request_duration_seconds_count", ["partner": "midtrans", "purpose": "payment", "decision": "forwarded"]) == 2)
            #expect(Self.value(samples, "mingate_partner_request_duration_seconds_count", ["partner": "midtrans"]) == 2)
            let sent = try #require(Self.value(samples, "mingate_partner_sent_bytes_total", ["partner": "midtrans"]))
            #expect(sent == Double(2 * harness.partner.received[0].body.count))

            // The full order carries fields no partner receives: withheld per caller and route template.
            let route = ["caller": "checkout-service", "partner": "midtrans", "purpose": "payment", "route": "POST /v2/charge"]
            let withheld = try #require(Self.value(samples, "mingate_withheld_fields_total", route))
            let disclosed = try #require(Self.value(samples, "mingate_disclosed_fields_total", route))
            #expect(withheld > 0 && withheld.truncatingRemainder(dividingBy: 2) == 0)
            #expect(disclosed == 8, "4 fields a request, two requests")

            // The ledger: up, five decisions and three outcomes committed, all under a signed checkpoint eventually.
            #expect(Self.value(samples, "mingate_ledger_up") == 1)
            #expect((Self.value(samples, "mingate_ledger_size_entries") ?? 0) >= 5)
            #expect((Self.value(samples, "mingate_ledger_commit_duration_seconds_count") ?? 0) >= 1)
            #expect((Self.value(samples, "mingate_ledger_commit_batch_size_count") ?? 0) >= 1)
            #expect(Self.value(samples, "mingate_ledger_queue_depth_entries") != nil)
            #expect(Self.value(samples, "mingate_ledger_unsigned_entries") != nil)
            #expect(Self.value(samples, "mingate_policy_info", ["version": harness.gateway.policy.current.policy.version]) == 1)
            #expect((Self.value(samples, "mingate_open_connections") ?? 0) >= 1)

            // No value from a request ever appears: not the subject, not an order number.
            #expect(!text.contains(GatewayHarness.subject))
            #expect(!text.contains("ORD-20261125"))
        }
    }

    @Test func labelsStayBoundedUnderAPathScanningClient() async throws {
        try await GatewayHarness.with { harness in
            for index in 0..<60 {
                _ = try await harness.send("GET", "/p/scan-\(index)/purpose-\(index)/admin\(index)")
                _ = try await harness.send("GET", "/p/midtrans/scan-\(index)/x", token: nil)
                _ = try await harness.send("GET", "/p/midtrans/payment/v2/scan-\(index)")
            }
            let text = String(decoding: try await harness.send("GET", "/metrics", token: nil, subject: nil).body, as: UTF8.self)
            #expect(!text.contains("scan-"), "no label value comes from the request path")
            let samples = Self.parse(text)
            let refusals = samples.filter { $0.name == "mingate_refusals_total" }
            #expect(refusals.count <= 4, "one series per known partner and reason, not per path: \(refusals.map(\.labels))")
            #expect(refusals.reduce(0) { $0 + $1.value } == 180)
            #expect(samples.filter { $0.name == "mingate_requests_total" }.count <= 4)
        }
    }

    @Test func metricsOnAnAddressOfTheirOwn() async throws {
        let port = try LoopbackPort.free()
        try await GatewayHarness.with(configure: { $0.metricsListen = .init(host: "127.0.0.1", port: port) }) { harness in
            let onGateway = try await harness.send("GET", "/metrics", token: nil, subject: nil)
            #expect(onGateway.status == 404, "not exposed on the gateway port")
            var answer: GatewayHarness.Answer?
            for _ in 0..<50 {
                let separate = GatewayHarness(
                    gatewayURL: "http://127.0.0.1:\(port)", partner: harness.partner, gateway: harness.gateway,
                    ledgerPath: harness.ledgerPath, client: harness.client, partnersDirectory: harness.partnersDirectory)
                answer = try? await separate.send("GET", "/metrics", token: nil, subject: nil)
                if answer != nil { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(answer?.status == 200)
            let text = String(decoding: answer?.body ?? [], as: UTF8.self)
            #expect(text.contains("mingate_ledger_up 1"))
        }
    }

    @Test func jsonLogLinesAreFlatWithDottedKeys() throws {
        let lines = CollectedLines()
        var handler = JSONLogHandler(label: "mingate", write: { lines.append($0) })
        handler.logLevel = .info
        handler.log(
            event: .init(
                level: .info, message: "forwarded \"quoted\"\n",
                metadata: ["hb.request.id": "abc", "ledger.seq": "12", "nested": ["a": "b"]], source: "t", file: "f",
                function: "g", line: 1))
        let text = lines.all.joined()
        #expect(text.hasSuffix("}\n") && text.split(separator: "\n").count == 1, "one line")
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(parsed?["message"] as? String == "forwarded \"quoted\"\n")
        #expect(parsed?["hb.request.id"] as? String == "abc")
        #expect(parsed?["ledger.seq"] as? String == "12")
        #expect(parsed?["level"] as? String == "info")
        #expect((parsed?["time"] as? String)?.hasSuffix("Z") == true)
    }
}

/// Collected log lines, for a handler under test.
final class CollectedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ bytes: [UInt8]) { lock.withLock { lines.append(String(decoding: bytes, as: UTF8.self)) } }
    var all: [String] { lock.withLock { lines } }
}

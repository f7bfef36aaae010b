import Foundation
import MingatePolicy
import NIOConcurrencyHelpers
import Testing

@testable import MingateGateway

@Suite struct ReloadTests {
    @Test func reloadUnderLoadFailsNoRequestAndRejectsAnInvalidChange() async throws {
        try await GatewayHarness.with { harness in
            let file = harness.partnersDirectory + "/midtrans.yaml"
            let original = try String(contentsOfFile: file, encoding: .utf8)
            let statuses = NIOLockedValueBox<[Int]>([])
            let stop = ContinuousClock.now + .seconds(3)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        while ContinuousClock.now < stop {
                            let answer = try await harness.postJSON(
                                "/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder, headers: [("X-Request-Source", "checkout")])
                            statuses.withLockedValue { $0.append(answer.status) }
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(500))
                    // A valid change: the request source header starts to pass.
                    try original.replacingOccurrences(of: """
                            headers:
                              - name: Idempotency-Key
                        """, with: """
                            headers:
                              - name: X-Request-Source
                                category: technical.callback
                              - name: Idempotency-Key
                        """).write(toFile: file, atomically: true, encoding: .utf8)
                    let reloaded = try await harness.send("POST", "/admin/reload", token: GatewayHarness.adminToken)
                    #expect(reloaded.status == 200)
                    #expect(reloaded.json?["result"]?.stringValue == "reloaded")

                    try await Task.sleep(for: .milliseconds(500))
                    // An invalid change: refused, the running policy stays.
                    try original.replacingOccurrences(of: "category: transaction.amount", with: "category: no.such.category")
                        .write(toFile: file, atomically: true, encoding: .utf8)
                    let rejected = try await harness.send("POST", "/admin/reload", token: GatewayHarness.adminToken)
                    #expect(rejected.status == 422)
                    #expect(rejected.json?["error"]?["message"]?.stringValue?.contains("partners/midtrans.yaml") == true)
                    #expect(rejected.json?["policy_version"] == reloaded.json?["policy_version"], "the running policy stayed")
                }
                try await group.waitForAll()
            }
            let all = statuses.withLockedValue { $0 }
            #expect(all.count > 20, "requests ran across the reloads")
            #expect(all.allSatisfy { $0 == 200 }, "no request failed during the reloads: \(Set(all))")

            // The new rule is in effect; records name the policy version they were decided under.
            harness.partner.reset()
            _ = try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder, headers: [("X-Request-Source", "checkout")])
            #expect(harness.partner.received.first?.header("X-Request-Source") == "checkout")
            let versions = Set(try harness.decisions().compactMap { $0["policy_version"]?.stringValue })
            #expect(versions.count == 2)

            let status = try await harness.send("GET", "/admin/status", token: GatewayHarness.adminToken)
            #expect(status.json?["reloads_succeeded"] == .number(JSONNumber(1)))
            #expect(status.json?["reloads_failed"] == .number(JSONNumber(1)))
            #expect(try await harness.send("POST", "/admin/reload", token: GatewayHarness.checkoutToken).status == 401)
        }
    }
}

@Suite struct SandboxTests {
    @Test func aPartnerAddedByReloadInTheSandboxStillGoesToTheStandIn() async throws {
        try await GatewayHarness.with(configure: { configuration in
            let standIn = configuration.baseURLOverrides["midtrans"]!
            configuration.baseURLOverrides = [:]
            configuration.sandboxPartnerURL = standIn
        }) { harness in
            try GatewayHarness.testPartner.replacingOccurrences(of: "id: testpartner", with: "id: latecomer")
                .replacingOccurrences(of: "testpartner", with: "latecomer")
                .write(toFile: harness.partnersDirectory + "/latecomer.yaml", atomically: true, encoding: .utf8)
            guard case .reloaded = harness.gateway.reloader.reload() else {
                Issue.record("reload failed")
                return
            }
            let partners = harness.gateway.policy.current.policy.partners
            #expect(partners["latecomer"]?.baseURL == partners["midtrans"]?.baseURL)
            #expect(partners.values.allSatisfy { $0.baseURL.hasPrefix("http://127.0.0.1:") }, "no real partner URL in the sandbox")
        }
    }
}

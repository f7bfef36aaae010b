import Testing

@testable import MingateGateway

/// The sandbox's partners: everything goes to the stand-in; a deployment may keep a partner on a loopback address
/// (a local mock, a dead port), never on a real one.
@Suite struct SandboxPartnerURLTests {
    @Test func sandboxTrafficNeverLeavesTheHost() throws {
        var configuration = GatewayConfiguration()
        configuration.partnersDirectory = GatewayHarness.repoRoot + "/partners"
        configuration.policiesDirectory = GatewayHarness.repoRoot + "/policies"
        configuration.sandboxPartnerURL = "http://127.0.0.1:4001"
        configuration.sandboxSecrets = true
        configuration.baseURLOverrides = [
            "midtrans": "https://api.sandbox.midtrans.com", "biteship": "http://127.0.0.1:9", "verihubs": "http://localhost:7000/v1",
        ]
        let partners = try LoadedPolicy.load(configuration).policy.partners
        #expect(partners["midtrans"]?.baseURL == "http://127.0.0.1:4001", "a real URL in a sandbox is replaced by the stand-in")
        #expect(partners["biteship"]?.baseURL == "http://127.0.0.1:9")
        #expect(partners["verihubs"]?.baseURL == "http://localhost:7000/v1")
        #expect(partners["bankverify"]?.baseURL == "http://127.0.0.1:4001")
    }

    @Test func loopbackAddresses() {
        for url in ["http://127.0.0.1:9", "https://127.10.0.1/x", "http://localhost", "http://[::1]:8080"] {
            #expect(LoadedPolicy.isLoopback(url), "\(url)")
        }
        for url in ["https://api.midtrans.com", "http://127.0.0.1.evil.example", "http://10.0.0.1", "not a url", "http://128.0.0.1"] {
            #expect(!LoadedPolicy.isLoopback(url), "\(url)")
        }
    }
}

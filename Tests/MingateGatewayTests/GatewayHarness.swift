import AsyncHTTPClient
import Foundation
import Logging
import MingateGateway
import MingateLedger
import MingatePolicy
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// A real gateway and a real stand-in partner on loopback (port 0), a temp SQLite ledger, the repo's sample
/// partners plus the test partner below. Nothing here mocks a part of Mingate.
struct GatewayHarness {
    let gatewayURL: String
    let partner: StandInPartner
    let gateway: Gateway
    let ledgerPath: String
    let client: HTTPClient
    /// The harness's own copy of the partner files (tests may edit them and reload).
    let partnersDirectory: String
    static let adminToken = "test-admin-token"

    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Tokens of the callers the tests use.
    static let checkoutToken = "test-checkout-token"
    static let fulfilmentToken = "test-fulfilment-token"
    static let accountToken = "test-account-token"
    static let testerToken = "test-tester-token"
    static let auditorToken = "test-auditor-token"
    /// The test ledger's checkpoint key (a checkpoint after every commit).
    static let checkpointSigner = NoteSigner.generate(name: "test.mingate/ledger")

    static let environment = [
        "MINGATE_PSEUDONYM_KEY": "test-pseudonym-key-0123456789abcdef0123",
        "MINGATE_LEDGER_KEY": "test-ledger-key-0123456789abcdef0123456",
        "MIDTRANS_SERVER_KEY_BASIC": "U0ItTWlkLXNlcnZlci10ZXN0Og==",
        "BITESHIP_API_KEY": "biteship-test-key",
        "VERIHUBS_APP_KEY": "verihubs-test-key",
        "BANKVERIFY_TOKEN": "bankverify-test-token",
        "TESTPARTNER_KEY": "testpartner-secret",
        "MIDTRANS_SERVER_KEY": "SB-Mid-server-test",
        "BITESHIP_WEBHOOK_SECRET": "biteship-webhook-test-secret",
        "TESTPARTNER_WEBHOOK_SECRET": GatewayHarness.standardWebhooksSecret,
    ]

    /// A Standard Webhooks secret: `whsec_` and the base64 of the key bytes.
    static let standardWebhooksSecret = "whsec_" + Data("testpartner-standard-webhooks-key".utf8).base64EncodedString()

    /// A partner that exercises what the samples do not: form bodies, query strings, every transform.
    static let testPartner = """
        id: testpartner
        legal_entity: PT Mitra Uji
        country: ID
        base_url: https://partner.invalid
        timeouts: { connect_ms: 1000, request_ms: 5000 }
        credentials: { header: X-Api-Key, secret: env:TESTPARTNER_KEY }
        erasure: { endpoint: { method: POST, path: /erase } }
        purposes:
          form:
            legal_basis: contract
            routes: [POST /v1/form]
            body:
              form:
                - { name: order_id, category: transaction.order_id }
                - { name: phone, category: contact.phone, transform: mask(4) }
            query:
              - { name: lang, category: technical.callback }
          transforms:
            legal_basis: contract
            justification: "test"
            routes: [POST /v1/transforms, "GET /v1/items/{id}"]
            path_params:
              - { name: id, category: transaction.items }
            body:
              json:
                - { path: "$.card", category: financial.card_number, transform: card }
                - { path: "$.phone", category: contact.phone, transform: mask(4) }
                - { path: "$.customer_id", category: identity.customer_id, transform: pseudonym }
                - { path: "$.dob", category: identity.date_of_birth, transform: year }
                - { path: "$.since", category: identity.date_of_birth, transform: year-month }
                - { path: "$.note", category: transaction.items, transform: truncate(5) }
                - { path: "$.payment.*", category: transaction.payment_method }
                - { path: "$.items[*].sku", category: transaction.items }
            headers:
              - { name: Idempotency-Key, category: technical.idempotency_key }
          lookup:
            legal_basis: contract
            routes: ["GET /v1/customers/{email}/orders/{order}"]
            path_params:
              - { name: email, category: contact.email, transform: pseudonym }
              - { name: order, category: transaction.order_id }
            response:
              json:
                - { path: "$.received.method", category: transaction.status }
                - { path: "$.received.path", category: transaction.status, transform: truncate(3) }
                - { path: "$.received.headers['x-request-id']", category: transaction.status }
          lawful-request:
            legal_basis: legal_obligation
            legal_request: true
            routes: [POST /v1/lawful-request]
            body:
              json:
                - { path: "$.customer_id", category: identity.customer_id }
        hooks:
          events:
            description: "Standard Webhooks events about a customer"
            legal_basis: contract
            verify: { scheme: standard-webhooks, secret: env:TESTPARTNER_WEBHOOK_SECRET }
            deliver_to: checkout-service
            subject: { json: "$.customer_id" }
            body:
              json:
                - { path: "$.type", category: transaction.status }
                - { path: "$.customer_id", category: identity.customer_id, transform: pseudonym }
        """

    /// A partner outside the home country whose purpose transfers on the subject's consent.
    static let abroadPartner = """
        id: testabroad
        legal_entity: Mitra Luar Negeri Pte Ltd
        country: SG
        base_url: https://abroad.invalid
        erasure: { contact: dpo@abroad.invalid }
        purposes:
          transfer:
            legal_basis: contract
            transfer_basis: consent
            routes: [POST /v1/profile]
            body:
              json:
                - { path: "$.name", category: contact.name }
        """

    /// Starts everything, runs `body`, shuts down (the ledger flushes) before returning.
    static func with(
        partnerDelay: Duration = .zero,
        logs: LogCapture? = nil,
        configure: (inout GatewayConfiguration) -> Void = { _ in },
        _ body: (GatewayHarness) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mingate-test-\(UUID().uuidString)")
        let partnersDirectory = directory.appendingPathComponent("partners")
        try FileManager.default.createDirectory(at: partnersDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for file in try FileManager.default.contentsOfDirectory(atPath: repoRoot + "/partners") where file.hasSuffix(".yaml") {
            try FileManager.default.copyItem(
                atPath: repoRoot + "/partners/" + file, toPath: partnersDirectory.appendingPathComponent(file).path)
        }
        try testPartner.write(to: partnersDirectory.appendingPathComponent("testpartner.yaml"), atomically: true, encoding: .utf8)
        try abroadPartner.write(to: partnersDirectory.appendingPathComponent("testabroad.yaml"), atomically: true, encoding: .utf8)

        let partner = StandInPartner(delay: partnerDelay)
        let (partnerPorts, partnerContinuation) = AsyncStream<Int>.makeStream()
        let partnerApp = partner.application(onRunning: { partnerContinuation.yield($0) })
        let ledgerPath = directory.appendingPathComponent("ledger.sqlite").path

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await partnerApp.runService() }
            var partnerIterator = partnerPorts.makeAsyncIterator()
            let partnerPort = await partnerIterator.next()!

            var configuration = GatewayConfiguration()
            configuration.port = 0
            configuration.partnersDirectory = partnersDirectory.path
            configuration.policiesDirectory = repoRoot + "/policies"
            configuration.ledger = "sqlite:\(ledgerPath)"
            configuration.environment = environment
            for id in ["midtrans", "biteship", "verihubs", "bankverify", "testpartner", "testabroad"] {
                configuration.baseURLOverrides[id] = "http://127.0.0.1:\(partnerPort)"
            }
            // The stand-in is also the internal services that receive hooks, under /internal/{service}.
            for id in ["checkout-service", "fulfilment-service"] {
                configuration.hookURLOverrides[id] = "http://127.0.0.1:\(partnerPort)/internal/\(id)"
            }
            configuration.extraCallers = [
                .init(id: "checkout-service", token: checkoutToken, mayUse: ["midtrans": ["payment"]]),
                .init(id: "fulfilment-service", token: fulfilmentToken, mayUse: ["biteship": ["delivery"]]),
                .init(
                    id: "account-service", token: accountToken,
                    mayUse: ["verihubs": ["identity-verification"], "bankverify": ["account-verification"]]),
                .init(
                    id: "tester", token: testerToken,
                    mayUse: ["testpartner": ["form", "transforms", "lookup", "lawful-request"], "testabroad": ["transfer"]]),
            ]
            configuration.extraAuditors = [.init(id: "test-auditor", token: auditorToken)]
            let keyFile = directory.appendingPathComponent("ledger.key").path
            try checkpointSigner.privateKeyText.write(toFile: keyFile, atomically: true, encoding: .utf8)
            configuration.checkpointKeyFile = keyFile
            configuration.checkpointInterval = 0
            configuration.adminToken = adminToken
            configure(&configuration)

            var logger = logs.map { capture in Logger(label: "mingate.test") { _ in LogCapture.Handler(capture: capture) } } ?? Logger(label: "mingate.test")
            logger.logLevel = logs == nil ? .warning : .debug
            let (gatewayPorts, gatewayContinuation) = AsyncStream<Int>.makeStream()
            let gateway = try Gateway.build(configuration, logger: logger) { gatewayContinuation.yield($0) }
            let serviceGroup = ServiceGroup(
                configuration: .init(services: gateway.services.map { .init(service: $0) }, logger: logger))
            group.addTask { try await serviceGroup.run() }
            var gatewayIterator = gatewayPorts.makeAsyncIterator()
            let gatewayPort = await gatewayIterator.next()!

            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let harness = GatewayHarness(
                gatewayURL: "http://127.0.0.1:\(gatewayPort)", partner: partner, gateway: gateway,
                ledgerPath: ledgerPath, client: client, partnersDirectory: partnersDirectory.path)
            do {
                try await body(harness)
            } catch {
                try? await client.shutdown()
                await serviceGroup.triggerGracefulShutdown()
                group.cancelAll()
                throw error
            }
            try await client.shutdown()
            await serviceGroup.triggerGracefulShutdown()
            // Wait for the gateway group to finish (ledger flushed), then stop the stand-in.
            _ = try await group.next()
            group.cancelAll()
        }
    }

    struct Answer {
        let status: Int
        let headers: [(String, String)]
        let body: [UInt8]
        var json: JSONValue? { try? JSONParser().parse(body) }
        var errorCode: String? {
            guard case .object(let top)? = json, case .object(let error)? = top["error"], case .string(let code)? = error["code"]
            else { return nil }
            return code
        }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    /// The data subject the tests' requests name unless they say otherwise.
    static let subject = "customer-8812"

    func send(
        _ method: String, _ path: String, token: String? = GatewayHarness.checkoutToken,
        headers: [(String, String)] = [], body: [UInt8]? = nil, subject: String? = GatewayHarness.subject
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: gatewayURL + path)
        request.method = .init(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let subject, !headers.contains(where: { $0.0.lowercased() == "x-mingate-subject" }) {
            request.headers.add(name: "X-Mingate-Subject", value: subject)
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .seconds(10))
        let collected = try await response.body.collect(upTo: 10_000_000)
        return Answer(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: Array(collected.readableBytesView))
    }

    func postJSON(
        _ path: String, _ text: String, token: String? = GatewayHarness.checkoutToken, headers: [(String, String)] = [],
        subject: String? = GatewayHarness.subject
    ) async throws -> Answer {
        try await send("POST", path, token: token, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8), subject: subject)
    }

    /// Records a consent through the admin API.
    func consent(_ state: String, partner: String, purpose: String, kind: String = "purpose", subject: String = GatewayHarness.subject) async throws {
        let answer = try await send(
            "POST", "/admin/consents", token: GatewayHarness.adminToken, headers: [("Content-Type", "application/json")],
            body: Array(#"{"subject":"\#(subject)","partner":"\#(partner)","purpose":"\#(purpose)","kind":"\#(kind)","state":"\#(state)","evidence":"consent-screen-42"}"#.utf8))
        precondition(answer.status == 200, "consent not recorded: \(answer.status)")
    }

    /// The ledger as stored on disk, read through a fresh connection.
    func ledgerEntries() throws -> [LedgerEntry] {
        let store = try SQLiteLedgerStore(path: ledgerPath)
        return try store.entries(in: 0..<Int64.max)
    }

    /// Entries of one kind, parsed, once at least `count` of them are on disk (written without waiting, like
    /// outcomes and refusal summaries); fails after 5 s.
    func entries(kind: LedgerEntry.Kind, atLeast count: Int) async throws -> [JSONObject] {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            let found = try ledgerEntries().compactMap { entry -> JSONObject? in
                guard entry.kind == kind, case .object(let object)? = entry.document else { return nil }
                return object
            }
            if found.count >= count || ContinuousClock.now > deadline { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Disclosure records only, parsed.
    func decisions() throws -> [JSONObject] {
        try ledgerEntries().compactMap { entry in
            guard entry.kind == .disclosure, case .object(let object)? = entry.document else { return nil }
            return object
        }
    }
}

/// Every line the gateway logs, with its metadata, kept for a test to read.
extension Optional where Wrapped == JSONValue {
    /// The paths of a record's `withheld` (or `disclosed`) list: version 2 lists `{path, count}` templates, version 1
    /// plain strings.
    var listedPaths: [String] {
        (self?.arrayValue ?? []).compactMap { $0.stringValue ?? $0["path"]?.stringValue }
    }
}

extension JSONValue {
    var listedPaths: [String] { Optional(self).listedPaths }

    /// A record's `seq`, as a number.
    var sequence: Int? {
        if case .number(let number) = self { return Int(number.text) }
        return nil
    }
}

final class LogCapture: Sendable {
    private let storage = NIOLockedValueBox<[String]>([])
    var lines: [String] { storage.withLockedValue { $0 } }
    func append(_ line: String) { storage.withLockedValue { $0.append(line) } }

    /// A handler per logger, as swift-log expects (metadata is each logger's own), all writing here.
    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.append("\(event.level) \(event.message) \(self.metadata.merging(event.metadata ?? [:]) { $1 })")
        }
    }
}

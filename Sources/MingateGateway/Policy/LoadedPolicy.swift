import Crypto
import Foundation
import MingatePolicy

/// A policy ready to enforce: compiled, secrets resolved, partner base URLs settled.
public struct LoadedPolicy: Sendable {
    public let policy: PolicySet
    public let enforcer: Enforcer
    /// What the ledger records of the ledger key (`KeyedDigests.ledgerKeyFingerprint`); never the key.
    public let ledgerKeyFingerprint: String

    /// Reads, compiles and resolves; fails listing every problem.
    public static func load(_ configuration: GatewayConfiguration) throws(GatewayError) -> LoadedPolicy {
        let source = try PolicyFiles.read(
            partners: configuration.partnersDirectory, policies: configuration.policiesDirectory)
        let compiled: PolicySet
        do {
            compiled = try PolicyCompiler().compile(source)
        } catch {
            throw GatewayError(.policy, error.description)
        }
        let policy = try apply(configuration, to: compiled)
        let resolver = SecretResolver(environment: configuration.environment, sandbox: configuration.sandboxSecrets)
        var missing: [String] = []
        func secret(_ reference: SecretReference, for use: String) -> String {
            guard let value = resolver.resolve(reference) else {
                missing.append("\(reference) (\(use))")
                return ""
            }
            return value
        }
        let pseudonym = secret(policy.pseudonymKey, for: "pseudonym key")
        let ledger = secret(policy.ledgerKey, for: "ledger key")
        var credentials: [String: String] = [:]
        for partner in policy.partners.values.sorted(by: { $0.id < $1.id }) {
            guard let injection = partner.credentials else { continue }
            credentials[partner.id] = injection.prefix + secret(injection.secret, for: "credentials of \(partner.id)")
        }
        var hookSecrets: [String: [UInt8]] = [:]
        for partner in policy.partners.values.sorted(by: { $0.id < $1.id }) {
            for hook in partner.hooks.values.sorted(by: { $0.id < $1.id }) {
                let value = secret(hook.verification.secret, for: "signature secret of \(partner.id) hook \(hook.id)")
                hookSecrets[EnforcerKeys.hookSecretName(partner: partner.id, hook: hook.id)] = Array(value.utf8)
            }
        }
        guard missing.isEmpty else {
            throw GatewayError(
                .secrets,
                "secrets not found (set them in the environment or the files named; `--sandbox` supplies stand-ins):\n"
                    + missing.map { "  \($0)" }.joined(separator: "\n"))
        }
        for (value, name) in [(pseudonym, "pseudonym key"), (ledger, "ledger key")] {
            if let problem = KeyedDigests.keyProblem(value, name: name) { missing.append(problem) }
        }
        guard missing.isEmpty else { throw GatewayError(.secrets, missing.joined(separator: "\n")) }
        let keys = EnforcerKeys(
            pseudonym: SymmetricKey(data: Data(pseudonym.utf8)), ledger: SymmetricKey(data: Data(ledger.utf8)),
            credentials: credentials, hookSecrets: hookSecrets)
        let limits = Enforcer.Limits(maxBodyBytes: configuration.maxBodyBytes, maxJSONDepth: configuration.maxJSONDepth)
        return LoadedPolicy(
            policy: policy, enforcer: Enforcer(policy: policy, keys: keys, limits: limits),
            ledgerKeyFingerprint: KeyedDigests.ledgerKeyFingerprint(keys.ledger))
    }

    /// `http(s)://127.x.x.x`, `[::1]` or `localhost`, with an optional port and path.
    static func isLoopback(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), let host = components.host?.lowercased() else { return false }
        return host == "localhost" || host == "::1" || host == "[::1]"
            || (host.hasPrefix("127.") && host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil })
    }

    /// Base URL overrides and extra callers from the deployment; the policy's version covers them too.
    static func apply(_ configuration: GatewayConfiguration, to policy: PolicySet) throws(GatewayError) -> PolicySet {
        var partners = policy.partners
        for (id, url) in configuration.baseURLOverrides.sorted(by: { $0.key < $1.key }) {
            guard let partner = partners[id] else {
                throw GatewayError(.configuration, "base URL override for unknown partner '\(id)'")
            }
            partners[id] = partner.withBaseURL(url)
        }
        if let sandbox = configuration.sandboxPartnerURL {
            // Sandbox traffic never leaves this host: every partner goes to the stand-in, except one the deployment
            // points at a loopback address on purpose (a local mock, or a dead port to rehearse an outage:
            // scripts/dashboard-demo.sh). A real partner URL in the deployment file is ignored here.
            for (id, partner) in partners where !(configuration.baseURLOverrides[id].map(Self.isLoopback) ?? false) {
                partners[id] = partner.withBaseURL(sandbox)
            }
        }
        var callers: [Caller] = []
        for caller in policy.callers {
            var hooksURL = configuration.hookURLOverrides[caller.id] ?? caller.hooksURL
            // Sandbox hooks are delivered to the stand-in too, under /internal/{service}, never to a real service.
            if let sandbox = configuration.sandboxPartnerURL, hooksURL != nil { hooksURL = sandbox + "/internal/" + caller.id }
            callers.append(Caller(id: caller.id, tokenDigest: caller.tokenDigest, mayUse: caller.mayUse, hooksURL: hooksURL))
        }
        for id in configuration.hookURLOverrides.keys.sorted() where !callers.contains(where: { $0.id == id }) {
            throw GatewayError(.configuration, "hooks URL override for unknown caller '\(id)'")
        }
        for extra in configuration.extraCallers {
            let mayUse = extra.mayUse ?? partners.mapValues { Set($0.purposes.keys) }
            callers.append(
                Caller(id: extra.id, tokenDigest: KeyedDigests.tokenDigest(extra.token), mayUse: mayUse))
        }
        var auditors = policy.auditors
        for extra in configuration.extraAuditors {
            auditors.append(Auditor(id: extra.id, tokenDigest: KeyedDigests.tokenDigest(extra.token)))
        }
        var version = SHA256()
        version.update(data: Data(policy.version.utf8))
        for (id, url) in configuration.baseURLOverrides.sorted(by: { $0.key < $1.key }) {
            version.update(data: Data("\n\(id)=\(url)".utf8))
        }
        for (id, url) in configuration.hookURLOverrides.sorted(by: { $0.key < $1.key }) {
            version.update(data: Data("\nhooks:\(id)=\(url)".utf8))
        }
        for extra in configuration.extraCallers { version.update(data: Data("\ncaller=\(extra.id)".utf8)) }
        if let sandbox = configuration.sandboxPartnerURL { version.update(data: Data("\nsandbox=\(sandbox)".utf8)) }
        let hex = KeyedDigests.hex(version.finalize())
        return PolicySet(
            partners: partners, callers: callers, auditors: auditors, categories: policy.categories,
            homeCountry: policy.homeCountry, defaultRetention: policy.defaultRetention,
            defaultRetentionID: policy.defaultRetentionID, controller: policy.controller,
            deny: policy.deny, pseudonymKey: policy.pseudonymKey, ledgerKey: policy.ledgerKey,
            version: configuration.baseURLOverrides.isEmpty && configuration.hookURLOverrides.isEmpty && configuration.extraCallers.isEmpty
                && configuration.sandboxPartnerURL == nil ? policy.version : hex,
            warnings: policy.warnings)
    }
}

extension Partner {
    func withBaseURL(_ url: String) -> Partner {
        Partner(
            id: id, name: name, legalEntity: legalEntity, country: country, baseURL: url, tls: tls, timeouts: timeouts,
            credentials: credentials, erasure: erasure, purposes: purposes, hooks: hooks)
    }
}

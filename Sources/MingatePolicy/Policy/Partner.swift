/// A recipient of personal data: who it is in law, where, how to reach it, and its purposes.
public struct Partner: Sendable {
    public let id: String
    public let name: String
    public let legalEntity: String
    /// ISO 3166-1 alpha-2.
    public let country: String
    public let baseURL: String
    public let tls: TLSSettings
    public let timeouts: Timeouts
    public let credentials: CredentialInjection?
    public let erasure: ErasureChannel
    public let purposes: [String: Purpose]
    /// The calls this partner makes to the platform (`POST /w/{partner}/{hook}`).
    public let hooks: [String: Hook]

    public init(
        id: String, name: String, legalEntity: String, country: String, baseURL: String, tls: TLSSettings,
        timeouts: Timeouts, credentials: CredentialInjection?, erasure: ErasureChannel, purposes: [String: Purpose],
        hooks: [String: Hook] = [:]
    ) {
        self.id = id
        self.name = name
        self.legalEntity = legalEntity
        self.country = country
        self.baseURL = baseURL
        self.tls = tls
        self.timeouts = timeouts
        self.credentials = credentials
        self.erasure = erasure
        self.purposes = purposes
        self.hooks = hooks
    }
}

public struct TLSSettings: Sendable, Hashable {
    /// A PEM file of CA certificates to trust instead of the system's.
    public let caFile: String?
    public let verify: Bool

    public init(caFile: String?, verify: Bool) {
        self.caFile = caFile
        self.verify = verify
    }
}

public struct Timeouts: Sendable, Hashable {
    public let connectMilliseconds: Int
    public let requestMilliseconds: Int

    public init(connectMilliseconds: Int, requestMilliseconds: Int) {
        self.connectMilliseconds = connectMilliseconds
        self.requestMilliseconds = requestMilliseconds
    }
}

/// How the partner's credentials go on the outbound request: a header whose value is `prefix` + the secret.
public struct CredentialInjection: Sendable, Hashable {
    public let header: String
    public let prefix: String
    public let secret: SecretReference
}

/// Where a secret lives: an environment variable or a file. Never the secret itself.
public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
    case environment(String)
    case file(String)

    public init?(_ text: String) {
        if text.hasPrefix("env:"), text.count > 4 {
            self = .environment(String(text.dropFirst(4)))
        } else if text.hasPrefix("file:"), text.count > 5 {
            self = .file(String(text.dropFirst(5)))
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .environment(let name): "env:\(name)"
        case .file(let path): "file:\(path)"
        }
    }
}

/// How a partner is told that data must be erased.
public enum ErasureChannel: Sendable, Hashable {
    case endpoint(method: String, path: String)
    case contact(String)
    case none
}

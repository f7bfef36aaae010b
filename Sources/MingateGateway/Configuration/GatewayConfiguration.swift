import Logging

/// How one gateway runs. Every field has a default; only `main` decides where values come from (flags, a
/// deployment file, the environment). Tests build one in code with port 0.
public struct GatewayConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// Folder of `partners/<id>.yaml`.
    public var partnersDirectory: String = "partners"
    /// Folder of `policies/*.yaml`.
    public var policiesDirectory: String = "policies"
    /// Where the ledger lives: `sqlite:PATH`.
    public var ledger: String = "sqlite:var/ledger.sqlite"
    /// The ledger's checkpoint signing key (`mingate ledger keygen`); its name is the log's origin. Without one
    /// the ledger is durable but not signed.
    public var checkpointKeyFile: String?
    /// Seconds between signed checkpoints under load (one is also signed at shutdown).
    public var checkpointInterval: Double = 1
    /// Independent witnesses each new checkpoint is offered to (c2sp.org/tlog-witness); their cosignatures are kept.
    public var witnesses: [WitnessEndpoint] = []
    /// Seconds between rounds of offering the latest checkpoint to the witnesses.
    public var witnessInterval: Double = 10
    /// Partner id → base URL, replacing the partner file's (sandbox, staging).
    public var baseURLOverrides: [String: String] = [:]
    /// Caller id → where it receives partners' hooks, replacing `hooks_url` in callers.yaml (staging).
    public var hookURLOverrides: [String: String] = [:]
    public var maxBodyBytes: Int = 1_048_576
    public var maxJSONDepth: Int = 32
    /// Larger partner responses are refused with `partner_response_too_large`.
    public var maxResponseBytes: Int = 10_485_760
    /// Where secret references (`env:NAME`) are looked up.
    public var environment: [String: String] = [:]
    /// `--sandbox`: every partner, including any a reload adds later, goes to this stand-in instead of its base URL.
    public var sandboxPartnerURL: String?
    /// Whether stand-in secrets (`sandbox-not-a-secret:env:NAME`) fill in for secrets the environment lacks: `--sandbox` only.
    public var sandboxSecrets: Bool = false
    /// Extra callers beyond `policies/callers.yaml`: the sandbox's demo caller. Token → caller id.
    public var extraCallers: [ExtraCaller] = []
    /// Extra auditors beyond `policies/auditors.yaml`: the sandbox's demo auditor. Only `id` and `token` are used.
    public var extraAuditors: [ExtraCaller] = []
    public var logLevel: Logger.Level = .info
    /// `text` (the default: for a terminal) or `json` (one object per line, for log shippers).
    public var logFormat: LogFormat = .text
    /// The bearer token of `POST /admin/reload` and `GET /admin/status`; without one they answer 404.
    public var adminToken: String?
    /// Connection cap and the idle, head and body deadlines.
    public var connections = ConnectionLimits()
    /// How long anonymous refusals are counted before their counts are written to the ledger.
    public var unidentifiedWindow: Duration = .seconds(10)
    /// How long one ledger commit may take before its requests are refused (503, nothing sent).
    public var ledgerCommitTimeout: Duration = .seconds(10)

    /// Where `GET /metrics` is served when not on the gateway's own port (then the gateway port answers 404 for it).
    public var metricsListen: ListenAddress?

    public init() {}

    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    public struct ListenAddress: Sendable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `HOST:PORT` (`[::1]:9090` for IPv6), or nil with the text unparsable.
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                (0...65535).contains(port)
            else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self.init(host: host, port: port)
        }
    }

    public struct ExtraCaller: Sendable {
        public var id: String
        public var token: String
        /// nil means every purpose of every partner.
        public var mayUse: [String: Set<String>]?

        public init(id: String, token: String, mayUse: [String: Set<String>]? = nil) {
            self.id = id
            self.token = token
            self.mayUse = mayUse
        }
    }
}

import MingateLedger

/// One witness a deployment names: its cosignature key and the URL prefix it takes `add-checkpoint` under.
public struct WitnessEndpoint: Sendable {
    public let verifier: CosignatureVerifier
    public let url: String

    /// `key` is the witness's verifier key (`name+id+base64(0x04 ‖ key)`), `url` its submission prefix.
    public init(key: String, url: String) throws(LedgerError) {
        verifier = try CosignatureVerifier(verifierKey: key)
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw LedgerError(.badKey, "witness \(verifier.name): the URL must start with http:// or https://")
        }
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}

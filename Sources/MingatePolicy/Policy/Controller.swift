/// The data controller as the person's access report names it (`controller:` in `policies/gateway.yaml`): who is
/// responsible for their data and how to reach its data protection officer.
public struct Controller: Sendable, Equatable {
    /// The legal entity, e.g. `PT Tik Star Media Indonesia`.
    public let name: String
    /// The service the person knows, e.g. `iBooming`.
    public let service: String?
    public let address: String?
    public let dpoEmail: String?
    /// The reply time the privacy policy promises.
    public let replyWithinDays: Int?

    public init(name: String, service: String?, address: String?, dpoEmail: String?, replyWithinDays: Int?) {
        self.name = name
        self.service = service
        self.address = address
        self.dpoEmail = dpoEmail
        self.replyWithinDays = replyWithinDays
    }
}

/// A kind of data (`contact.phone`, `identity.nik`, `biometric.face`…). Sensitive categories are the
/// "specific" personal data of UU PDP Pasal 4(2): biometric, financial, children's data and the like.
public struct DataCategory: Sendable, Hashable {
    public let id: String
    public let description: String
    /// The description in Bahasa Indonesia (`description_id`), for the person's access report.
    public let descriptionID: String?
    public let sensitive: Bool
    /// Whether the data is about an identifiable person (false for amounts, order numbers, courier services…).
    /// A purpose that discloses any personal category must name its data subject.
    public let personal: Bool
}

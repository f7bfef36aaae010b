/// A consent the gateway must find granted, in the consent store, before a request may leave.
public enum ConsentNeed: String, Sendable, Equatable, CaseIterable {
    /// The purpose's legal basis is consent.
    case purpose
    /// The partner is abroad and the transfer basis is consent.
    case transfer
    /// The subject is a minor: a guardian must have consented.
    case guardian

    /// The refusal when it is missing.
    public var refusal: Refusal {
        switch self {
        case .purpose: Refusal(.consentRequired, "the data subject has not consented to this purpose, or withdrew")
        case .transfer: Refusal(.transferConsentRequired, "the data subject has not consented to this transfer abroad")
        case .guardian: Refusal(.guardianConsentRequired, "the subject is a minor and no guardian has consented")
        }
    }
}

/// Why sharing is lawful (UU PDP Pasal 20, GDPR Art. 6).
public enum LegalBasis: String, Sendable, Hashable, CaseIterable {
    case contract
    case consent
    case legalObligation = "legal_obligation"
    case vitalInterest = "vital_interest"
    case publicTask = "public_task"
    case legitimateInterest = "legitimate_interest"
}

/// Why data may leave the home country (UU PDP Pasal 56).
public enum TransferBasis: String, Sendable, Hashable, CaseIterable {
    case adequacy
    case safeguards
    case consent
}

/// Everything the gateway enforces, loaded whole and valid, or not at all.
public struct PolicySet: Sendable {
    public let partners: [String: Partner]
    public let callers: [Caller]
    /// Who may read the ledger over HTTP (`policies/auditors.yaml`, optional).
    public let auditors: [Auditor]
    public let categories: [String: DataCategory]
    public let homeCountry: String
    /// The retention stated for disclosures whose purpose names none (`policies/gateway.yaml`).
    public let defaultRetention: String
    public let defaultRetentionID: String?
    /// Who is responsible for the data, for the access report; nil when `gateway.yaml` names none (lint warns).
    public let controller: Controller?
    /// Member, field and header names never disclosed, whatever a partner file says; compared by `DenyList`.
    public let deny: DenyList
    public let pseudonymKey: SecretReference
    public let ledgerKey: SecretReference
    /// SHA-256 over every policy file, in path order: which policy a decision was made under.
    public let version: String
    /// Problems that did not stop loading (a descendant segment in an allowlist, say).
    public let warnings: [PolicyProblem]

    public init(
        partners: [String: Partner], callers: [Caller], auditors: [Auditor] = [], categories: [String: DataCategory],
        homeCountry: String, defaultRetention: String = "", defaultRetentionID: String? = nil, controller: Controller? = nil,
        deny: DenyList, pseudonymKey: SecretReference, ledgerKey: SecretReference, version: String,
        warnings: [PolicyProblem]
    ) {
        self.partners = partners
        self.callers = callers
        self.auditors = auditors
        self.categories = categories
        self.homeCountry = homeCountry
        self.defaultRetention = defaultRetention
        self.defaultRetentionID = defaultRetentionID
        self.controller = controller
        self.deny = deny
        self.pseudonymKey = pseudonymKey
        self.ledgerKey = ledgerKey
        self.version = version
        self.warnings = warnings
    }

}

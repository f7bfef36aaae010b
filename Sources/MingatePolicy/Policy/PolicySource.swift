/// The text of every policy file, as read from `partners/` and `policies/`; the compiler never touches disk.
public struct PolicySource: Sendable {
    public struct File: Sendable {
        /// The path as shown in problems, e.g. `partners/midtrans.yaml`.
        public let path: String
        public let text: String

        public init(path: String, text: String) {
            self.path = path
            self.text = text
        }
    }

    public var partnerFiles: [File]
    public var policyFiles: [File]

    public init(partnerFiles: [File], policyFiles: [File]) {
        self.partnerFiles = partnerFiles
        self.policyFiles = policyFiles
    }
}

import Foundation
import MingatePolicy

/// Resolves secret references: `env:NAME` from the configured environment, `file:PATH` from disk.
struct SecretResolver {
    let environment: [String: String]
    let sandbox: Bool

    func resolve(_ reference: SecretReference) -> String? {
        switch reference {
        case .environment(let name):
            if let value = environment[name], !value.isEmpty { return value }
        case .file(let path):
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                let trimmed = text.trimmingCharacters(in: .newlines)
                if !trimmed.isEmpty { return trimmed }
            }
        }
        return sandbox ? Self.sandboxValue(reference) : nil
    }

    /// The stand-in `--sandbox` gives a secret the environment lacks: public, documented in the README, and long
    /// enough to pass the key-length check. `sandbox-not-a-secret:env:MINGATE_LEDGER_KEY` for the ledger key.
    static func sandboxValue(_ reference: SecretReference) -> String {
        "sandbox-not-a-secret:\(reference)"
    }
}

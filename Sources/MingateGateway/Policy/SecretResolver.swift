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
        return sandbox ? "sandbox:\(reference)" : nil
    }
}

import ArgumentParser
import Foundation
import MingateLedger

struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "Manage the disclosure ledger: its signing key, its benchmark.", subcommands: [Keygen.self, Bench.self, VerifyBench.self])

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an Ed25519 checkpoint key pair: PREFIX.key (private, mode 0600) and PREFIX.pub.",
            discussion: """
                The origin names the log (one per gateway instance), e.g. 'ledger.example.id/mingate/gw-1'. Give \
                PREFIX.key to `serve --checkpoint-key`, and PREFIX.pub to auditors. Never commit the .key file.
                """)

        @Option(help: "The log's origin: the first line of every checkpoint.") var origin: String
        @Option(help: "Path prefix of the two files.") var out: String
        @Flag(help: "Replace existing files.") var force = false

        func run() throws {
            guard !origin.isEmpty, !origin.contains("+"), !origin.contains(" "), !origin.contains("\n") else {
                throw CommandFailure("an origin has no spaces, '+' or newlines")
            }
            let privatePath = out + ".key"
            let publicPath = out + ".pub"
            if !force && (FileManager.default.fileExists(atPath: privatePath) || FileManager.default.fileExists(atPath: publicPath)) {
                throw CommandFailure("\(privatePath) or \(publicPath) exists; pass --force to replace")
            }
            let signer = NoteSigner.generate(name: origin)
            try KeyFiles.write(signer, prefix: out)
            print("private key: \(privatePath)\nverifier key: \(publicPath)\n\(signer.verifier.verifierKeyText)")
        }
    }
}

enum KeyFiles {
    static func write(_ signer: NoteSigner, prefix: String) throws {
        let directory = (prefix as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(
            atPath: prefix + ".key", contents: Data((signer.privateKeyText + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw CommandFailure("cannot write \(prefix).key") }
        try (signer.verifier.verifierKeyText + "\n").write(toFile: prefix + ".pub", atomically: true, encoding: .utf8)
    }

    static func verifier(_ path: String) throws -> NoteVerifier {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandFailure("cannot read '\(path)'") }
        do {
            return try NoteVerifier(verifierKey: text)
        } catch {
            throw CommandFailure("\(path): \(error.message)")
        }
    }
}

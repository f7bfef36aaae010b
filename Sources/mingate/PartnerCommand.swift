import ArgumentParser
import Foundation
import MingatePolicy

struct PartnerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partner", abstract: "Start onboarding a partner.", subcommands: [New.self])

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write partners/ID.yaml: from an OpenAPI 3 document, every request field listed and denied by default.")
        @Argument(help: "The partner id (lowercase, digits, '-').") var id: String
        @Option(name: .customLong("from-openapi"), help: "An OpenAPI 3 document (JSON or YAML).") var spec: String?
        @Option(name: .customLong("operation"), help: "An operationId to include (repeatable; default: all).") var operations: [String] = []
        @Option(help: "Folder of partner files.") var partners: String = "partners"
        @Flag(help: "Print instead of writing the file.") var stdout = false

        func run() throws {
            guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
                throw CommandFailure("a partner id is lowercase letters, digits and '-'")
            }
            let scaffold: PartnerScaffold
            if let spec {
                guard let text = try? String(contentsOfFile: spec, encoding: .utf8) else { throw CommandFailure("cannot read '\(spec)'") }
                do {
                    scaffold = try PartnerScaffold(partner: id, openAPI: text, operationIDs: operations)
                } catch {
                    throw CommandFailure("\(spec): \(error.description)")
                }
            } else {
                scaffold = PartnerScaffold(partner: id)
            }
            if stdout {
                print(scaffold.yaml, terminator: "")
                return
            }
            let path = "\(partners)/\(id).yaml"
            guard !FileManager.default.fileExists(atPath: path) else { throw CommandFailure("\(path) exists") }
            try scaffold.yaml.write(toFile: path, atomically: true, encoding: .utf8)
            let fields = scaffold.operations.flatMap(\.fields).count
            print("wrote \(path): \(scaffold.operations.count) operation(s), \(fields) field(s), all denied; fill in the TODOs")
        }
    }
}

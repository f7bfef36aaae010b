import ArgumentParser
import Foundation
import MingatePolicy

struct PathCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "path",
        abstract: "Evaluate an RFC 9535 JSONPath query against a JSON document.",
        discussion: """
            Prints the nodelist as one JSON array (or, with --paths, the normalized paths). Reads the document \
            from FILE or standard input. An invalid query exits with status 2 and says where it is wrong.
            """)

    @Argument(help: "The JSONPath query, e.g. '$.items[*].sku'.") var query: String
    @Argument(help: "A JSON file; standard input when omitted.") var file: String?
    @Flag(help: "Print normalized paths instead of values.") var paths = false

    func run() throws {
        let compiled: JSONPathQuery
        do {
            compiled = try JSONPathQuery(query)
        } catch {
            FileHandle.standardError.write(Data("invalid query: \(error)\n\(error.pointing(into: query))\n".utf8))
            throw ExitCode(2)
        }
        let data: Data
        if let file {
            guard let contents = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("cannot read '\(file)'\n".utf8))
                throw ExitCode(1)
            }
            data = contents
        } else {
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        let document: JSONValue
        do {
            document = try JSONParser(maxDepth: 512).parse(Array(data))
        } catch {
            FileHandle.standardError.write(Data("not valid JSON: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let nodes = compiled.select(in: document)
        let output: JSONValue =
            paths ? .array(nodes.map { .string($0.path.description) }) : .array(nodes.map(\.value))
        print(JSONWriter().string(output))
    }
}

import Foundation
import Testing

@testable import MingateGateway

/// The API description is served from the binary, is the file in the repository, and names only routes the
/// running server answers (schemathesis in `.ci/run` checks the answers against it).
@Suite struct OpenAPIDocumentTests {
    @Test func servedDocumentIsTheRepositoryFile() async throws {
        try await GatewayHarness.with { harness in
            let answer = try await harness.send("GET", "/openapi.yaml", token: nil, subject: nil)
            #expect(answer.status == 200)
            #expect(answer.header("Content-Type") == "application/yaml")
            let file = try String(
                contentsOfFile: GatewayHarness.repoRoot + "/Sources/MingateGateway/Resources/openapi.yaml", encoding: .utf8)
            #expect(String(decoding: answer.body, as: UTF8.self) == file)

            // Every GET path without parameters answers something other than the router's 404.
            let paths = file.split(separator: "\n").filter { $0.hasPrefix("  /") && !$0.contains("{") }
                .map { String($0.dropFirst(2).dropLast()) }
            #expect(paths.count >= 9)
            for path in paths where !path.hasPrefix("/admin/reload") && !path.hasPrefix("/admin/consents") && !path.hasSuffix("/erase")
                && !path.hasSuffix("/notice-sent") && !path.hasSuffix("/subjects/report") {
                let token = path.hasPrefix("/admin") ? GatewayHarness.adminToken : GatewayHarness.auditorToken
                let reply = try await harness.send("GET", path, token: token, subject: nil)
                #expect(reply.errorCode != "not_found" || path == "/audit/checkpoint", "\(path) answered \(reply.status)")
            }
        }
    }
}

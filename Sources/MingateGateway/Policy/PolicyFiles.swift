import Foundation
import MingatePolicy

/// Reads the policy folders from disk into a `PolicySource` (the compiler itself never touches files).
public enum PolicyFiles {
    public static func read(partners: String, policies: String) throws(GatewayError) -> PolicySource {
        PolicySource(
            partnerFiles: try yamlFiles(in: partners, label: "partners"),
            policyFiles: try yamlFiles(in: policies, label: "policies"))
    }

    static func yamlFiles(in directory: String, label: String) throws(GatewayError) -> [PolicySource.File] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw GatewayError(.configuration, "cannot read the \(label) folder '\(directory)'")
        }
        var files: [PolicySource.File] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw GatewayError(.configuration, "cannot read '\(path)' as UTF-8")
            }
            files.append(PolicySource.File(path: "\(label)/\(name)", text: text))
        }
        return files
    }
}

import Foundation
import MingatePolicy
import Testing

@testable import MingateLedger

/// The proofs, notes and receipts against material from outside: transparency-dev/merkle's proof vectors (read from
/// `../shared/vectors/merkle/testdata`, Apache-2.0, see its LICENSE), the signed-note spec's example and Go's
/// `note.Open` rules, and the c2sp.org/tlog-proof@v1 form.
@Suite struct ProofFormatTests {
    static let vectors: URL = {
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("shared/vectors/merkle/testdata")
    }()

    static func cases(_ kind: String) throws -> [(name: String, json: JSONValue)] {
        let root = vectors.appendingPathComponent(kind)
        let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }
        return try files.sorted().map { ($0, try JSONParser().parse(Array(Data(contentsOf: root.appendingPathComponent($0))))) }
    }

    static func hash(_ value: JSONValue?) -> [UInt8] { value?.stringValue.flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? [] }
    static func hashes(_ value: JSONValue?) -> [[UInt8]] { value?.arrayValue?.map { hash($0) } ?? [] }
    /// A size or index; nil when it does not fit an `Int`.
    static func int(_ value: JSONValue?) -> Int? {
        guard case .number(let number)? = value else { return -1 }
        return Int(number.text)
    }

    /// Runs every vector of a kind: `verify` answers whether it verifies, or nil when a size or index does not fit
    /// an `Int` (such a vector must be one that is refused: no log gets that large).
    static func run(_ kind: String, _ verify: (JSONValue) -> Bool?) throws {
        let cases = try Self.cases(kind)
        #expect(cases.count > 60, "the vectors were found: \(Self.vectors.path)")
        for (name, json) in cases {
            let wanted = json["wantErr"] == .bool(false)
            guard let verified = verify(json) else {
                #expect(!wanted, "\(name): a size or index past Int.max must be a refusal")
                continue
            }
            #expect(verified == wanted, "\(name)")
        }
    }

    @Test func inclusionVectors() throws {
        try Self.run("inclusion") { json in
            guard let index = Self.int(json["leafIdx"]), let size = Self.int(json["treeSize"]) else { return nil }
            return MerkleTree.verifyInclusion(
                index: index, size: size, leaf: Self.hash(json["leafHash"]), proof: Self.hashes(json["proof"]), root: Self.hash(json["root"]))
        }
    }

    @Test func consistencyVectors() throws {
        try Self.run("consistency") { json in
            guard let first = Self.int(json["size1"]), let second = Self.int(json["size2"]) else { return nil }
            return MerkleTree.verifyConsistency(
                first: first, second: second, proof: Self.hashes(json["proof"]), firstRoot: Self.hash(json["root1"]),
                secondRoot: Self.hash(json["root2"]))
        }
    }

    // The signed-note spec's example (c2sp.org/signed-note, "Example").
    static let specKey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    static let specNote = "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"

    @Test func theSpecExampleVerifiesAndMalformedNotesDoNot() throws {
        let verifier = try NoteVerifier(verifierKey: Self.specKey)
        #expect(verifier.verify(Self.specNote) == "This is an example message.\n")
        let malformed = [
            ("no final newline", String(Self.specNote.dropLast())),
            ("a trailing space after the signature", String(Self.specNote.dropLast()) + " \n"),
            ("a carriage return", Self.specNote.replacingOccurrences(of: "\n—", with: "\r\n—")),
            ("a control character in the text", Self.specNote.replacingOccurrences(of: "example message", with: "example\u{7}message")),
            ("a hyphen for the em dash", Self.specNote.replacingOccurrences(of: "— ", with: "- ")),
            ("two spaces before the signature", Self.specNote.replacingOccurrences(of: "foo Uw2Q", with: "foo  Uw2Q")),
            ("a stray line among the signatures", Self.specNote + "hello\n"),
            ("a blank line after the signatures", Self.specNote + "\n"),
            ("unpadded base64", Self.specNote.replacingOccurrences(of: "aQM=", with: "aQM")),
            ("a '+' in the key name", Self.specNote.replacingOccurrences(of: "— example.com/foo", with: "— example.com/f+o")),
            ("no signatures", "This is an example message.\n\n"),
        ]
        for (why, note) in malformed {
            #expect(throws: LedgerError.self, "\(why)") { try SignedNote(parsing: note) }
            #expect(verifier.verify(note) == nil, "\(why)")
        }
        // Signatures of unknown keys are ignored; a bad signature under the known key rejects the whole note.
        let withStranger = Self.specNote + "— stranger.example/key AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n"
        #expect(verifier.verify(withStranger) == "This is an example message.\n")
        let badTwin = Self.specNote + "— example.com/foo Uw2QOgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
        #expect(verifier.verify(badTwin) == nil)
    }

    @Test func receiptsAreTlogProofsWithTheRecordInExtraAndParseStrictly() throws {
        let signer = NoteSigner.generate(name: "test.mingate/receipts")
        let records = (0..<5).map { Array(#"{"seq":\#($0),"v":1}"#.utf8) }
        let leaves = records.map(MerkleTree.leafHash)
        let checkpoint = Checkpoint(origin: signer.name, size: 5, root: MerkleTree.root(leaves[...]))
        let receipt = InclusionReceipt(
            index: 3, record: records[3], proof: MerkleTree.inclusionProof(3, leaves[...]), checkpointNote: try signer.sign(checkpoint.text))
        let lines = receipt.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "c2sp.org/tlog-proof@v1")
        #expect(lines[1] == "extra \(Data(records[3]).base64EncodedString())")
        #expect(lines[2] == "index 3")
        #expect(try InclusionReceipt(text: receipt.text).verify(with: signer.verifier) == checkpoint)

        let text = receipt.text
        let malformed = [
            ("the record on a line of its own", text.replacingOccurrences(of: "extra ", with: "record ")),
            ("extra after index", text.replacingOccurrences(of: "extra \(Data(records[3]).base64EncodedString())\nindex 3", with: "index 3\nextra \(Data(records[3]).base64EncodedString())")),
            ("a leading zero", text.replacingOccurrences(of: "index 3", with: "index 03")),
            ("a sign", text.replacingOccurrences(of: "index 3", with: "index +3")),
            ("no final newline", String(text.dropLast())),
            ("a trailing space after the signature", String(text.dropLast()) + " \n"),
            ("another header", text.replacingOccurrences(of: "@v1", with: "@v2")),
            ("a short proof hash", text.replacingOccurrences(of: "index 3\n", with: "index 3\nAAAA\n")),
        ]
        for (why, bad) in malformed {
            #expect(throws: LedgerError.self, "\(why)") { try InclusionReceipt(text: bad) }
        }
        // A receipt without extra is a tlog-proof, but Mingate has no record to check then.
        let bare = text.replacingOccurrences(of: "extra \(Data(records[3]).base64EncodedString())\n", with: "")
        #expect(throws: LedgerError.self) { try InclusionReceipt(text: bare).verify(with: signer.verifier) }
        #expect(try InclusionReceipt(text: bare).index == 3)
        // A checkpoint under the key's name but another origin line is not this log's.
        let elsewhere = Checkpoint(origin: "test.mingate/other", size: 5, root: checkpoint.root)
        let misfiled = InclusionReceipt(index: 3, record: records[3], proof: receipt.proof, checkpointNote: try signer.sign(elsewhere.text))
        #expect(throws: LedgerError.self) { try misfiled.verify(with: signer.verifier) }
    }

    @Test func consistencyProofsRoundTripAndParseStrictly() throws {
        let signer = NoteSigner.generate(name: "test.mingate/consistency")
        let leaves = (0..<11).map { MerkleTree.leafHash([UInt8($0)]) }
        let old = Checkpoint(origin: signer.name, size: 6, root: MerkleTree.root(leaves[0..<6]))
        let new = Checkpoint(origin: signer.name, size: 11, root: MerkleTree.root(leaves[...]))
        let proof = ConsistencyProof(oldSize: 6, proof: MerkleTree.consistencyProof(6, leaves[...]), checkpointNote: try signer.sign(new.text))
        let parsed = try ConsistencyProof(text: proof.text)
        #expect(try parsed.verify(from: old, with: signer.verifier) == new)
        #expect(throws: LedgerError.self) { try parsed.verify(from: Checkpoint(origin: signer.name, size: 6, root: leaves[0]), with: signer.verifier) }
        for bad in [proof.text.replacingOccurrences(of: "old 6", with: "old 06"), String(proof.text.dropLast()), "old 6\n"] {
            #expect(throws: LedgerError.self) { try ConsistencyProof(text: bad) }
        }
    }
}

import Foundation
import Testing

@testable import MingateLedger

/// RFC 6962 reference vectors (the Certificate Transparency test set, as used by transparency-dev/merkle).
@Suite struct MerkleTreeTests {
    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static let inputs = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
    static let leaves = inputs.map { MerkleTree.leafHash(hex($0)) }
    static let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ].map(hex)

    /// (leaf index, tree size, proof)
    static let inclusion: [(Int, Int, [String])] = [
        (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    ]

    /// (first size, second size, proof)
    static let consistency: [(Int, Int, [String])] = [
        (1, 1, []),
        (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    ]

    @Test func rootsMatchTheReference() {
        var range = CompactRange()
        #expect(range.root == Self.roots[0])
        for size in 0...8 {
            #expect(MerkleTree.root(Self.leaves[0..<size]) == Self.roots[size], "size \(size)")
            if size > 0 {
                range.append(Self.leaves[size - 1])
                #expect(range.root == Self.roots[size], "compact range, size \(size)")
            }
        }
    }

    @Test func inclusionProofsMatchTheReference() {
        for (index, size, expected) in Self.inclusion {
            let proof = MerkleTree.inclusionProof(index, Self.leaves[0..<size])
            #expect(proof == expected.map(Self.hex), "leaf \(index) of \(size)")
            #expect(MerkleTree.verifyInclusion(index: index, size: size, leaf: Self.leaves[index], proof: proof, root: Self.roots[size]))
            #expect(!MerkleTree.verifyInclusion(index: index, size: size, leaf: Self.leaves[index], proof: proof, root: Self.roots[size - 1]))
            #expect(!MerkleTree.verifyInclusion(index: index, size: size, leaf: Self.leaves[(index + 1) % size], proof: proof, root: Self.roots[size]))
        }
    }

    @Test func consistencyProofsMatchTheReference() {
        for (first, second, expected) in Self.consistency {
            let proof = MerkleTree.consistencyProof(first, Self.leaves[0..<second])
            #expect(proof == expected.map(Self.hex), "\(first) → \(second)")
            #expect(MerkleTree.verifyConsistency(first: first, second: second, proof: proof, firstRoot: Self.roots[first], secondRoot: Self.roots[second]))
            if first != second {
                #expect(!MerkleTree.verifyConsistency(first: first, second: second, proof: proof, firstRoot: Self.roots[second], secondRoot: Self.roots[second]))
            }
        }
    }

    @Test func everyProofVerifiesForEveryShapeUpTo40() {
        let leaves = (0..<40).map { MerkleTree.leafHash([UInt8($0), UInt8(truncatingIfNeeded: $0 * 7)]) }
        for size in 1...40 {
            let root = MerkleTree.root(leaves[0..<size])
            for index in 0..<size {
                let proof = MerkleTree.inclusionProof(index, leaves[0..<size])
                #expect(MerkleTree.verifyInclusion(index: index, size: size, leaf: leaves[index], proof: proof, root: root))
            }
            for first in 1...size {
                let proof = MerkleTree.consistencyProof(first, leaves[0..<size])
                #expect(MerkleTree.verifyConsistency(first: first, second: size, proof: proof, firstRoot: MerkleTree.root(leaves[0..<first]), secondRoot: root))
            }
        }
    }
}

@Suite struct SignedNoteTests {
    // The example of Go's golang.org/x/mod/sumdb/note documentation: interoperability, byte for byte.
    static let privateKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let verifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let signed = text + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

    @Test func matchesTheGoReference() throws {
        let signer = try NoteSigner(privateKey: Self.privateKey)
        #expect(signer.verifier.verifierKeyText == Self.verifierKey)
        #expect(try signer.sign(Self.text) == Self.signed)
        #expect(try NoteVerifier(verifierKey: Self.verifierKey).verify(Self.signed) == Self.text)
    }

    @Test func refusesAlteredNotesAndOtherKeys() throws {
        let verifier = try NoteVerifier(verifierKey: Self.verifierKey)
        #expect(verifier.verify(Self.signed.replacingOccurrences(of: "problem,", with: "problem;")) == nil)
        let other = NoteSigner.generate(name: "PeterNeumann")
        #expect(verifier.verify(try other.sign(Self.text)) == nil)
        #expect(throws: LedgerError.self) { try NoteVerifier(verifierKey: "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") }
    }

    @Test func keysRoundTripAndCheckpointsParse() throws {
        let signer = NoteSigner.generate(name: "ledger.example/mingate/gw-1")
        let again = try NoteSigner(privateKey: signer.privateKeyText)
        #expect(again.keyHash == signer.keyHash)
        let checkpoint = Checkpoint(origin: signer.name, size: 42, root: MerkleTreeTests.roots[8])
        let note = try again.sign(checkpoint.text)
        let text = try #require(try NoteVerifier(verifierKey: signer.verifier.verifierKeyText).verify(note))
        #expect(try Checkpoint(text: text) == checkpoint)
    }
}

import Foundation
import Hummingbird
import Logging
import MingateLedger
import NIOConcurrencyHelpers
import NIOCore

/// A minimal witness of our own (c2sp.org/tlog-witness `add-checkpoint`), for the tests: it trusts one log key per
/// origin, keeps the latest checkpoint it cosigned per origin, and cosigns (c2sp.org/tlog-cosignature, Ed25519)
/// only a checkpoint proven consistent with it. What it refused is counted by status.
final class TestWitness: Sendable {
    let cosigner: Cosigner
    let trusted: [String: NoteVerifier]
    private let state = NIOLockedValueBox<(latest: [String: Checkpoint], refused: [Int: Int])>(([:], [:]))

    init(name: String = "witness.test/w1", trusting logs: [NoteVerifier]) {
        cosigner = Cosigner(name: name)
        trusted = Dictionary(uniqueKeysWithValues: logs.map { ($0.name, $0) })
    }

    var refused: [Int: Int] { state.withLockedValue { $0.refused } }
    func latest(_ origin: String) -> Checkpoint? { state.withLockedValue { $0.latest[origin] } }

    /// Runs the witness on a loopback port, calls `body` with its URL, then stops it.
    func serving(_ body: (String) async throws -> Void) async throws {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let router = Router()
        router.post("add-checkpoint") { request, _ in try await self.addCheckpoint(request) }
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
            logger: Logger(label: "test-witness", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.runService() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next()!
            defer { group.cancelAll() }
            try await body("http://127.0.0.1:\(port)")
        }
    }

    func addCheckpoint(_ request: Request) async throws -> Response {
        let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
        func answer(_ status: HTTPResponse.Status, _ text: String = "", type: String = "text/plain") -> Response {
            if status != .ok { state.withLockedValue { $0.refused[status.code, default: 0] += 1 } }
            return Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        guard let submission = try? ConsistencyProof(text: body), let note = try? SignedNote(parsing: submission.checkpointNote),
            let checkpoint = try? Checkpoint(text: note.text)
        else { return answer(.badRequest) }
        guard let verifier = trusted[checkpoint.origin] else { return answer(.notFound) }
        guard verifier.verify(submission.checkpointNote) != nil else { return answer(.forbidden) }
        guard submission.oldSize <= checkpoint.size else { return answer(.badRequest) }
        return state.withLockedValue { state -> Response in
            let known = state.latest[checkpoint.origin]
            guard submission.oldSize == known?.size ?? 0 else {
                state.refused[409, default: 0] += 1
                return Response(
                    status: .conflict, headers: [.contentType: "text/x.tlog.size"],
                    body: .init(byteBuffer: ByteBuffer(string: "\(known?.size ?? 0)\n")))
            }
            if let known {
                let consistent =
                    known.size == checkpoint.size
                    ? known.root == checkpoint.root && submission.proof.isEmpty
                    : MerkleTree.verifyConsistency(
                        first: known.size, second: checkpoint.size, proof: submission.proof, firstRoot: known.root, secondRoot: checkpoint.root)
                guard consistent else {
                    state.refused[422, default: 0] += 1
                    return Response(status: .unprocessableContent)
                }
            } else if !submission.proof.isEmpty {
                state.refused[422, default: 0] += 1
                return Response(status: .unprocessableContent)
            }
            state.latest[checkpoint.origin] = checkpoint
            let line = (try? cosigner.cosign(note.text, timestamp: UInt64(Date().timeIntervalSince1970))) ?? ""
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: line)))
        }
    }
}

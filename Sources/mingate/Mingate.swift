import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

struct Mingate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mingate",
        abstract: "The third-party sharing gateway: each partner gets only what its purpose allows, and every disclosure is recorded.",
        subcommands: [Serve.self, PathCommand.self, JSONPathBench.self, PolicyCommand.self, PartnerCommand.self, ReportCommand.self, SubjectCommand.self, ConsentCommand.self, LedgerCommand.self, AuditCommand.self])
}

/// The entry point. Before any task runs, NIO's event loops become Swift concurrency's global executor, so a
/// request's handler runs on the event loop that owns its connection instead of hopping to a separate thread pool
/// and back (docs/performance.md has the measurement). `MINGATE_EXECUTOR=default` keeps Swift's own pool, for
/// comparison. Blocking I/O (SQLite, file reads) runs on NIO's blocking thread pool or the ledger writer's own
/// thread, never on an event loop.
@main
enum Main {
    static func main() {
        if ProcessInfo.processInfo.environment["MINGATE_EXECUTOR"] != "default" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        Task {
            await Mingate.main()
            exit(0)
        }
        dispatchMain()
    }
}

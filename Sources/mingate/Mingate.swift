import ArgumentParser

@main
struct Mingate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mingate",
        abstract: "The third-party sharing gateway: each partner gets only what its purpose allows, and every disclosure is recorded.",
        subcommands: [Serve.self, PathCommand.self, JSONPathBench.self, PolicyCommand.self, PartnerCommand.self, ReportCommand.self, SubjectCommand.self, ConsentCommand.self, LedgerCommand.self, AuditCommand.self])
}

import Foundation

@testable import MingateGateway

/// Runs the system tools the tests need (PostgreSQL's `pg_ctl` as its user, `mount` for a full disk).
enum ChildTool {
    /// Runs a tool to completion with posix_spawn and waitpid (Foundation's Process.waitUntilExit waits on a run
    /// loop that does not turn on a Swift concurrency thread).
    static func run(_ tool: String, _ arguments: [String]) throws {
        let argv = ([tool] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The tool (and the server pg_ctl leaves running) must not inherit the test process's sockets: a server
        // holding a dead test's PostgreSQL connections open would keep its sessions (and their locks) alive.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np"),
            unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3) == 0
        else { throw GatewayError(.configuration, "this libc cannot close inherited descriptors (glibc 2.34 or later is needed)") }
        var pid = pid_t()
        guard posix_spawn(&pid, tool, &actions, nil, argv, environ) == 0 else {
            throw GatewayError(.configuration, "cannot start \(tool)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else {
            throw GatewayError(.configuration, "\(tool) \(arguments.joined(separator: " ")) exited with status \(status)")
        }
    }
}

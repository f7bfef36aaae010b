import Foundation
import Testing

/// Runs the console's browser test (`Tests/console/console_test.py`: Selenium driving Debian's chromium through
/// chromium-driver, against a sandbox gateway started from the binary built beside these tests), so `swift test`
/// covers the page as a person sees it. Without the browser it is skipped loudly; under CI it must run.
@Suite struct ConsoleBrowserTests {
    static var browserAvailable: Bool {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map(String.init)
        func has(_ tool: String) -> Bool { paths.contains { FileManager.default.isExecutableFile(atPath: $0 + "/" + tool) } }
        guard has("chromium"), has("chromedriver"), has("python3") else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import selenium"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }

    /// Skipped, by name and reason, where the browser is missing; under CI it runs regardless and fails without one.
    @Test(.enabled(
        if: browserAvailable || ProcessInfo.processInfo.environment["CI"] == "true",
        "SKIPPED: the console's browser test needs chromium and chromium-driver (apt) and selenium (pip)"))
    func theConsoleWorksInARealBrowser() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", GatewayHarness.repoRoot + "/Tests/console/console_test.py"]
        var environment = ProcessInfo.processInfo.environment
        environment["MINGATE_BIN"] = CrashTests.binary
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "the console's browser test failed:\n\(text)")
        #expect(text.contains("console-test: OK"), "\(text)")
    }
}

import FedSurvAgent
import FedSurvCoordinator
import Foundation
import Testing

/// The built `coordinator` executable, which `swift build --build-tests` places beside the test bundle.
let coordinatorBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("coordinator")

/// Collects a process's standard error on a background thread, so that a chatty process never blocks on a full pipe.
final class ErrorCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""

    init(_ pipe: Pipe) {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.text += String(decoding: data, as: UTF8.self) }
        }
    }

    var contents: String { lock.withLock { text } }
}

@Suite(
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: coordinatorBinary.path),
        "build the coordinator first: swift build --build-tests"))
struct CoordinatorProcessTests {
    @Test("coordinator process runs two rounds")
    func coordinatorProcessRunsRounds() throws {
        let harness = try FederationHarness(count: 2)
        let configPath = harness.folder + "/coordinator.toml"
        try harness.configText.write(toFile: configPath, atomically: true, encoding: .utf8)

        // 1) `coordinator serve` in its own process; its start log names the port it bound.
        let process = Process()
        process.executableURL = coordinatorBinary
        process.arguments = ["serve", "--config", configPath]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let collector = ErrorCollector(errors)
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        var port: Int?
        let started = Date()
        while port == nil, Date().timeIntervalSince(started) < 30, process.isRunning {
            let line = collector.contents.split(separator: "\n").first { $0.contains("msg=\"coordinator serving\"") }
            port = line.flatMap { $0.split(separator: " ").first { $0.hasPrefix("net.port=") } }
                .flatMap { Int($0.dropFirst("net.port=".count)) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        harness.externalPort = try #require(port, "no start log; stderr: \(collector.contents.suffix(2000))")

        // 2) Three in-process agents until the coordinator reports the run finished.
        let agents = try ["site-a", "site-b", "site-c"].map { try harness.agent($0, trainer: ConstantDeltaTrainer(value: 0.1)) }
        #expect(try harness.runUntilFinished(agents) < 60)

        // 3) SIGTERM stops it cleanly.
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(collector.contents.contains("msg=\"coordinator stopped\""))

        // 4) `coordinator status --json` reads the database the process left.
        let status = Process()
        status.executableURL = coordinatorBinary
        status.arguments = ["status", "--config", configPath, "--json"]
        let output = Pipe()
        status.standardOutput = output
        status.standardError = FileHandle.nullDevice
        try status.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        status.waitUntilExit()
        #expect(status.terminationStatus == 0)
        let report = try JSONDecoder().decode(CoordinatorStatus.self, from: data)
        #expect(report.rounds.map(\.phase) == ["committed", "committed"])
        #expect(report.sites.map(\.releases) == [2, 2, 2])
        for site in report.sites {
            #expect(site.epsilonLeft == site.epsilonCap - site.epsilonSpent)
        }
    }
}

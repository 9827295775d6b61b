import FedSurvCoordinator
import FedSurvLedger
import Foundation
import Testing

/// Starts a built executable beside the test bundle, collecting its standard error.
func launch(_ name: String, _ arguments: [String]) throws -> (process: Process, errors: ErrorCollector) {
    let process = Process()
    process.executableURL = coordinatorBinary.deletingLastPathComponent().appendingPathComponent(name)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardError = pipe
    process.standardOutput = FileHandle.nullDevice
    let errors = ErrorCollector(pipe)
    try process.run()
    return (process, errors)
}

/// Waits for `process` to exit, at most `seconds`; returns false when it is still running.
func waitForExit(_ process: Process, seconds: Double) -> Bool {
    waitUntil(seconds: seconds) { !process.isRunning }
}

/// The coordinator and three site agents as separate processes, training under DP on real TCGA partitions.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["FEDSURV_TCGA"] != nil,
        "FEDSURV_TCGA is not set; skipping tests on real TCGA data"),
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: coordinatorBinary.path),
        "build the executables first: swift build --build-tests"))
struct FederationProcessRealDataTests {
    @Test("two private rounds across processes")
    func twoPrivateRounds() throws {
        let data = ProcessInfo.processInfo.environment["FEDSURV_TCGA"]!
        #expect(FileManager.default.fileExists(atPath: data + "/clinical.tsv"), "FEDSURV_TCGA=\(data) has no clinical.tsv")
        let harness = try FederationHarness(count: 2)
        let folder = harness.folder
        let pki = harness.pki

        // 1) Eight hospital partitions: three sites, and one as the coordinator's reference and evaluation folder.
        try FileManager.default.createDirectory(atPath: folder + "/parts", withIntermediateDirectories: true)
        let partition = try launch("site-agent", ["partition", "--data", data, "--sites", "8", "--output", folder + "/parts"])
        #expect(waitForExit(partition.process, seconds: 120))
        #expect(partition.process.terminationStatus == 0, "\(partition.errors.contents.suffix(1000))")

        // 2) The coordinator's configuration and initial model.
        let server = pki.credentials["server"]!
        let configPath = folder + "/coordinator.toml"
        try """
            [server]
            port = 0
            certificate = "\(server.certificate)"
            key = "\(server.key)"
            ca = "\(pki.caPath)"
            crl = "\(pki.crlPath)"

            [rounds]
            count = 2
            min_sites = 2
            timeout_seconds = 300
            sites = ["site-a", "site-b", "site-c"]

            [privacy]
            site_epsilon_cap = 5
            mechanism = "gaussian"
            noise_multiplier = 1.1
            clip = 1.0
            local_steps = 3
            sampling_rate = 0.02

            [model]
            modalities = ["clinical", "mirna"]
            mirna_hidden = [32]
            dimension = 16
            heads = 2
            intervals = 5
            initial = "initial-private.safetensors"

            [state]
            database = "coordinator.sqlite"

            [evaluation]
            data = "parts/site-8"
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let initModel = try launch("coordinator", ["init-model", "--config", configPath, "--reference-data", folder + "/parts/site-8"])
        #expect(waitForExit(initModel.process, seconds: 120))
        #expect(initModel.process.terminationStatus == 0, "\(initModel.errors.contents.suffix(1000))")

        // 3) `coordinator serve`, whose start log names its port.
        let serve = try launch("coordinator", ["serve", "--config", configPath])
        defer { if serve.process.isRunning { serve.process.terminate() } }
        var port: Int?
        _ = waitUntil(seconds: 30) {
            let line = serve.errors.contents.split(separator: "\n").first { $0.contains("msg=\"coordinator serving\"") }
            port = line.flatMap { $0.split(separator: " ").first { $0.hasPrefix("net.port=") } }
                .flatMap { Int($0.dropFirst("net.port=".count)) }
            return port != nil
        }
        let coordinatorPort = try #require(port, "no start log: \(serve.errors.contents.suffix(1000))")

        // 4) Three `site-agent join` processes until the coordinator reports the run finished.
        var agents: [(site: String, process: Process, errors: ErrorCollector)] = []
        for (index, site) in ["site-a", "site-b", "site-c"].enumerated() {
            let credential = pki.credentials[site]!
            let sitePath = "\(folder)/\(site).toml"
            try """
                [site]
                name = "\(site)"
                data = "parts/site-\(index + 1)"
                state = "state-\(site)"

                [coordinator]
                url = "https://127.0.0.1:\(coordinatorPort)"
                ca = "\(pki.caPath)"
                certificate = "\(credential.certificate)"
                key = "\(credential.key)"
                proxy = "direct"
                poll_seconds = 0.5

                [privacy]
                epsilon_cap = 3
                """.write(toFile: sitePath, atomically: true, encoding: .utf8)
            let agent = try launch("site-agent", ["join", "--config", sitePath])
            agents.append((site, agent.process, agent.errors))
        }
        for agent in agents {
            #expect(waitForExit(agent.process, seconds: 120), "\(agent.site) still running")
            #expect(agent.process.terminationStatus == 0, "\(agent.site): \(agent.errors.contents.suffix(1000))")
        }
        serve.process.terminate()
        #expect(waitForExit(serve.process, seconds: 30))

        // 5) Both rounds committed with a C-index, and each site's ledger matches the coordinator's.
        let service = try CoordinatorService(config: try CoordinatorConfig.load(path: configPath))
        let status = try service.status()
        #expect(status.rounds.map(\.phase) == ["committed", "committed"])
        #expect(status.rounds.allSatisfy { $0.cIndex != nil })
        for site in status.sites {
            #expect(site.releases == 2, "\(site.site)")
            let local = try Ledger(readingPath: "\(folder)/state-\(site.site)/ledger.sqlite", accountant: PLDLedgerAccountant())
            // Same records, same accountant: equal to a relative 1e-9.
            #expect(abs(try local.totalEpsilon() - site.epsilonSpent) <= 1e-9 * site.epsilonSpent)
        }
    }
}

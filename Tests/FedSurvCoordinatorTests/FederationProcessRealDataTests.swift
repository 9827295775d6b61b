import FedSurvCoordinator
import FedSurvLedger
import Foundation
import Glibc
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
/// Serialized: each test runs four processes, and two such tests at once overload a 2-core machine.
@Suite(
    .serialized,
    .enabled(
        if: ProcessInfo.processInfo.environment["FEDSURV_TCGA"] != nil,
        "FEDSURV_TCGA is not set; skipping tests on real TCGA data"),
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: coordinatorBinary.path),
        "build the executables first: swift build --build-tests"))
/// The shared steps of the process tests: partitions, configurations, launches.
struct ProcessFederation {
    /// Kept so that its temporary folder lives as long as the federation.
    let harness: FederationHarness
    let folder: String
    let pki: FederationPKI
    let configPath: String

    /// Partitions the real data into eight hospitals and writes the coordinator's
    /// configuration (`[server]` with `port`, then `body`) and initial model.
    init(harness: FederationHarness, data: String, port: Int, body: String) throws {
        self.harness = harness
        folder = harness.folder
        pki = harness.pki
        configPath = folder + "/coordinator.toml"
        try FileManager.default.createDirectory(atPath: folder + "/parts", withIntermediateDirectories: true)
        let partition = try launch("site-agent", ["partition", "--data", data, "--sites", "8", "--output", folder + "/parts"])
        #expect(waitForExit(partition.process, seconds: 120))
        #expect(partition.process.terminationStatus == 0, "\(partition.errors.contents.suffix(1000))")

        let server = pki.credentials["server"]!
        try """
            [server]
            port = \(port)
            certificate = "\(server.certificate)"
            key = "\(server.key)"
            ca = "\(pki.caPath)"
            crl = "\(pki.crlPath)"

            \(body)
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let initModel = try launch("coordinator", ["init-model", "--config", configPath, "--reference-data", folder + "/parts/site-8"])
        #expect(waitForExit(initModel.process, seconds: 120))
        #expect(initModel.process.terminationStatus == 0, "\(initModel.errors.contents.suffix(1000))")
    }

    /// Starts `coordinator serve` and returns it with the port its start log names.
    func serve() throws -> (process: Process, errors: ErrorCollector, port: Int) {
        let serve = try launch("coordinator", ["serve", "--config", configPath])
        var port: Int?
        _ = waitUntil(seconds: 30) {
            let line = serve.errors.contents.split(separator: "\n").first { $0.contains("msg=\"coordinator serving\"") }
            port = line.flatMap { $0.split(separator: " ").first { $0.hasPrefix("net.port=") } }
                .flatMap { Int($0.dropFirst("net.port=".count)) }
            return port != nil
        }
        let bound = try #require(port, "no start log: \(serve.errors.contents.suffix(1000))")
        return (serve.process, serve.errors, bound)
    }

    /// Writes site `index`'s configuration and starts `site-agent join` with it.
    func join(site: String, index: Int, port: Int, cap: Double, retries: Int = 5) throws -> (
        site: String, process: Process, errors: ErrorCollector
    ) {
        let credential = pki.credentials[site]!
        let sitePath = "\(folder)/\(site).toml"
        try """
            [site]
            name = "\(site)"
            data = "parts/site-\(index + 1)"
            state = "state-\(site)"

            [coordinator]
            url = "https://127.0.0.1:\(port)"
            ca = "\(pki.caPath)"
            certificate = "\(credential.certificate)"
            key = "\(credential.key)"
            proxy = "direct"
            poll_seconds = 0.5
            retries = \(retries)
            retry_base_seconds = 0.5

            [privacy]
            epsilon_cap = \(cap)
            """.write(toFile: sitePath, atomically: true, encoding: .utf8)
        let agent = try launch("site-agent", ["join", "--config", sitePath])
        return (site, agent.process, agent.errors)
    }

    func localLedger(_ site: String) throws -> Ledger {
        try Ledger(readingPath: "\(folder)/state-\(site)/ledger.sqlite", accountant: PLDLedgerAccountant())
    }
}

/// Returns a TCP port on 127.0.0.1 that was free a moment ago, so a restarted coordinator can keep its address.
func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
            bind(descriptor, generic, length) == 0 && getsockname(descriptor, generic, &length) == 0
        }
    }
    guard bound else { throw CocoaError(.fileWriteUnknown) }
    return Int(UInt16(bigEndian: address.sin_port))
}

struct FederationProcessRealDataTests {
    @Test("two private rounds across processes")
    func twoPrivateRounds() throws {
        let data = ProcessInfo.processInfo.environment["FEDSURV_TCGA"]!
        #expect(FileManager.default.fileExists(atPath: data + "/clinical.tsv"), "FEDSURV_TCGA=\(data) has no clinical.tsv")
        let federation = try ProcessFederation(
            harness: try FederationHarness(count: 2), data: data, port: 0,
            body: """
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
                """)
        let serve = try federation.serve()
        defer { if serve.process.isRunning { serve.process.terminate() } }

        // Three `site-agent join` processes until the coordinator reports the run finished.
        var agents: [(site: String, process: Process, errors: ErrorCollector)] = []
        for (index, site) in ["site-a", "site-b", "site-c"].enumerated() {
            agents.append(try federation.join(site: site, index: index, port: serve.port, cap: 3))
        }
        for agent in agents {
            #expect(waitForExit(agent.process, seconds: 120), "\(agent.site) still running")
            #expect(agent.process.terminationStatus == 0, "\(agent.site): \(agent.errors.contents.suffix(1000))")
        }
        serve.process.terminate()
        #expect(waitForExit(serve.process, seconds: 30))

        // 5) Both rounds committed with a C-index, and each site's ledger matches the coordinator's.
        let service = try CoordinatorService(config: try CoordinatorConfig.load(path: federation.configPath))
        let status = try service.status()
        #expect(status.rounds.map(\.phase) == ["committed", "committed"])
        #expect(status.rounds.allSatisfy { $0.cIndex != nil })
        for site in status.sites {
            #expect(site.releases == 2, "\(site.site)")
            let local = try federation.localLedger(site.site)
            // Same records, same accountant: equal to a relative 1e-9.
            #expect(abs(try local.totalEpsilon() - site.epsilonSpent) <= 1e-9 * site.epsilonSpent)
        }
    }

    @Test("killed site and coordinator across processes")
    func killedProcesses() throws {
        let data = ProcessInfo.processInfo.environment["FEDSURV_TCGA"]!
        let port = try freeLoopbackPort()
        let federation = try ProcessFederation(
            harness: try FederationHarness(count: 2), data: data, port: port,
            body: """
                [rounds]
                count = 3
                min_sites = 2
                timeout_seconds = 30
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
                mirna_hidden = [16]
                dimension = 16
                heads = 2
                intervals = 5
                initial = "initial-private.safetensors"

                [state]
                database = "coordinator.sqlite"
                """)
        var serve = try federation.serve()
        defer { if serve.process.isRunning { serve.process.terminate() } }
        #expect(serve.port == port)

        // 1) Three agents; site-c is killed with SIGKILL as soon as it has started.
        var agents: [(site: String, process: Process, errors: ErrorCollector)] = []
        for (index, site) in ["site-a", "site-b", "site-c"].enumerated() {
            agents.append(try federation.join(site: site, index: index, port: port, cap: 4, retries: 30))
        }
        _ = waitUntil(seconds: 30) { agents[2].errors.contents.contains("site agent started") }
        kill(agents[2].process.processIdentifier, SIGKILL)
        #expect(waitForExit(agents[2].process, seconds: 10))

        // 2) Once round 1 has committed, kill the coordinator with SIGKILL and start it again on the same port.
        let database = federation.folder + "/coordinator.sqlite"
        let committedFirst = waitUntil(seconds: 90) {
            guard let store = try? SQLiteDatabase(readOnlyPath: database),
                let rows = try? store.query("SELECT COUNT(*) FROM round_metrics")
            else { return false }
            return (rows.first?.first?.int ?? 0) >= 1
        }
        #expect(committedFirst, "round 1 never committed: \(serve.errors.contents.suffix(1500))")
        kill(serve.process.processIdentifier, SIGKILL)
        #expect(waitForExit(serve.process, seconds: 10))
        serve = try federation.serve()
        #expect(serve.port == port)

        // 3) The surviving agents finish the run against the restarted coordinator.
        for agent in agents.prefix(2) {
            #expect(waitForExit(agent.process, seconds: 150), "\(agent.site) still running")
            #expect(agent.process.terminationStatus == 0, "\(agent.site): \(agent.errors.contents.suffix(1000))")
        }
        serve.process.terminate()
        #expect(waitForExit(serve.process, seconds: 30))

        // 4) Every round ended, committed with quorum or failed cleanly (a round whose
        //    deadline passed while the coordinator was down fails). The live sites were
        //    charged at the coordinator once per committed round and never twice, and
        //    every coordinator charge is also in the site's own ledger; a site may hold
        //    more, because it charges itself before uploading.
        let service = try CoordinatorService(config: try CoordinatorConfig.load(path: federation.configPath))
        let status = try service.status()
        #expect(status.rounds.count == 3)
        #expect(status.rounds.allSatisfy { $0.phase == "committed" || $0.phase == "failed" })
        #expect(status.rounds.first?.phase == "committed")
        let committed = status.rounds.filter { $0.phase == "committed" }.count
        let coordinatorLedger = try Ledger(readingPath: database, accountant: PLDLedgerAccountant())
        #expect(verifyLedger(try coordinatorLedger.entries(), delta: 1e-5, accountant: PLDLedgerAccountant()) == nil)
        for site in ["site-a", "site-b"] {
            let remote = try coordinatorLedger.entries(site: site)
            let local = try federation.localLedger(site).entries()
            #expect(remote.count == committed, "\(site) has \(remote.count) coordinator entries for \(committed) rounds")
            #expect(Set(remote.map(\.releaseID)).count == remote.count)
            #expect(Set(remote.map(\.updateSHA256)).isSubset(of: Set(local.map(\.updateSHA256))))
            #expect(Set(remote.map(\.releaseID)).isSubset(of: Set(local.map(\.releaseID))))
        }
        let remoteC = Set(try coordinatorLedger.entries(site: "site-c").map(\.releaseID))
        let localC = Set((try? federation.localLedger("site-c").entries().map(\.releaseID)) ?? [])
        #expect(remoteC.isSubset(of: localC))
        #expect(remoteC.count <= 1)
    }
}

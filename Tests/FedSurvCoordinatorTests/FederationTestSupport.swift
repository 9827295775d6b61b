import FedSurvAgent
import FedSurvCoordinator
import FedSurvCore
import FedSurvFederation
import FedSurvIdentity
import FedSurvLedger
import FedSurvNN
import FedSurvTransport
import Foundation

/// Creates a fresh folder under the system's temporary folder.
func makeTemporaryFolder(_ label: String) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedsurv-\(label)-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A key and certificate on disk.
struct Credential: Sendable {
    let certificate: String
    let key: String
}

/// Certificates made by FedSurvIdentity, once per test process.
///
/// The consortium CA issues `server` (SAN 127.0.0.1), sites `site-a`,
/// `site-b`, `site-c`, `auditor-1`, `operator-1`, and `site-d`, which is revoked
/// before any server starts. A second CA issues `foreign`, whose CN is `site-a`.
final class FederationPKI: Sendable {
    let folder: String
    let caPath: String
    let crlPath: String
    let credentials: [String: Credential]

    static let shared: Result<FederationPKI, Error> = Result { try FederationPKI() }

    private init() throws {
        let root = makeTemporaryFolder("federation-pki")
        folder = root
        let authority = try CertificateAuthority.initialize(directory: root + "/ca", commonName: "FedSurv Test CA")
        let other = try CertificateAuthority.initialize(directory: root + "/other-ca", commonName: "Other CA")
        var credentials: [String: Credential] = [:]

        func issue(_ label: String, commonName: String, role: Role, by ca: CertificateAuthority, names: [String] = [])
            throws
        {
            let request = try makeKeyAndCSR(commonName: commonName, directory: "\(root)/\(label)")
            let issued = try ca.sign(csrPEM: request.csrPEM, role: role, validityDays: 2, subjectAlternativeNames: names)
            let path = "\(root)/\(label)/cert.pem"
            try issued.pem.write(toFile: path, atomically: true, encoding: .utf8)
            credentials[label] = Credential(certificate: path, key: request.keyPath)
        }
        try issue("server", commonName: "coordinator", role: .server, by: authority, names: ["127.0.0.1", "localhost"])
        for site in ["site-a", "site-b", "site-c", "site-d"] {
            try issue(site, commonName: site, role: .site, by: authority)
        }
        try issue("auditor-1", commonName: "auditor-1", role: .auditor, by: authority)
        try issue("operator-1", commonName: "operator-1", role: .operator, by: authority)
        try issue("foreign", commonName: "site-a", role: .site, by: other)
        try authority.revoke(commonName: "site-d")

        self.credentials = credentials
        caPath = authority.certificatePath
        crlPath = authority.crlPath
    }

    static func make() throws -> FederationPKI {
        try shared.get()
    }
}

/// The initial model of the tests: two small tensors, `w` all 0 and `b` all 1.
func writeInitialModel(to path: String) throws {
    let model = SafeTensors(
        tensors: [
            "w": SafeTensor(shape: [2, 3], values: [Float](repeating: 0, count: 6)),
            "b": SafeTensor(shape: [3], values: [Float](repeating: 1, count: 3)),
        ],
        metadata: ["format": "pt"])
    try model.write(to: URL(fileURLWithPath: path))
}

/// A trainer that adds `value` to every weight, with the release record of the round's settings.
///
/// Its delta is known, so a test can predict the aggregated model exactly.
struct ConstantDeltaTrainer: LocalTrainer {
    var value: Float
    var sampleCount = 40

    func plan(round: RoundAssignment) throws -> ReleaseRecord {
        CoordinatorService.referenceRecord(round.settings)
    }

    func train(round: RoundAssignment, global: SafeTensors) throws -> LocalUpdate {
        let delta = global.tensors.mapValues { SafeTensor(shape: $0.shape, values: [Float](repeating: value, count: $0.values.count)) }
        return LocalUpdate(delta: delta, record: try plan(round: round), sampleCount: sampleCount)
    }
}

/// One coordinator and its sites in a temporary folder, on 127.0.0.1.
final class FederationHarness {
    let pki: FederationPKI
    let folder: String
    var config: CoordinatorConfig
    /// The TOML text `config` was parsed from, with `port = 0`.
    let configText: String
    var server: CoordinatorServer?
    /// The port of a coordinator running in another process; nil while `server` is used.
    var externalPort: Int?
    private var agents: [String: SiteAgent] = [:]

    init(
        count: Int = 3, minSites: Int = 2, timeout: Double = 30, strategy: String = "fedavg",
        maxBodyMB: Double = 1, siteCap: Double = 10
    ) throws {
        pki = try FederationPKI.make()
        folder = makeTemporaryFolder("federation")
        try writeInitialModel(to: folder + "/initial.safetensors")
        let server = pki.credentials["server"]!
        let text = """
            [server]
            host = "127.0.0.1"
            port = 0
            certificate = "\(server.certificate)"
            key = "\(server.key)"
            ca = "\(pki.caPath)"
            crl = "\(pki.crlPath)"
            max_body_mb = \(maxBodyMB)
            timeout_seconds = 10

            [rounds]
            count = \(count)
            min_sites = \(minSites)
            timeout_seconds = \(timeout)
            tick_seconds = 0.2
            sites = ["site-a", "site-b", "site-c"]

            [aggregation]
            strategy = "\(strategy)"
            max_update_norm = 100

            [privacy]
            delta = 1e-5
            site_epsilon_cap = \(siteCap)
            mechanism = "gaussian"
            noise_multiplier = 2.0
            clip = 1.0
            local_steps = 3
            sampling_rate = 0.05

            [model]
            initial = "initial.safetensors"

            [state]
            database = "coordinator.sqlite"
            """
        configText = text
        config = try CoordinatorConfig.parse(text: text, file: "coordinator.toml", folder: folder)
    }

    /// Starts (or restarts) the service and its HTTPS server on a free port, keeping the previous port when restarting.
    @discardableResult
    func startCoordinator() throws -> CoordinatorServer {
        let service = try CoordinatorService(config: config, logger: Logger(label: "test.coordinator", level: .warning))
        try service.start()
        let previousPort = server?.port
        let server = try CoordinatorServer(
            service: service, port: previousPort ?? 0, logger: Logger(label: "test.coordinator", level: .warning))
        try server.start()
        self.server = server
        return server
    }

    func stopCoordinator() {
        server?.stop()
    }

    var service: CoordinatorService { server!.service }

    var port: Int { externalPort ?? server!.port }

    func siteConfig(_ site: String, credential: String? = nil, cap: Double = 10) -> SiteConfig {
        let credential = pki.credentials[credential ?? site]!
        return SiteConfig(
            name: site, dataFolder: folder + "/data-\(site)", stateFolder: folder + "/state-\(site)",
            coordinatorURL: "https://127.0.0.1:\(port)", caPath: pki.caPath,
            certificatePath: credential.certificate, keyPath: credential.key, proxy: "direct", pollSeconds: 0.05,
            retries: 2, retryBaseSeconds: 0.01, requestTimeoutSeconds: 10, epsilonCap: cap)
    }

    /// The agent of `site`, made once per harness so that its declined rounds persist between steps.
    func agent(_ site: String, trainer: any LocalTrainer, cap: Double = 10) throws -> SiteAgent {
        if let agent = agents[site] { return agent }
        let config = siteConfig(site, cap: cap)
        let agent = try SiteAgent(
            config: config, trainer: trainer,
            client: try CoordinatorClient(config: config, logger: Logger(label: "test.agent", level: .error)),
            logger: Logger(label: "test.agent", level: .warning))
        agents[site] = agent
        return agent
    }

    /// An HTTPS client with the credential `label` (for example `auditor-1` or `foreign`).
    func client(_ label: String) throws -> HTTPSClient {
        let credential = pki.credentials[label]!
        return try HTTPSClient(
            configuration: .init(
                baseURL: "https://127.0.0.1:\(port)", caPath: pki.caPath,
                certificatePath: credential.certificate, privateKeyPath: credential.key, totalTimeout: 10,
                proxy: .direct, logger: Logger(label: "test.client", level: .error)))
    }

    /// Steps every agent in turn until all report the run finished, at most `limit` rounds of steps.
    func runUntilFinished(_ agents: [SiteAgent], limit: Int = 60) throws -> Int {
        for iteration in 1...limit {
            var finished = 0
            for agent in agents {
                if case .finished = try agent.step() { finished += 1 }
            }
            if finished == agents.count { return iteration }
        }
        return limit
    }

    deinit {
        server?.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

import FedSurvConfig
import Foundation

/// The settings of `sites/<name>/site.toml`; docs/CONFIGURATION.md lists every key with its unit and default.
///
/// Relative paths are resolved against the folder of the configuration file.
public struct SiteConfig: Sendable {
    /// The site's name, equal to the CN of its certificate.
    public var name: String
    /// The folder with the site's TCGA-style input files.
    public var dataFolder: String
    /// The folder for the local ledger and the updates waiting for upload.
    public var stateFolder: String
    /// The coordinator's base URL, for example `https://coordinator.example:8443`.
    public var coordinatorURL: String
    public var caPath: String
    public var certificatePath: String
    public var keyPath: String
    /// `environment` (HTTPS_PROXY), `direct`, or a proxy URL.
    public var proxy: String
    public var pollSeconds: Double
    public var retries: Int
    public var retryBaseSeconds: Double
    public var requestTimeoutSeconds: Double
    /// The site's own hard cap on its composed epsilon at `delta`.
    public var epsilonCap: Double
    public var delta: Double
    public var shareEvaluation: Bool

    public init(
        name: String, dataFolder: String, stateFolder: String, coordinatorURL: String, caPath: String,
        certificatePath: String, keyPath: String, proxy: String = "environment", pollSeconds: Double = 10,
        retries: Int = 5, retryBaseSeconds: Double = 1, requestTimeoutSeconds: Double = 120, epsilonCap: Double,
        delta: Double = 1e-5, shareEvaluation: Bool = false
    ) {
        self.name = name
        self.dataFolder = dataFolder
        self.stateFolder = stateFolder
        self.coordinatorURL = coordinatorURL
        self.caPath = caPath
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.proxy = proxy
        self.pollSeconds = pollSeconds
        self.retries = retries
        self.retryBaseSeconds = retryBaseSeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.epsilonCap = epsilonCap
        self.delta = delta
        self.shareEvaluation = shareEvaluation
    }

    /// Reads and checks a site configuration file.
    ///
    /// - Throws: `ConfigError` with the file, line and key of the first problem.
    public static func load(path: String) throws -> SiteConfig {
        let document = try TOMLDocument(contentsOfFile: path)
        return try parse(document, folder: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// Parses a configuration from TOML text; relative paths resolve against `folder`.
    public static func parse(text: String, file: String, folder: String) throws -> SiteConfig {
        try parse(TOMLDocument(parsing: text, file: file), folder: folder)
    }

    static func parse(_ document: TOMLDocument, folder: String) throws -> SiteConfig {
        try document.rejectUnknownKeys(allowed: ["site", "coordinator", "privacy", "sharing"])
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : URL(fileURLWithPath: folder).appendingPathComponent(path).standardized.path
        }

        let site = try document.requiredTable("site")
        try site.rejectUnknownKeys(allowed: ["name", "data", "state"])
        let coordinator = try document.requiredTable("coordinator")
        try coordinator.rejectUnknownKeys(allowed: [
            "url", "ca", "certificate", "key", "proxy", "poll_seconds", "retries", "retry_base_seconds",
            "timeout_seconds",
        ])
        let privacy = try document.requiredTable("privacy")
        try privacy.rejectUnknownKeys(allowed: ["epsilon_cap", "delta"])
        let sharing = try document.table("sharing")
        try sharing?.rejectUnknownKeys(allowed: ["share_evaluation"])

        let url = try coordinator.required("url", coordinator.string)
        guard url.hasPrefix("https://") else { throw coordinator.invalidValue("url", "must start with https://") }
        let poll = try coordinator.double("poll_seconds", default: 10)
        guard poll > 0 else { throw coordinator.invalidValue("poll_seconds", "must be positive") }
        let retries = try coordinator.int("retries", default: 5)
        guard retries >= 1 else { throw coordinator.invalidValue("retries", "must be at least 1") }
        let retryBase = try coordinator.double("retry_base_seconds", default: 1)
        guard retryBase >= 0 else { throw coordinator.invalidValue("retry_base_seconds", "must be non-negative") }
        let timeout = try coordinator.double("timeout_seconds", default: 120)
        guard timeout > 0 else { throw coordinator.invalidValue("timeout_seconds", "must be positive") }
        let cap = try privacy.required("epsilon_cap", privacy.double)
        guard cap > 0 else { throw privacy.invalidValue("epsilon_cap", "must be positive") }
        let delta = try privacy.double("delta", default: 1e-5)
        guard delta > 0, delta < 1 else { throw privacy.invalidValue("delta", "must be in (0, 1)") }
        let share = try sharing?.bool("share_evaluation") ?? false
        guard !share else {
            // NOTE: no endpoint receives a site's local evaluation yet, so sharing is rejected rather than ignored.
            throw sharing!.invalidValue("share_evaluation", "true is not supported by this build; set it to false")
        }

        return SiteConfig(
            name: try site.required("name", site.string), dataFolder: resolve(try site.required("data", site.string)),
            stateFolder: resolve(try site.required("state", site.string)), coordinatorURL: url,
            caPath: resolve(try coordinator.required("ca", coordinator.string)),
            certificatePath: resolve(try coordinator.required("certificate", coordinator.string)),
            keyPath: resolve(try coordinator.required("key", coordinator.string)),
            proxy: try coordinator.string("proxy", default: "environment"), pollSeconds: poll, retries: retries,
            retryBaseSeconds: retryBase, requestTimeoutSeconds: timeout, epsilonCap: cap, delta: delta,
            shareEvaluation: share)
    }
}

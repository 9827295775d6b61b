import FedSurvConfig
import FedSurvFederation
import Foundation

/// The settings of `coordinator.toml`; docs/CONFIGURATION.md lists every key with its unit and default.
///
/// Relative paths are resolved against the folder of the configuration file.
public struct CoordinatorConfig: Sendable {
    public struct Server: Sendable {
        public var host: String
        public var port: Int
        public var certificate: String
        public var key: String
        public var ca: String
        public var crl: String?
        /// Bytes; requests with a larger body get 413.
        public var maxBodyBytes: Int
        public var timeoutSeconds: Double
    }

    public struct Rounds: Sendable {
        /// Round numbers 1...count are opened; failed rounds count.
        public var count: Int
        public var minSites: Int
        public var maxSites: Int
        public var timeoutSeconds: Double
        /// Seconds between deadline checks.
        public var tickSeconds: Double
        /// Enrolled site names, equal to the CN of each site's certificate.
        public var sites: [String]
    }

    public enum Strategy: String, Sendable {
        case fedavg, fedadam
        case trimmedMean = "trimmed_mean"
    }

    public struct Aggregation: Sendable {
        public var strategy: Strategy
        public var serverLearningRate: Double
        public var beta1: Double
        public var beta2: Double
        public var tau: Double
        public var trimFraction: Double
        public var sampleCounts: SampleCountPolicy
        public var maxUpdateNorm: Double?
        public var maxAbsValue: Double?
    }

    public struct Privacy: Sendable {
        public var delta: Double
        public var siteEpsilonCap: Double
        /// Per-site caps that replace `siteEpsilonCap`.
        public var siteCaps: [String: Double]
        public var settings: TrainingSettings

        /// The cap of `site`: its override, else the default.
        public func cap(of site: String) -> Double {
            siteCaps[site] ?? siteEpsilonCap
        }
    }

    public struct Model: Sendable {
        public var modalities: [String]
        /// Hidden sizes per omics modality; absent modalities use the model's defaults.
        public var hiddenSizes: [String: [Int]]
        public var dimension: Int
        public var heads: Int
        /// Discrete-time intervals fitted on the reference data; 0 builds a Cox model with one output.
        public var intervals: Int
        public var seed: UInt64
        /// The initial global model file that `coordinator init-model` writes and `serve` loads.
        public var initial: String
        /// The public reference folder on which `serve` computes each global model's
        /// relevance intervals (Gaussian rounds with `relevance_intervals` above 1).
        public var referenceData: String? = nil
    }

    public var server: Server
    public var rounds: Rounds
    public var aggregation: Aggregation
    public var privacy: Privacy
    public var model: Model
    /// The SQLite file with rounds, updates, models, the site registry and the coordinator ledger.
    public var database: String
    /// A data folder the coordinator holds for the global model's test C-index, or nil.
    public var evaluationData: String?

    public init(
        server: Server, rounds: Rounds, aggregation: Aggregation, privacy: Privacy, model: Model, database: String,
        evaluationData: String?
    ) {
        self.server = server
        self.rounds = rounds
        self.aggregation = aggregation
        self.privacy = privacy
        self.model = model
        self.database = database
        self.evaluationData = evaluationData
    }

    /// Reads and checks a configuration file.
    ///
    /// - Throws: `ConfigError` with the file, line and key of the first problem.
    public static func load(path: String) throws -> CoordinatorConfig {
        let document = try TOMLDocument(contentsOfFile: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(document, folder: folder)
    }

    /// Parses a configuration from TOML text; relative paths resolve against `folder`.
    public static func parse(text: String, file: String, folder: String) throws -> CoordinatorConfig {
        try parse(TOMLDocument(parsing: text, file: file), folder: folder)
    }

    static func parse(_ document: TOMLDocument, folder: String) throws -> CoordinatorConfig {
        try document.rejectUnknownKeys(allowed: ["server", "rounds", "aggregation", "privacy", "model", "state", "evaluation"])
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : URL(fileURLWithPath: folder).appendingPathComponent(path).standardized.path
        }

        // [server]
        let serverTable = try document.requiredTable("server")
        try serverTable.rejectUnknownKeys(allowed: [
            "host", "port", "certificate", "key", "ca", "crl", "max_body_mb", "timeout_seconds",
        ])
        let port = try serverTable.int("port", default: 8443)
        guard (0...65535).contains(port) else { throw serverTable.invalidValue("port", "must be 0 to 65535") }
        let maxBody = try serverTable.double("max_body_mb", default: 64)
        guard maxBody > 0, maxBody <= 4096 else {
            throw serverTable.invalidValue("max_body_mb", "must be in (0, 4096] MiB")
        }
        let serverTimeout = try serverTable.double("timeout_seconds", default: 30)
        guard serverTimeout > 0 else { throw serverTable.invalidValue("timeout_seconds", "must be positive") }
        let server = Server(
            host: try serverTable.string("host", default: "127.0.0.1"), port: port,
            certificate: resolve(try serverTable.required("certificate", serverTable.string)),
            key: resolve(try serverTable.required("key", serverTable.string)),
            ca: resolve(try serverTable.required("ca", serverTable.string)),
            crl: try serverTable.string("crl").map(resolve),
            maxBodyBytes: Int(maxBody * 1_048_576), timeoutSeconds: serverTimeout)

        // [rounds]
        let roundsTable = try document.requiredTable("rounds")
        try roundsTable.rejectUnknownKeys(allowed: [
            "count", "min_sites", "max_sites", "timeout_seconds", "tick_seconds", "sites",
        ])
        let sites = try roundsTable.required("sites", roundsTable.stringArray)
        guard !sites.isEmpty, Set(sites).count == sites.count else {
            throw roundsTable.invalidValue("sites", "must list at least one site, each once")
        }
        let count = try roundsTable.int("count", default: 10)
        guard count >= 1 else { throw roundsTable.invalidValue("count", "must be at least 1") }
        let minSites = try roundsTable.int("min_sites", default: 2)
        guard minSites >= 1, minSites <= sites.count else {
            throw roundsTable.invalidValue("min_sites", "must be 1 to the number of sites (\(sites.count))")
        }
        let maxSites = try roundsTable.int("max_sites", default: sites.count)
        guard maxSites >= minSites else { throw roundsTable.invalidValue("max_sites", "must be at least min_sites") }
        let roundTimeout = try roundsTable.double("timeout_seconds", default: 600)
        guard roundTimeout > 0 else { throw roundsTable.invalidValue("timeout_seconds", "must be positive") }
        let tick = try roundsTable.double("tick_seconds", default: 1)
        guard tick > 0, tick <= 60 else { throw roundsTable.invalidValue("tick_seconds", "must be in (0, 60]") }
        let rounds = Rounds(
            count: count, minSites: minSites, maxSites: maxSites, timeoutSeconds: roundTimeout, tickSeconds: tick,
            sites: sites)

        // [aggregation]
        let aggregation = try parseAggregation(try document.table("aggregation"))

        // [privacy]
        let privacy = try parsePrivacy(try document.requiredTable("privacy"), sites: sites)

        // [model]
        let model = try parseModel(try document.requiredTable("model"), resolve: resolve)

        // [state]
        let stateTable = try document.requiredTable("state")
        try stateTable.rejectUnknownKeys(allowed: ["database"])
        let database = resolve(try stateTable.required("database", stateTable.string))

        // [evaluation]
        var evaluationData: String?
        if let evaluation = try document.table("evaluation") {
            try evaluation.rejectUnknownKeys(allowed: ["data"])
            evaluationData = try evaluation.string("data").map(resolve)
        }

        return CoordinatorConfig(
            server: server, rounds: rounds, aggregation: aggregation, privacy: privacy, model: model,
            database: database, evaluationData: evaluationData)
    }

    private static func parseAggregation(_ table: TOMLSection?) throws -> Aggregation {
        let allowed: Set<String> = [
            "strategy", "server_lr", "beta1", "beta2", "tau", "trim_fraction", "sample_counts", "rounding",
            "max_update_norm", "max_abs_value",
        ]
        try table?.rejectUnknownKeys(allowed: allowed)
        let name = try table?.string("strategy") ?? "fedavg"
        guard let strategy = Strategy(rawValue: name) else {
            throw table!.invalidValue("strategy", "must be fedavg, fedadam or trimmed_mean")
        }
        let counts = try table?.string("sample_counts") ?? "equal"
        let rounding = try table?.int("rounding") ?? 10
        let policy: SampleCountPolicy
        switch counts {
        case "equal": policy = .equalWeights
        case "rounded":
            guard rounding >= 1 else { throw table!.invalidValue("rounding", "must be at least 1") }
            policy = .rounded(to: rounding)
        default: throw table!.invalidValue("sample_counts", "must be equal or rounded")
        }
        let trim = try table?.double("trim_fraction") ?? 0.1
        guard trim >= 0, trim < 0.5 else { throw table!.invalidValue("trim_fraction", "must be in [0, 0.5)") }
        let maxNorm = try table?.double("max_update_norm")
        if let maxNorm, maxNorm <= 0 { throw table!.invalidValue("max_update_norm", "must be positive") }
        let maxAbs = try table?.double("max_abs_value")
        if let maxAbs, maxAbs <= 0 { throw table!.invalidValue("max_abs_value", "must be positive") }
        return Aggregation(
            strategy: strategy, serverLearningRate: try table?.double("server_lr") ?? 0.01,
            beta1: try table?.double("beta1") ?? 0.9, beta2: try table?.double("beta2") ?? 0.99,
            tau: try table?.double("tau") ?? 1e-3, trimFraction: trim, sampleCounts: policy, maxUpdateNorm: maxNorm,
            maxAbsValue: maxAbs)
    }

    private static func parsePrivacy(_ table: TOMLSection, sites: [String]) throws -> Privacy {
        try table.rejectUnknownKeys(allowed: [
            "delta", "site_epsilon_cap", "caps", "mechanism", "step_epsilon", "noise_multiplier", "clip",
            "local_steps", "sampling_rate", "granularity_exponent", "learning_rate", "relevance_intervals",
            "relevance_ratio",
        ])
        let delta = try table.double("delta", default: 1e-5)
        guard delta > 0, delta < 1 else { throw table.invalidValue("delta", "must be in (0, 1)") }
        let defaultCap = try table.double("site_epsilon_cap", default: 10)
        guard defaultCap > 0 else { throw table.invalidValue("site_epsilon_cap", "must be positive") }
        var caps: [String: Double] = [:]
        if let capsTable = try table.table("caps") {
            try capsTable.rejectUnknownKeys(allowed: Set(sites))
            for site in sites {
                guard let cap = try capsTable.double(site) else { continue }
                guard cap > 0 else { throw capsTable.invalidValue(site, "must be positive") }
                caps[site] = cap
            }
        }

        let mechanism = try table.string("mechanism", default: "gaussian")
        var stepEpsilon: Double?
        var noiseMultiplier: Double?
        switch mechanism {
        case "laplace":
            let value = try table.required("step_epsilon", table.double)
            guard value > 0 else { throw table.invalidValue("step_epsilon", "must be positive") }
            stepEpsilon = value
        case "gaussian":
            let value = try table.required("noise_multiplier", table.double)
            guard value > 0 else { throw table.invalidValue("noise_multiplier", "must be positive") }
            noiseMultiplier = value
        default:
            throw table.invalidValue("mechanism", "must be gaussian or laplace")
        }
        let clip = try table.double("clip", default: 1)
        guard clip > 0 else { throw table.invalidValue("clip", "must be positive") }
        let steps = try table.int("local_steps", default: 10)
        guard steps >= 1 else { throw table.invalidValue("local_steps", "must be at least 1") }
        let rate = try table.double("sampling_rate", default: 0.05)
        guard rate > 0, rate <= 1 else { throw table.invalidValue("sampling_rate", "must be in (0, 1]") }
        let granularity = try table.int("granularity_exponent", default: 20)
        guard (0...40).contains(granularity) else {
            throw table.invalidValue("granularity_exponent", "must be 0 to 40")
        }
        let learningRate = try table.double("learning_rate", default: 1e-3)
        guard learningRate > 0 else { throw table.invalidValue("learning_rate", "must be positive") }
        let intervals = try table.int("relevance_intervals", default: 1)
        guard (1...32).contains(intervals) else { throw table.invalidValue("relevance_intervals", "must be 1 to 32") }
        let ratio = try table.double("relevance_ratio", default: 1)
        guard ratio >= 1 else { throw table.invalidValue("relevance_ratio", "must be at least 1") }

        let settings = TrainingSettings(
            mechanism: mechanism, stepEpsilon: stepEpsilon, noiseMultiplier: noiseMultiplier, clip: clip,
            localSteps: steps, samplingRate: rate, granularityExponent: granularity, learningRate: learningRate,
            relevanceIntervals: intervals, relevanceRatio: ratio)
        return Privacy(delta: delta, siteEpsilonCap: defaultCap, siteCaps: caps, settings: settings)
    }

    private static func parseModel(_ table: TOMLSection, resolve: (String) -> String) throws -> Model {
        try table.rejectUnknownKeys(allowed: [
            "modalities", "mrna_hidden", "mirna_hidden", "cnv_hidden", "dimension", "heads", "intervals", "seed",
            "initial", "reference_data",
        ])
        let modalities = try table.stringArray("modalities", default: ["clinical", "mirna", "cnv"])
        let known: Set<String> = ["clinical", "mrna", "mirna", "cnv"]
        guard !modalities.isEmpty, modalities.allSatisfy(known.contains) else {
            throw table.invalidValue("modalities", "must list some of clinical, mrna, mirna, cnv")
        }
        var hidden: [String: [Int]] = [:]
        for modality in ["mrna", "mirna", "cnv"] {
            let key = "\(modality)_hidden"
            guard let value = table.table[key] else { continue }
            guard case .array(let elements) = value else { throw table.invalidValue(key, "must be an array of integers") }
            var sizes: [Int] = []
            for element in elements {
                guard case .integer(let size) = element, size >= 1 else {
                    throw table.invalidValue(key, "must be an array of positive integers")
                }
                sizes.append(size)
            }
            guard (1...3).contains(sizes.count) else { throw table.invalidValue(key, "must have 1 to 3 sizes") }
            hidden[modality] = sizes
        }
        let dimension = try table.int("dimension", default: 128)
        let heads = try table.int("heads", default: 4)
        guard dimension >= 1, heads >= 1, dimension % heads == 0 else {
            throw table.invalidValue("heads", "must divide dimension (\(dimension))")
        }
        let intervals = try table.int("intervals", default: 10)
        guard (0...100).contains(intervals) else { throw table.invalidValue("intervals", "must be 0 to 100") }
        let seed = try table.int("seed", default: 1)
        guard seed >= 0 else { throw table.invalidValue("seed", "must be non-negative") }
        return Model(
            modalities: modalities, hiddenSizes: hidden, dimension: dimension, heads: heads, intervals: intervals,
            seed: UInt64(seed), initial: resolve(try table.required("initial", table.string)),
            referenceData: try table.string("reference_data").map(resolve))
    }
}

import FedSurvCore
import FedSurvFederation
import FedSurvLedger
import FedSurvNN
import FedSurvPrivacy
import Foundation

/// The coordinator's logic behind the HTTP endpoints, with no sockets.
///
/// The service owns a `RoundStateMachine`, feeds it the events of requests
/// and of the clock, and carries out its actions against `CoordinatorStore`
/// and the coordinator ledger, which live in one SQLite file. Every method
/// takes the service's lock, so requests are handled one at a time; a
/// request that triggers aggregation returns after the round's commit.
///
/// Epsilon: the round's cost is the epsilon at `delta` of one release under
/// the announced `TrainingSettings`, derived by `PLDLedgerAccountant`. A site
/// is a candidate when its ledger history composed with that release stays
/// within its cap. The state machine compares `spent + cost` with the cap, so
/// the service passes `spent = projected total - cost`, which makes that
/// comparison equal to the exact composed check. An upload is checked again
/// with its own release record before it is accepted, and once more inside
/// the commit transaction before its ledger entry is appended.
public final class CoordinatorService: @unchecked Sendable {
    public let config: CoordinatorConfig
    let store: CoordinatorStore
    let ledger: Ledger
    let accountant = PLDLedgerAccountant()
    let logger: Logger
    let lock = NSLock()
    /// Computes the test C-index of a global model, or nil when no evaluation data is configured.
    let evaluate: ((SafeTensors) throws -> Double)?
    /// Adds relevance intervals from the public reference folder to every global model, when configured.
    let annotator: RelevanceAnnotator?

    var machine: RoundStateMachine
    var strategy: any AggregationStrategy
    /// The release a site makes under the announced settings, with one parameter group.
    let referenceRecord: ReleaseRecord
    let referenceParameters: String
    public let epsilonCost: Double
    /// The reason no further round will open, set when the run is over.
    var finishedReason: String?
    /// The aggregated model waiting for its commit.
    var pending: PendingModel?

    struct PendingModel {
        var round: Int
        var body: [UInt8]
        var sha256: String
        var strategy: any AggregationStrategy
        var cIndex: Double?
    }

    /// Opens the state database and the coordinator ledger; call `start(now:)` next.
    ///
    /// - Parameters:
    ///   - evaluate: overrides the evaluation built from `config.evaluationData`, for tests.
    /// - Throws: `CoordinatorError`, `SQLiteError`, `LedgerError` or `FederationError`.
    public init(
        config: CoordinatorConfig, logger: Logger = Logger(label: "fedsurv.coordinator"),
        evaluate: ((SafeTensors) throws -> Double)? = nil
    ) throws {
        self.config = config
        self.logger = logger
        store = try CoordinatorStore(path: config.database)
        ledger = try Ledger(database: store.database, delta: config.privacy.delta, accountant: accountant)
        machine = RoundStateMachine(
            configuration: try RoundConfiguration(
                minSites: config.rounds.minSites, maxSites: config.rounds.maxSites,
                roundTimeout: config.rounds.timeoutSeconds, sampleCountPolicy: config.aggregation.sampleCounts))
        strategy = try Self.makeStrategy(config.aggregation, state: [:])

        referenceRecord = Self.referenceRecord(config.privacy.settings)
        referenceParameters = try referenceRecord.canonicalJSON()
        epsilonCost = try accountant.epsilon(
            mechanism: referenceRecord.mechanism, parameters: referenceParameters, delta: config.privacy.delta
        ).epsilon

        let settings = config.privacy.settings
        if let folder = config.model.referenceData, settings.mechanism == "gaussian", settings.relevanceIntervals > 1 {
            annotator = RelevanceAnnotator(dataFolder: folder, intervals: settings.relevanceIntervals)
        } else {
            annotator = nil
        }

        if let evaluate {
            self.evaluate = evaluate
        } else if let folder = config.evaluationData {
            let evaluator = GlobalModelEvaluator(dataFolder: folder)
            self.evaluate = { try evaluator.cIndex(of: $0) }
        } else {
            self.evaluate = nil
        }
    }

    /// Builds the release record of one round under `settings`, with all parameters in one group.
    ///
    /// NOTE: a trainer that splits a Laplace step budget over relevance groups
    /// composes those groups, and its epsilon is expected not to exceed this
    /// single group's. An update whose re-derived epsilon does exceed the
    /// round's cost is rejected (HTTP 409), so the gap shows as a rejection, never as an overspend.
    public static func referenceRecord(_ settings: TrainingSettings) -> ReleaseRecord {
        let parameters: MechanismParameters =
            settings.mechanism == "laplace"
            ? .laplace(
                clipBound: settings.clip, epsilon: settings.stepEpsilon ?? .nan,
                granularityExponent: settings.granularityExponent)
            : .gaussian(
                clipBound: settings.clip, noiseMultiplier: settings.noiseMultiplier ?? .nan,
                granularityExponent: settings.granularityExponent)
        return ReleaseRecord(
            samplingRate: settings.samplingRate, steps: settings.localSteps,
            groups: [ReleaseRecord.Group(name: "model", parameters: parameters)])
    }

    static func makeStrategy(
        _ aggregation: CoordinatorConfig.Aggregation, state: [String: [Float]]
    ) throws -> any AggregationStrategy {
        switch aggregation.strategy {
        case .fedavg:
            return FedAvg()
        case .fedadam:
            return try FedAdam(
                configuration: .init(
                    learningRate: aggregation.serverLearningRate, beta1: aggregation.beta1, beta2: aggregation.beta2,
                    tau: aggregation.tau),
                state: state)
        case .trimmedMean:
            return try TrimmedMean(trimFraction: aggregation.trimFraction)
        }
    }

    // MARK: - Lifecycle

    /// Loads the initial model when the database has none, restores the latest round and resumes it.
    ///
    /// - Throws: `CoordinatorError.missingFile` without an initial model, or a storage error.
    public func start(now: Date = Date()) throws {
        try lock.withLock {
            // 1) The initial global model becomes round 0.
            if try store.latestModel(before: 1) == nil {
                guard let data = FileManager.default.contents(atPath: config.model.initial) else {
                    throw CoordinatorError.missingFile(path: config.model.initial, purpose: "initial model")
                }
                let model = try SafeTensors(data: data, source: config.model.initial)
                var tensors = try annotator?.annotate(model) ?? model
                tensors.metadata[FederationMetadataKey.modelRound] = "0"
                let body = [UInt8](tensors.encoded())
                try store.saveModel(round: 0, body: body, sha256: SHA256.hex(body), strategy: "initial", now: now)
                logger.info("initial model loaded", ["model.path": config.model.initial, "model.tensors": model.tensors.count])
            }

            // 2) Server optimiser state of the last committed round.
            if let saved = try store.latestServerState() {
                let tensors = try SafeTensors(data: Data(saved.body), source: "server_state")
                strategy = try Self.makeStrategy(config.aggregation, state: tensors.tensors.mapValues(\.values))
            }

            // 3) The latest round, resumed by the state machine.
            let latest = try store.latestRecord()
            let (restored, actions) = try RoundStateMachine.restore(
                configuration: machine.configuration, record: latest?.record, now: now)
            machine = restored
            logger.info(
                "coordinator started",
                ["round": latest?.record.round ?? 0, "round.phase": machine.phase.rawValue, "dp.epsilon_cost": epsilonCost])
            var outcome = RequestOutcome()
            try perform(actions, now: now, outcome: &outcome)
            switch machine.state {
            case .idle:
                try perform([.openNextRound(round: 1)], now: now, outcome: &outcome)
            case .failed(let progress, let failure):
                if latest != nil, actions.isEmpty {
                    try afterFailure(round: progress.round, failure: failure, now: now, outcome: &outcome)
                }
            default:
                break
            }
        }
    }

    /// Applies the deadline of the open round.
    public func tick(now: Date = Date()) {
        lock.withLock {
            var outcome = RequestOutcome()
            do {
                try perform(machine.handle(.tick(now: now)), now: now, outcome: &outcome)
            } catch {
                logger.error("tick failed", ["error": "\(error)"])
            }
        }
    }

    /// True once no further round will open.
    public var isFinished: Bool {
        lock.withLock { finishedReason != nil }
    }

    // MARK: - Site endpoints

    /// `GET /v1/round`: the current round for `site`, which counts as the site joining when selected.
    public func roundAssignment(site: String, serial: String, now: Date = Date()) throws -> RoundAssignment {
        try lock.withLock {
            try requireEnrolled(site)
            try store.recordContact(site: site, serial: serial, now: now)
            var outcome = RequestOutcome()
            try perform(machine.handle(.tick(now: now)), now: now, outcome: &outcome)

            let settings = config.privacy.settings
            func assignment(_ status: RoundAssignment.Status, selected: Bool = false, submitted: Bool = false, message: String?)
                -> RoundAssignment
            {
                RoundAssignment(
                    status: status, round: machine.progress?.round, selected: selected, submitted: submitted,
                    deadline: machine.progress.map { timestamp($0.deadline) }, settings: settings, epsilonCost: epsilonCost,
                    delta: config.privacy.delta, sampleCounts: config.aggregation.sampleCounts.wireName,
                    message: message)
            }
            if let finishedReason {
                return assignment(.finished, message: finishedReason)
            }
            guard let progress = machine.progress, machine.phase == .open || machine.phase == .collecting else {
                return assignment(.closed, message: "no round is collecting updates; poll again")
            }
            if progress.accepted[site] != nil {
                return assignment(.open, submitted: true, message: "the update for this round is stored")
            }
            guard progress.selected.contains(where: { $0.site == site }), !progress.dropped.contains(site) else {
                let reason = progress.dropped.contains(site) ? "the site dropped out of this round" : "the site is not selected for this round"
                return assignment(.open, message: reason)
            }
            if !progress.joined.contains(site) {
                try perform(machine.handle(.siteJoined(site: site, at: now)), now: now, outcome: &outcome)
                if let record = machine.record {
                    try store.saveRecord(record, baseModelRound: try baseModelRound(for: record.round), now: now)
                }
            }
            return assignment(.open, selected: true, message: nil)
        }
    }

    /// `GET /v1/rounds/{n}/model`: the global model round `round` starts from, as safetensors bytes.
    public func model(round: Int, site: String) throws -> [UInt8] {
        try lock.withLock {
            try requireEnrolled(site)
            guard let base = try store.baseModelRound(of: round), let body = try store.model(round: base) else {
                throw CoordinatorError.notFound("round \(round) does not exist yet; fetch GET /v1/round for the current round")
            }
            return body
        }
    }

    /// The global model that round `round` produced, or the initial model for round 0; nil when absent.
    public func globalModel(producedBy round: Int) throws -> [UInt8]? {
        try lock.withLock { try store.model(round: round) }
    }

    /// `POST /v1/rounds/{n}/decline`: the site will not submit this round, for example at its own epsilon cap.
    public func decline(site: String, round: Int, now: Date = Date()) throws {
        try lock.withLock {
            try requireEnrolled(site)
            guard machine.progress?.round == round else {
                throw CoordinatorError.conflict("round \(round) is not the current round")
            }
            logger.info("site declined the round", ["site.id": site, "round": round])
            var outcome = RequestOutcome()
            try perform(machine.handle(.siteDropped(site: site)), now: now, outcome: &outcome)
            if let record = machine.record, machine.phase == .open || machine.phase == .collecting {
                try store.saveRecord(record, baseModelRound: try baseModelRound(for: round), now: now)
            }
        }
    }

    // MARK: - Helpers

    func requireEnrolled(_ site: String) throws {
        guard config.rounds.sites.contains(site) else {
            logger.warning("request from a site that is not enrolled", ["site.id": site])
            throw CoordinatorError.forbidden(
                "site '\(site)' is not enrolled in this consortium; the operator adds it to [rounds] sites")
        }
    }

    /// The base model of a round already recorded, else the latest model.
    func baseModelRound(for round: Int) throws -> Int {
        if let base = try store.baseModelRound(of: round) { return base }
        return try store.latestModel(before: round)?.round ?? 0
    }

    /// The composed epsilon of `site`'s ledger entries, optionally followed by one more release.
    func siteTotal(_ site: String, adding parameters: String? = nil) throws -> Double {
        var history = try ledger.entries(site: site).map { (mechanism: $0.mechanism, parameters: $0.parameters) }
        if let parameters {
            history.append((mechanism: try ReleaseRecord.parse(parameters).mechanism, parameters: parameters))
        }
        return try accountant.totalEpsilon(of: history, delta: config.privacy.delta)
    }
}

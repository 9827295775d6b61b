import FedSurvCore
import FedSurvFederation
import FedSurvLedger
import FedSurvNN
import FedSurvTransport
import Foundation

/// The site agent: polls the coordinator, trains when selected, keeps the local ledger and uploads.
///
/// One `step()` is one poll:
/// 1) fetch the round; stop when the run is finished;
/// 2) resend an update that was charged but not yet confirmed (after a restart or a lost reply);
/// 3) when selected, plan the release and decline the round when the local
///    ledger's composed epsilon would pass the site's own cap, whatever the coordinator requests;
/// 4) download the global model and train;
/// 5) write the update to the state folder, append it to the local ledger
///    (release ID `<site>/round-<n>`, with the cap), then upload it with retries.
///
/// The update is charged before it leaves the site, so everything the
/// coordinator receives is in the local ledger. A charged update that never
/// arrives is still charged, which errs on the side of privacy.
public final class SiteAgent {
    public enum StepOutcome: Equatable, Sendable {
        case finished(String)
        case waiting(String)
        case submitted(round: Int, duplicate: Bool)
        case declined(round: Int, projectedEpsilon: Double)
    }

    public let config: SiteConfig
    public let ledger: Ledger
    let trainer: any LocalTrainer
    let client: CoordinatorClient
    let logger: Logger
    private var declinedRounds: Set<Int> = []

    /// Opens the local ledger in the state folder.
    ///
    /// - Throws: `AgentError.stateFolder`, or `LedgerError.deltaMismatch` when the ledger was made at another delta.
    public init(
        config: SiteConfig, trainer: any LocalTrainer, client: CoordinatorClient,
        logger: Logger = Logger(label: "fedsurv.site-agent")
    ) throws {
        self.config = config
        self.trainer = trainer
        self.client = client
        var logger = logger
        logger.metadata["site.id"] = config.name
        self.logger = logger
        do {
            try FileManager.default.createDirectory(
                atPath: config.stateFolder + "/updates", withIntermediateDirectories: true)
        } catch {
            throw AgentError.stateFolder(path: config.stateFolder, reason: error.localizedDescription)
        }
        ledger = try Ledger(
            path: config.stateFolder + "/ledger.sqlite", delta: config.delta, accountant: PLDLedgerAccountant())
    }

    /// Polls until the coordinator reports the run finished; transient errors are logged and retried at the next poll.
    ///
    /// - Throws: a TLS failure (a rejected or revoked certificate stays rejected) or a state folder error.
    public func run(sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) throws {
        logger.info("site agent started", ["net.url": config.coordinatorURL, "dp.epsilon_cap": config.epsilonCap])
        while true {
            do {
                let outcome = try step()
                if case .finished(let reason) = outcome {
                    logger.info("site agent stopped: the run is finished", ["reason": reason])
                    return
                }
            } catch let error as TransportError {
                if case .tlsFailed = error { throw error }
                logger.error("poll failed", ["error": "\(error)"])
            } catch let error as AgentError {
                if case .stateFolder = error { throw error }
                logger.error("poll failed", ["error": "\(error)"])
            } catch {
                logger.error("poll failed", ["error": "\(error)"])
            }
            sleep(config.pollSeconds)
        }
    }

    /// Runs one poll; see the type's description for the steps.
    public func step() throws -> StepOutcome {
        // 1) The round.
        let assignment = try client.currentRound()
        if assignment.status == .finished {
            return .finished(assignment.message ?? "finished")
        }
        guard assignment.status == .open, let round = assignment.round else {
            return .waiting(assignment.message ?? "no round open")
        }
        let releaseID = "\(config.name)/round-\(round)"

        // 2) A charged update waiting for confirmation.
        if FileManager.default.fileExists(atPath: pendingPath(round)) {
            return try upload(round: round)
        }
        if assignment.submitted {
            return .waiting("the coordinator holds this site's update for round \(round)")
        }
        guard assignment.selected else {
            return .waiting(assignment.message ?? "not selected for round \(round)")
        }
        guard !declinedRounds.contains(round) else {
            return .waiting("round \(round) was declined at the site's cap")
        }
        if try ledger.entries().contains(where: { $0.releaseID == releaseID }) {
            if FileManager.default.fileExists(atPath: sentPath(round)) {
                return .waiting("the update for round \(round) was sent")
            }
            if FileManager.default.fileExists(atPath: pendingPath(round) + ".rejected") {
                return .waiting("the update for round \(round) was rejected by the coordinator")
            }
            throw AgentError.releaseWithoutUpdate(round: round, releaseID: releaseID)
        }

        // 3) The site's own cap, before any noise is drawn.
        let planned = try trainer.plan(round: assignment)
        let projected = try ledger.projectedTotal(mechanism: planned.mechanism, parameters: try planned.canonicalJSON())
        guard projected <= config.epsilonCap else {
            return try decline(round: round, projected: projected)
        }

        // 4) Train from the global model.
        let global = try SafeTensors(data: Data(try client.model(round: round)), source: "global model of round \(round)")
        let update = try trainer.train(round: assignment, global: global)
        try checkShapes(update, global: global)
        guard let policy = SampleCountPolicy(wireName: assignment.sampleCounts) else {
            throw AgentError.unknownSampleCountPolicy(assignment.sampleCounts)
        }

        // 5) Write, charge, upload.
        let parameters = try update.record.canonicalJSON()
        let file = SafeTensors(
            tensors: update.delta,
            metadata: [
                FederationMetadataKey.releaseRecord: parameters,
                FederationMetadataKey.sampleCount: String(policy.reportedCount(trueCount: update.sampleCount)),
                FederationMetadataKey.round: String(round),
            ])
        let body = file.encoded()
        do {
            try body.write(to: URL(fileURLWithPath: pendingPath(round)), options: .atomic)
        } catch {
            throw AgentError.stateFolder(path: config.stateFolder, reason: error.localizedDescription)
        }
        do {
            let entry = try ledger.append(
                site: config.name, round: round, releaseID: releaseID, mechanism: update.record.mechanism,
                parameters: parameters, updateSHA256: SHA256.hex(body), cap: config.epsilonCap)
            logger.info(
                "release charged to the local ledger",
                ["round": round, "dp.epsilon": entry.epsilon, "dp.epsilon_total": entry.totalEpsilon])
        } catch let error as LedgerError {
            try? FileManager.default.removeItem(atPath: pendingPath(round))
            if case .capExceeded(_, _, _, let requested) = error {
                return try decline(round: round, projected: requested)
            }
            throw error
        }
        return try upload(round: round)
    }

    // MARK: - Private

    private func upload(round: Int) throws -> StepOutcome {
        let path = pendingPath(round)
        let body = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let receipt: UpdateReceipt
        do {
            receipt = try client.upload(round: round, body: body)
        } catch let error as TransportError {
            if case .httpStatus(_, let status, _) = error, (400..<500).contains(status), !error.isTransient {
                // A rejected update stays charged; keep it for inspection and do not resend it.
                try? FileManager.default.moveItem(atPath: path, toPath: path + ".rejected")
                logger.error("update rejected by the coordinator", ["round": round, "http.status": status, "error": "\(error)"])
            }
            throw error
        }
        try? FileManager.default.removeItem(atPath: sentPath(round))
        try FileManager.default.moveItem(atPath: path, toPath: sentPath(round))
        logger.info("update uploaded", ["round": round, "update.duplicate": receipt.duplicate, "dp.epsilon": receipt.epsilon])
        return .submitted(round: round, duplicate: receipt.duplicate)
    }

    private func decline(round: Int, projected: Double) throws -> StepOutcome {
        logger.warning(
            "round declined: the release would exceed the site's epsilon cap",
            ["round": round, "dp.epsilon_projected": projected, "dp.epsilon_cap": config.epsilonCap])
        declinedRounds.insert(round)
        try client.decline(round: round)
        return .declined(round: round, projectedEpsilon: projected)
    }

    private func checkShapes(_ update: LocalUpdate, global: SafeTensors) throws {
        for (name, tensor) in global.tensors {
            guard let delta = update.delta[name] else { throw AgentError.updateMismatch("tensor '\(name)' is missing") }
            guard delta.shape == tensor.shape, delta.values.count == tensor.values.count else {
                throw AgentError.updateMismatch("tensor '\(name)' has shape \(delta.shape), the model \(tensor.shape)")
            }
        }
        if let extra = update.delta.keys.first(where: { global.tensors[$0] == nil }) {
            throw AgentError.updateMismatch("tensor '\(extra)' is not in the global model")
        }
    }

    private func pendingPath(_ round: Int) -> String {
        "\(config.stateFolder)/updates/round-\(round).safetensors"
    }

    private func sentPath(_ round: Int) -> String {
        "\(config.stateFolder)/updates/round-\(round).sent.safetensors"
    }
}

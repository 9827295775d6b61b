import FedSurvFederation
import FedSurvLedger
import FedSurvNN
import Foundation

/// The decision that the actions of one request made about that request.
struct RequestOutcome {
    var rejection: String?
    var duplicate = false
    var accepted = false
}

extension CoordinatorService {
    // MARK: - Updates

    /// `POST /v1/rounds/{n}/update`: validates, re-derives epsilon, checks the cap and feeds the state machine.
    ///
    /// Steps:
    /// 1) The same body already stored for this site and round is acknowledged without any charge.
    /// 2) The body must be safetensors with the release record and sample count in its metadata.
    /// 3) The tensors must match the round's base model and pass `UpdateValidator`.
    /// 4) Epsilon is re-derived from the record, and the site's composed total must stay within its cap.
    /// 5) The state machine accepts, acknowledges or rejects the update.
    ///
    /// - Throws: `CoordinatorError` with the HTTP status of the rejection.
    public func submitUpdate(site: String, round: Int, body: [UInt8], now: Date = Date()) throws -> UpdateReceipt {
        try lock.withLock {
            try requireEnrolled(site)
            let sha256 = SHA256.hex(body)

            // 1) Idempotent resubmission, whatever round is current now.
            if let stored = try store.storedHash(round: round, site: site) {
                guard stored.sha256 == sha256 else {
                    throw reject(
                        site, round, .conflict(
                            "the site already submitted update \(stored.sha256.prefix(16))… in round \(round); "
                                + "one update per site and round"))
                }
                logger.info("duplicate update acknowledged", ["site.id": site, "round": round])
                return UpdateReceipt(round: round, site: site, updateSHA256: sha256, duplicate: true, epsilon: stored.epsilon)
            }

            // 2) Format and metadata.
            let update: SafeTensors
            do {
                update = try SafeTensors(data: Data(body), source: "update of \(site)")
            } catch {
                throw reject(site, round, .badRequest("the body is not a safetensors file: \(error)"))
            }
            guard let recordJSON = update.metadata[FederationMetadataKey.releaseRecord],
                let record = try? ReleaseRecord.parse(recordJSON)
            else {
                throw reject(
                    site, round, .badRequest("metadata \(FederationMetadataKey.releaseRecord) is missing or not a release record"))
            }
            guard let countText = update.metadata[FederationMetadataKey.sampleCount], let sampleCount = Int(countText) else {
                throw reject(site, round, .badRequest("metadata \(FederationMetadataKey.sampleCount) is missing or not an integer"))
            }
            if let roundText = update.metadata[FederationMetadataKey.round], roundText != String(round) {
                throw reject(site, round, .badRequest("the update names round \(roundText) but was posted to round \(round)"))
            }

            // 3) Layout, finiteness and norms against the round's base model.
            guard let base = try store.baseModelRound(of: round), let baseBody = try store.model(round: base) else {
                throw reject(site, round, .notFound("round \(round) does not exist"))
            }
            let global = try SafeTensors(data: Data(baseBody), source: "global model \(base)")
            let validator = try UpdateValidator(
                layout: global.tensors.keys.sorted().map { ($0, global.tensors[$0]!.shape) },
                maxL2Norm: config.aggregation.maxUpdateNorm, maxAbsValue: config.aggregation.maxAbsValue)
            let tensors = update.tensors.map { NamedTensor(name: $0.key, shape: $0.value.shape, values: $0.value.values) }
            if case .invalid(let problem) = validator.validate(tensors) {
                throw reject(site, round, .invalidUpdate("invalid update: \(problem)"))
            }

            // 4) Epsilon from the record, and the site's cap on the composed total.
            let parameters = try record.canonicalJSON()
            let epsilon: Double
            let projected: Double
            do {
                epsilon = try accountant.epsilon(
                    mechanism: record.mechanism, parameters: parameters, delta: config.privacy.delta
                ).epsilon
                projected = try siteTotal(site, adding: parameters)
            } catch {
                throw reject(site, round, .invalidUpdate("epsilon cannot be derived from the release record: \(error)"))
            }
            let cap = config.privacy.cap(of: site)
            guard projected <= cap else {
                throw reject(
                    site, round, .conflict(
                        "the release would bring site '\(site)' to epsilon \(projected), above its cap \(cap)"))
            }

            // 5) The state machine.
            var outcome = RequestOutcome()
            let actions = machine.handle(
                .updateReceived(
                    round: round, site: site, updateHash: sha256, sampleCount: sampleCount, epsilonRequest: epsilon,
                    at: now))
            let stored = CoordinatorStore.StoredUpdate(
                site: site, sha256: sha256, sampleCount: sampleCount, epsilon: epsilon, releaseRecord: parameters,
                body: body)
            try perform(actions, now: now, outcome: &outcome, incoming: stored)
            if let rejection = outcome.rejection {
                throw reject(site, round, .conflict(rejection))
            }
            return UpdateReceipt(
                round: round, site: site, updateSHA256: sha256, duplicate: outcome.duplicate, epsilon: epsilon)
        }
    }

    private func reject(_ site: String, _ round: Int, _ error: CoordinatorError) -> CoordinatorError {
        logger.warning("update rejected", ["site.id": site, "round": round, "http.status": error.httpStatus, "error": "\(error)"])
        return error
    }

    // MARK: - Carrying out actions

    /// Carries out `actions` in order, with the actions that their results produce.
    ///
    /// - Parameter incoming: the update of the current request, stored on `acceptUpdate`.
    func perform(
        _ actions: [RoundAction], now: Date, outcome: inout RequestOutcome,
        incoming: CoordinatorStore.StoredUpdate? = nil
    ) throws {
        var queue = actions
        while !queue.isEmpty {
            let action = queue.removeFirst()
            switch action {
            case .skipSite(let site, let reason):
                logger.info("site not selected", ["site.id": site, "reason": reason])
            case .announceRound(let round, let sites, let deadline):
                try store.saveRecord(machine.record!, baseModelRound: try baseModelRound(for: round), now: now)
                logger.info(
                    "round opened",
                    ["round": round, "round.sites": sites.joined(separator: ","), "round.deadline": timestamp(deadline)])
            case .sendRound:
                break
            case .rejectJoin(let site, let reason):
                logger.info("join rejected", ["site.id": site, "reason": reason])
            case .acceptUpdate(let round, let site, _):
                guard let incoming, incoming.site == site else {
                    throw CoordinatorError.corruptState("acceptUpdate for \(site) without its upload")
                }
                try store.database.transaction {
                    try store.saveUpdate(round: round, update: incoming, now: now)
                    try store.saveRecord(machine.record!, baseModelRound: try baseModelRound(for: round), now: now)
                }
                outcome.accepted = true
                logger.info("update accepted", ["site.id": site, "round": round, "dp.epsilon": incoming.epsilon])
            case .acknowledgeDuplicate:
                outcome.duplicate = true
            case .rejectUpdate(let site, let reason):
                outcome.rejection = reason.description
                logger.warning("update rejected", ["site.id": site, "reason": reason])
            case .startAggregation(let round, let updates):
                queue += aggregate(round: round, updates: updates)
            case .commit(let round, let updates, let modelHash):
                queue += commit(round: round, updates: updates, modelHash: modelHash, now: now)
            case .failRound(let round, let reason):
                if let record = machine.record {
                    try store.saveRecord(record, baseModelRound: try baseModelRound(for: round), now: now)
                }
                logger.warning("round failed", ["round": round, "reason": reason])
                pending = nil
                try afterFailure(round: round, failure: reason, now: now, outcome: &outcome)
            case .openNextRound(let round):
                queue += try open(round: round, now: now)
            case .ignoreEvent(let event):
                logger.warning("state machine ignored an event", ["event": event])
            }
        }
    }

    /// Opens the next round after a retryable failure, else ends the run.
    func afterFailure(round: Int, failure: RoundFailure, now: Date, outcome: inout RequestOutcome) throws {
        guard failure.isRetryable else {
            finish("round \(round) failed and cannot be retried: \(failure)")
            return
        }
        try perform([.openNextRound(round: round + 1)], now: now, outcome: &outcome)
    }

    private func finish(_ reason: String) {
        guard finishedReason == nil else { return }
        finishedReason = reason
        logger.info("federated run finished", ["reason": reason])
    }

    // MARK: - Opening

    private func open(round: Int, now: Date) throws -> [RoundAction] {
        guard round <= config.rounds.count else {
            finish("all \(config.rounds.count) rounds are closed")
            return []
        }
        var lastSelected: [String: Int] = [:]
        for record in try store.allRecords() {
            for candidate in record.selected { lastSelected[candidate.site] = record.round }
        }
        var candidates: [SiteCandidate] = []
        for site in config.rounds.sites {
            let projected = try siteTotal(site, adding: referenceParameters)
            candidates.append(
                SiteCandidate(
                    site: site, spentEpsilon: max(0, projected - epsilonCost), epsilonCap: config.privacy.cap(of: site),
                    lastSelectedRound: lastSelected[site]))
        }
        return machine.handle(.open(round: round, at: now, eligibleSites: candidates, epsilonCost: epsilonCost))
    }

    // MARK: - Aggregation

    private func aggregate(round: Int, updates: [AcceptedUpdate]) -> [RoundAction] {
        do {
            let base = try baseModelRound(for: round)
            guard let baseBody = try store.model(round: base) else {
                throw CoordinatorError.corruptState("the base model of round \(round) is missing")
            }
            let global = try SafeTensors(data: Data(baseBody), source: "global model \(base)")
            let stored = Dictionary(uniqueKeysWithValues: try store.updates(round: round).map { ($0.site, $0) })
            var siteUpdates: [SiteUpdate] = []
            for update in updates {
                guard let body = stored[update.site]?.body else {
                    throw CoordinatorError.corruptState("the accepted update of \(update.site) in round \(round) is missing")
                }
                let tensors = try SafeTensors(data: Data(body), source: "update of \(update.site)")
                siteUpdates.append(
                    SiteUpdate(
                        site: update.site,
                        weight: config.aggregation.sampleCounts.aggregationWeight(reportedCount: update.sampleCount),
                        delta: tensors.tensors.mapValues(\.values)))
            }

            var next = strategy
            let weights = try next.aggregate(global: global.tensors.mapValues(\.values), updates: siteUpdates)
            var model = global
            for (name, values) in weights {
                model.tensors[name] = SafeTensor(shape: global.tensors[name]!.shape, values: values)
            }
            if let annotator { model = try annotator.annotate(model) }
            model.metadata[FederationMetadataKey.modelRound] = String(round)
            let body = [UInt8](model.encoded())
            let sha256 = SHA256.hex(body)

            var cIndex: Double?
            if let evaluate {
                do {
                    cIndex = try evaluate(model)
                } catch {
                    logger.error("evaluation of the global model failed", ["round": round, "error": "\(error)"])
                }
            }
            pending = PendingModel(round: round, body: body, sha256: sha256, strategy: next, cIndex: cIndex)
            logger.info(
                "round aggregated",
                ["round": round, "round.updates": updates.count, "aggregation.strategy": next.name,
                 "model.c_index": cIndex.map { String(format: "%.4f", $0) } ?? "-"])
            return machine.handle(.aggregationFinished(round: round, modelHash: sha256))
        } catch {
            logger.error("aggregation failed", ["round": round, "error": "\(error)"])
            return machine.handle(.aggregationFailed(round: round, reason: "\(error)"))
        }
    }

    // MARK: - Commit

    /// Stores the model and server state and appends one ledger entry per update, in one transaction.
    private func commit(round: Int, updates: [AcceptedUpdate], modelHash: String, now: Date) -> [RoundAction] {
        guard let pending, pending.round == round, pending.sha256 == modelHash else {
            return machine.handle(.commitFailed(round: round, reason: "the aggregated model is not in memory"))
        }
        do {
            let stored = Dictionary(uniqueKeysWithValues: try store.updates(round: round).map { ($0.site, $0) })
            try store.database.transaction {
                try store.saveModel(
                    round: round, body: pending.body, sha256: pending.sha256, strategy: pending.strategy.name, now: now)
                let state = pending.strategy.serverState
                if !state.isEmpty {
                    let tensors = SafeTensors(
                        tensors: state.mapValues { SafeTensor(shape: [$0.count], values: $0) },
                        metadata: ["strategy": pending.strategy.name])
                    try store.saveServerState(round: round, strategy: pending.strategy.name, body: [UInt8](tensors.encoded()))
                }
                for update in updates {
                    guard let upload = stored[update.site] else {
                        throw CoordinatorError.corruptState("the accepted update of \(update.site) is missing")
                    }
                    let cap = config.privacy.cap(of: update.site)
                    let total = try siteTotal(update.site, adding: upload.releaseRecord)
                    guard total <= cap else {
                        throw CoordinatorError.conflict(
                            "site '\(update.site)' would reach epsilon \(total), above its cap \(cap)")
                    }
                    let record = try ReleaseRecord.parse(upload.releaseRecord)
                    try ledger.append(
                        site: update.site, round: round, releaseID: "\(update.site)/round-\(round)",
                        mechanism: record.mechanism, parameters: upload.releaseRecord, updateSHA256: upload.sha256,
                        cap: nil, now: now)
                }
                try store.saveMetrics(round: round, cIndex: pending.cIndex, sites: updates.count, now: now)
                var record = machine.record!
                record.phase = .committed
                try store.saveRecord(record, baseModelRound: try baseModelRound(for: round), now: now)
            }
        } catch {
            logger.error("commit failed and was rolled back", ["round": round, "error": "\(error)"])
            self.pending = nil
            return machine.handle(.commitFailed(round: round, reason: "\(error)"))
        }
        strategy = pending.strategy
        self.pending = nil
        logger.info("round committed", ["round": round, "model.sha256": String(modelHash.prefix(16))])
        return machine.handle(.commitFinished(round: round))
    }
}

import FedSurvFederation
import FedSurvLedger
import FedSurvNN

/// The result of one round of local training: what leaves the site, and its accounting.
public struct LocalUpdate: Sendable {
    /// The noised delta `local weights − global weights`, one tensor per tensor of the global model, same shapes.
    public var delta: [String: SafeTensor]
    /// The release as made, with the parameters from which the coordinator re-derives its epsilon.
    public var record: ReleaseRecord
    /// The number of local training examples (patients); the agent reports it under the round's sample count policy.
    public var sampleCount: Int

    public init(delta: [String: SafeTensor], record: ReleaseRecord, sampleCount: Int) {
        self.delta = delta
        self.record = record
        self.sampleCount = sampleCount
    }
}

/// Local differentially private training, as the site agent drives it.
///
/// The agent calls `plan` first and declines the round when the planned
/// release would take the site's local ledger past its own cap. So `plan`
/// must describe the release that `train` makes (same groups, sampling rate
/// and steps), and it must do so before any noise is drawn. After `train`, the agent
/// appends the returned record to the local ledger with the site's cap, so a
/// `train` that releases more than planned is still rejected before upload.
/// The coordinator rejects an update whose re-derived epsilon is above the
/// round's `epsilonCost`, so a trainer must stay within the announced settings.
public protocol LocalTrainer {
    /// The release this round would make, computed before any noise is drawn (for the cap check).
    func plan(round: RoundAssignment) throws -> ReleaseRecord
    /// Trains on local data from the global weights; returns the noised delta (global-shaped tensors) and the released record.
    func train(round: RoundAssignment, global: SafeTensors) throws -> LocalUpdate
}

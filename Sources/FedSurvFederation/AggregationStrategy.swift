/// One site's contribution to a round: its model delta and its aggregation weight.
///
/// Updates are deltas, `site weights − global weights` per tensor, not full
/// weights. A delta is what DP training clips and noises, so its norm bound
/// is meaningful to the validator, and a strategy adds the aggregated delta
/// to the global weights it already holds.
public struct SiteUpdate: Equatable, Sendable {
    public var site: String
    /// Positive and finite, usually `SampleCountPolicy.aggregationWeight(reportedCount:)`.
    public var weight: Double
    /// Flat values per tensor name, with the global model's names and sizes.
    public var delta: [String: [Float]]

    public init(site: String, weight: Double, delta: [String: [Float]]) {
        self.site = site
        self.weight = weight
        self.delta = delta
    }
}

/// A server-side rule that turns the global weights and a round's deltas into new global weights.
///
/// Strategies with server state (FedAdam's moments) expose it as named
/// tensors, so that the shell stores it beside the model and a restarted
/// coordinator continues with the same state.
public protocol AggregationStrategy: Sendable {
    /// A short name for logs and the round record, for example `fedavg`.
    var name: String { get }
    /// Server optimiser state to persist after each committed round; empty when stateless.
    var serverState: [String: [Float]] { get }
    /// Computes new global weights and advances the server state.
    ///
    /// The state advances only when the call returns, so a thrown error leaves it unchanged.
    /// - Throws: `FederationError.noUpdates`, `.invalidWeight`, `.tensorMismatch`
    ///   or `.invalidServerState`.
    mutating func aggregate(global: [String: [Float]], updates: [SiteUpdate]) throws -> [String: [Float]]
}

// MARK: - Shared steps

/// Checks that every update has positive finite weight and exactly the global tensors and sizes.
func checkAggregationInputs(global: [String: [Float]], updates: [SiteUpdate]) throws {
    guard !updates.isEmpty else { throw FederationError.noUpdates }
    for update in updates {
        guard update.weight.isFinite, update.weight > 0 else {
            throw FederationError.invalidWeight(site: update.site)
        }
        for (name, values) in global {
            guard let delta = update.delta[name] else {
                throw FederationError.tensorMismatch(site: update.site, tensor: name, problem: "the tensor is missing")
            }
            guard delta.count == values.count else {
                throw FederationError.tensorMismatch(
                    site: update.site, tensor: name,
                    problem: "it has \(delta.count) values, the global model \(values.count)")
            }
        }
        if let extra = update.delta.keys.sorted().first(where: { global[$0] == nil }) {
            throw FederationError.tensorMismatch(
                site: update.site, tensor: extra, problem: "the global model has no such tensor")
        }
    }
}

/// Computes the weighted mean delta `Σ w_k Δ_k / Σ w_k` per tensor, accumulated in Double.
func weightedMeanDelta(global: [String: [Float]], updates: [SiteUpdate]) -> [String: [Double]] {
    let totalWeight = updates.reduce(0) { $0 + $1.weight }
    var mean: [String: [Double]] = [:]
    for (name, values) in global {
        var sum = [Double](repeating: 0, count: values.count)
        for update in updates {
            let delta = update.delta[name]!
            for index in sum.indices {
                sum[index] += update.weight * Double(delta[index])
            }
        }
        mean[name] = sum.map { $0 / totalWeight }
    }
    return mean
}

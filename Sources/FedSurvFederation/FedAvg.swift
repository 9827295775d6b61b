/// Federated averaging with sample weights (McMahan et al., 2017, "Communication-Efficient
/// Learning of Deep Networks from Decentralized Data").
///
///     x_{t+1} = x_t + Σ_k w_k Δ_k / Σ_k w_k
///
/// With `w_k = n_k` and `Δ_k = x_k − x_t` this equals the paper's
/// `Σ_k (n_k / n) x_k`. Weights come from the `SampleCountPolicy`, so
/// `.equalWeights` gives the plain mean of the deltas. Stateless.
public struct FedAvg: AggregationStrategy {
    public init() {}

    public var name: String { "fedavg" }

    public var serverState: [String: [Float]] { [:] }

    public mutating func aggregate(global: [String: [Float]], updates: [SiteUpdate]) throws -> [String: [Float]] {
        try checkAggregationInputs(global: global, updates: updates)
        let mean = weightedMeanDelta(global: global, updates: updates)
        var result: [String: [Float]] = [:]
        for (name, values) in global {
            let delta = mean[name]!
            result[name] = values.indices.map { Float(Double(values[$0]) + delta[$0]) }
        }
        return result
    }
}

/// Coordinate-wise trimmed mean of the deltas (Yin et al., 2018, "Byzantine-Robust
/// Distributed Learning: Towards Optimal Statistical Rates").
///
/// For each coordinate j, with k updates and trim fraction β in [0, 0.5):
///
///     b = ⌊β k⌋
///     x_{t+1}[j] = x_t[j] + mean of the k − 2b middle values of {Δ_1[j], …, Δ_k[j]}
///
/// after dropping the b smallest and the b largest values. Up to b sites
/// with arbitrary deltas cannot move a coordinate outside the range of the
/// honest values. Weights are ignored, as in the paper, so the mean is
/// unweighted.
///
/// Small k: because β < 0.5, at least one value always remains. When
/// k < 1/β, b is 0 and nothing is trimmed, so the result is the plain
/// unweighted mean with no robustness. `trimCount(updateCount:)` returns
/// how many values each end loses, so it can log that case. Stateless.
public struct TrimmedMean: AggregationStrategy {
    public let trimFraction: Double

    /// Creates the strategy.
    ///
    /// - Parameter trimFraction: β, in [0, 0.5).
    /// - Throws: `FederationError.invalidConfiguration` when β is outside [0, 0.5).
    public init(trimFraction: Double) throws {
        guard trimFraction >= 0, trimFraction < 0.5 else {
            throw FederationError.invalidConfiguration(
                field: "trimFraction", value: "\(trimFraction)", requirement: "at least 0 and below 0.5")
        }
        self.trimFraction = trimFraction
    }

    public var name: String { "trimmed-mean" }

    public var serverState: [String: [Float]] { [:] }

    /// Returns the number of values dropped at each end, `⌊β k⌋`, for `updateCount` updates.
    public func trimCount(updateCount: Int) -> Int {
        Int((trimFraction * Double(updateCount)).rounded(.down))
    }

    public mutating func aggregate(global: [String: [Float]], updates: [SiteUpdate]) throws -> [String: [Float]] {
        try checkAggregationInputs(global: global, updates: updates)
        let trim = trimCount(updateCount: updates.count)
        let kept = updates.count - 2 * trim

        var result: [String: [Float]] = [:]
        var column = [Float](repeating: 0, count: updates.count)
        for (name, values) in global {
            let deltas = updates.map { $0.delta[name]! }
            var output = [Float](repeating: 0, count: values.count)
            for index in values.indices {
                for site in deltas.indices { column[site] = deltas[site][index] }
                column.sort()
                var sum = 0.0
                for position in trim..<(trim + kept) { sum += Double(column[position]) }
                output[index] = Float(Double(values[index]) + sum / Double(kept))
            }
            result[name] = output
        }
        return result
    }
}

/// Rule for the sample counts sites report and the aggregation weights the
/// coordinator derives from them.
///
/// Sample-weighted FedAvg (McMahan et al., 2017) weighs site k by `n_k / n`,
/// so the coordinator learns every participating site's `n_k`: the number of
/// patients the site trained on in that round. Over several rounds that is a
/// side channel. A count that changes by one between two rounds shows the
/// coordinator that one patient entered or left the site's cohort (a
/// differencing attack). Together with public facts, such as which tissue
/// source sites a hospital covers, a count can also narrow down who is in
/// the cohort.
///
/// The two policies reduce what a count reveals:
///
/// - `.rounded(to: g)`: the site reports `max(g, g * round(n / g))`, rounding
///   half up, so the coordinator learns `n` only to within about `g / 2`, and a
///   cohort change is visible only when it moves the count across a bucket
///   boundary. Weights follow the rounded counts, each of which is off by at
///   most `g / 2`, except that a site with fewer than `g / 2` samples reports `g`.
/// - `.equalWeights`: every site reports 1 and every update gets weight 1. The
///   coordinator learns nothing about the count from the weighting, at the
///   cost of weighing a small site as much as a large one.
///
/// Neither policy is differential privacy. The reported count is neither
/// noised nor charged to any privacy ledger, so no epsilon covers it. A
/// rounded count still reveals its bucket, and crossing a boundary is an exact
/// signal. The update itself may also carry a signal of the count, for
/// example through the magnitude of its noise relative to its average, and
/// this policy does nothing about that.
public enum SampleCountPolicy: Equatable, Sendable, CustomStringConvertible {
    /// Counts reported as a multiple of the granularity (at least one unit), weights proportional to them.
    case rounded(to: Int)
    /// Every site reports 1 and gets weight 1.
    case equalWeights

    /// Checks that a rounding granularity is at least 1.
    ///
    /// - Throws: `FederationError.invalidConfiguration` naming the granularity.
    public func validate() throws {
        if case .rounded(let granularity) = self, granularity < 1 {
            throw FederationError.invalidConfiguration(
                field: "sample count granularity", value: "\(granularity)", requirement: "at least 1")
        }
    }

    /// Computes the count a site reports for `trueCount` training samples.
    ///
    /// Rounding is half up, and a positive count never reports 0, so a small
    /// site still gets a positive weight.
    public func reportedCount(trueCount: Int) -> Int {
        precondition(trueCount > 0, "a site reports a sample count only when it trained on at least one sample")
        switch self {
        case .rounded(let granularity):
            precondition(granularity >= 1, "sample count granularity must be at least 1, got \(granularity)")
            let nearest = (trueCount + granularity / 2) / granularity * granularity
            return max(granularity, nearest)
        case .equalWeights:
            return 1
        }
    }

    /// Returns whether a reported count is one this policy can produce.
    ///
    /// A coordinator that accepted other counts would learn exact counts from
    /// a misconfigured site, so it rejects them.
    public func accepts(reportedCount: Int) -> Bool {
        switch self {
        case .rounded(let granularity):
            return granularity >= 1 && reportedCount >= granularity && reportedCount % granularity == 0
        case .equalWeights:
            return reportedCount == 1
        }
    }

    /// Returns the aggregation weight of an accepted reported count.
    public func aggregationWeight(reportedCount: Int) -> Double {
        switch self {
        case .rounded:
            return Double(reportedCount)
        case .equalWeights:
            return 1
        }
    }

    public var description: String {
        switch self {
        case .rounded(let granularity): "counts rounded to a multiple of \(granularity)"
        case .equalWeights: "equal weights (every site reports 1)"
        }
    }
}

/// The Kaplan-Meier product-limit estimate of a survival function
/// (Kaplan & Meier 1958).
///
/// At each distinct observed time `t_m` with `n_m` patients at risk
/// (observed time `>= t_m`) and `d_m` events:
///
/// ```
/// S(t) = prod_{t_m <= t} (1 - d_m / n_m)
/// ```
///
/// a right-continuous step function equal to 1 before the first time.
public struct KaplanMeierEstimate: Sendable, Equatable {
    /// Distinct observed times, ascending (events and censorings).
    public let times: [Double]
    /// `S(times[m])`, the estimate just after each time.
    public let survival: [Double]
    /// Patients at risk at each time, `n_m`.
    public let atRisk: [Int]
    /// Events counted at each time, `d_m`.
    public let eventCounts: [Int]

    /// Estimates the survival function of the event times.
    ///
    /// - Throws: ``SurvivalError`` when the input is empty, the lengths differ,
    ///   or a time is NaN, infinite or negative.
    public init(times: [Double], events: [Bool]) throws {
        let groups = try Self.groupedCounts(times: times, events: events)
        var atRisk: [Int] = []
        var remaining = times.count
        for group in groups {
            atRisk.append(remaining)
            remaining -= group.events + group.censored
        }
        self.init(times: groups.map(\.time), atRisk: atRisk, eventCounts: groups.map(\.events))
    }

    /// Estimates the censoring survival function `G(t) = P(C > t)` by treating
    /// censorings as events (the "reverse" Kaplan-Meier estimate).
    ///
    /// Where a death and a censoring share a time, the death is taken to come
    /// first: the dead leave the risk set before the censored are counted, so
    /// `n_m` is the number at risk minus the deaths at `t_m`. This is the rule
    /// of scikit-survival's `kaplan_meier_estimator(reverse=True)` (version 0.28),
    /// which its Brier score uses for inverse probability of censoring weights.
    ///
    /// - Throws: as ``init(times:events:)``.
    public static func censoringDistribution(times: [Double], events: [Bool]) throws -> KaplanMeierEstimate {
        let groups = try groupedCounts(times: times, events: events)
        var atRisk: [Int] = []
        var remaining = times.count
        for group in groups {
            atRisk.append(remaining - group.events)
            remaining -= group.events + group.censored
        }
        return KaplanMeierEstimate(times: groups.map(\.time), atRisk: atRisk, eventCounts: groups.map(\.censored))
    }

    /// Evaluates the step function: the estimate at the latest time `<= time`, or 1 before the first.
    public func survival(at time: Double) -> Double {
        // Binary search for the number of stored times <= time.
        var low = 0
        var high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle] <= time { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? 1 : survival[low - 1]
    }

    private init(times: [Double], atRisk: [Int], eventCounts: [Int]) {
        var survival: [Double] = []
        var current = 1.0
        for (risk, count) in zip(atRisk, eventCounts) {
            // A time whose only patients are of the other kind has 0 / 0: no step.
            if count > 0 { current *= 1 - Double(count) / Double(risk) }
            survival.append(current)
        }
        self.times = times
        self.survival = survival
        self.atRisk = atRisk
        self.eventCounts = eventCounts
    }

    private static func groupedCounts(
        times: [Double], events: [Bool]
    ) throws -> [(time: Double, events: Int, censored: Int)] {
        try SurvivalInput.checkNotEmpty(times.count, "times")
        try SurvivalInput.checkCount(events.count, "events", expected: times.count)
        try SurvivalInput.checkTimes(times, "times")

        let order = times.indices.sorted { times[$0] < times[$1] }
        var groups: [(time: Double, events: Int, censored: Int)] = []
        for patient in order {
            if groups.last?.time != times[patient] {
                groups.append((times[patient], 0, 0))
            }
            if events[patient] {
                groups[groups.count - 1].events += 1
            } else {
                groups[groups.count - 1].censored += 1
            }
        }
        return groups
    }
}

import Foundation

/// The Breslow (1972) estimate of the cumulative baseline hazard of a Cox
/// model, which turns log-risks into survival curves for the curve-based
/// metrics (Brier score, Antolini's concordance, survival-status accuracy).
///
/// With `d_t` events at distinct time `t` and `R_t = { j : T_j >= t }`:
///
/// ```
/// H_0(t) = sum_{t_m <= t} d_m / sum_{j in R_m} exp(eta_j)
/// S_i(t) = exp(-exp(eta_i) H_0(t))
/// ```
///
/// a right-continuous step function, 0 before the first event time and
/// constant after the last. This is scikit-survival's `BreslowEstimator`
/// (version 0.28). The estimate is stored as `log H_0`, accumulated with
/// log-add-exp, so large log-risks do not overflow.
public struct BreslowBaselineHazard: Sendable, Equatable {
    /// Distinct event times, ascending.
    public let eventTimes: [Double]
    /// `log H_0` just after each event time.
    public let logCumulativeHazard: [Double]

    /// Fits the baseline hazard to the log-risks of a (training) set.
    ///
    /// - Throws: ``SurvivalError`` when the input is empty, the lengths differ,
    ///   a log-risk is NaN or infinite, or a time is invalid.
    public init(logRisks: [Double], times: [Double], events: [Bool]) throws {
        let n = logRisks.count
        try SurvivalInput.checkNotEmpty(n, "logRisks")
        try SurvivalInput.checkCount(times.count, "times", expected: n)
        try SurvivalInput.checkCount(events.count, "events", expected: n)
        try SurvivalInput.checkFinite(logRisks, "logRisks")
        try SurvivalInput.checkTimes(times, "times")

        // 1) From the latest time backwards: log of the risk-set sum at each event time.
        let order = times.indices.sorted { times[$0] > times[$1] }
        var reversedTimes: [Double] = []
        var reversedLogIncrements: [Double] = []
        var logRiskSetSum = -Double.infinity
        var start = 0
        while start < n {
            var end = start
            var eventCount = 0
            while end < n && times[order[end]] == times[order[start]] {
                logRiskSetSum = StableMath.logAddExp(logRiskSetSum, logRisks[order[end]])
                if events[order[end]] { eventCount += 1 }
                end += 1
            }
            if eventCount > 0 {
                reversedTimes.append(times[order[start]])
                reversedLogIncrements.append(log(Double(eventCount)) - logRiskSetSum)
            }
            start = end
        }

        // 2) Forward: the running log of the sum of increments.
        var logCumulative = -Double.infinity
        var cumulative: [Double] = []
        for increment in reversedLogIncrements.reversed() {
            logCumulative = StableMath.logAddExp(logCumulative, increment)
            cumulative.append(logCumulative)
        }
        eventTimes = reversedTimes.reversed()
        logCumulativeHazard = cumulative
    }

    /// Evaluates `log H_0(time)`, which is `-infinity` before the first event time.
    public func logCumulativeHazard(at time: Double) -> Double {
        var low = 0
        var high = eventTimes.count
        while low < high {
            let middle = (low + high) / 2
            if eventTimes[middle] <= time { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? -.infinity : logCumulativeHazard[low - 1]
    }

    /// Computes `S(t) = exp(-exp(logRisk) H_0(t))` for each log-risk (rows) and time (columns).
    ///
    /// - Throws: ``SurvivalError`` when a log-risk is NaN or infinite, or a time is invalid.
    public func survivalCurves(logRisks: [Double], at times: [Double]) throws -> [[Double]] {
        try SurvivalInput.checkFinite(logRisks, "logRisks")
        try SurvivalInput.checkTimes(times, "times")
        let logHazards = times.map { logCumulativeHazard(at: $0) }
        return logRisks.map { eta in logHazards.map { exp(-exp(eta + $0)) } }
    }
}

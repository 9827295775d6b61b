import FedSurvCore
import Foundation

/// The negative Cox partial log-likelihood, averaged over events.
///
/// For log-risks `eta_i` (model outputs), observed times `T_i` and event
/// indicators `delta_i`, group the events by distinct time `t` with `D_t`
/// the `d_t` events at `t` and `R_t = { j : T_j >= t }` the risk set. With
/// `S_t = sum_{j in R_t} exp(eta_j)` and `E_t = sum_{j in D_t} exp(eta_j)`:
///
/// ```
/// Breslow (1974):  log L = sum_t [ sum_{i in D_t} eta_i - d_t log S_t ]
/// Efron (1977):    log L = sum_t [ sum_{i in D_t} eta_i - sum_{l=0}^{d_t-1} log(S_t - (l/d_t) E_t) ]
/// loss = -log L / D,   D = sum_t d_t  (the number of events in the batch)
/// ```
///
/// Dividing by the number of events (not the number of patients) keeps the
/// loss scale independent of the censoring rate, as pycox's `cox_ph_loss`
/// (version 0.3.0) does. Both tie rules agree when no two events share a time.
///
/// The partial likelihood couples patients through the risk sets, so it has
/// no per-example decomposition; use ``DiscreteTimeSurvival`` for training
/// with per-example clipping.
///
/// Numerics: `log S_t` is accumulated by log-add-exp from the latest time
/// backwards, and Efron's terms are `log S_t + log1p(-(l/d_t) E_t/S_t)` with
/// `E_t/S_t <= 1`, so log-risks of any finite size (for example 1000) give a
/// finite loss and gradient. Cost: one sort, O(n log n), then O(n).
public struct CoxPartialLikelihoodLoss: Sendable {
    /// The approximation used for events that share a time.
    public enum Ties: String, Sendable, CaseIterable {
        /// Every tied event is divided by the full risk-set sum (Breslow 1974).
        case breslow
        /// Tied events leave the risk set in equal fractions (Efron 1977).
        case efron
    }

    public var ties: Ties
    /// Receives a warning when a batch has no event.
    public var logger: Logger

    public init(ties: Ties = .efron, logger: Logger = Logger(label: "fedsurv.survival")) {
        self.ties = ties
        self.logger = logger
    }

    /// Computes the loss and its gradient with respect to `logRisks`.
    ///
    /// A batch without events has no partial likelihood: the result is a zero
    /// loss and a zero gradient, and a warning is logged.
    ///
    /// - Parameters:
    ///   - logRisks: model outputs `eta_i`, one per patient (higher means higher hazard).
    ///   - times: observed times (event or censoring), any unit; only their order matters.
    ///   - events: `true` for an observed death, `false` for censoring.
    /// - Throws: ``SurvivalError`` when lengths differ, the batch is empty,
    ///   or a log-risk or time is NaN or infinite.
    public func evaluate(logRisks: [Double], times: [Double], events: [Bool]) throws -> LossAndGradient {
        let n = logRisks.count
        try SurvivalInput.checkNotEmpty(n, "logRisks")
        try SurvivalInput.checkCount(times.count, "times", expected: n)
        try SurvivalInput.checkCount(events.count, "events", expected: n)
        try SurvivalInput.checkFinite(logRisks, "logRisks")
        try SurvivalInput.checkFinite(times, "times")

        let eventCount = events.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard eventCount > 0 else {
            // NOTE: one warning per event-free batch, not rate-limited; with small
            // batches and heavy censoring, callers may see many of them.
            logger.warning("cox batch has no event; loss and gradient set to zero", ["batch.size": n])
            return LossAndGradient(value: 0, gradient: [Double](repeating: 0, count: n))
        }

        // 1) Sort by time and group equal times.
        let order = times.indices.sorted { times[$0] < times[$1] }
        var groupStarts: [Int] = [0]
        for position in 1..<n where times[order[position]] != times[order[position - 1]] {
            groupStarts.append(position)
        }
        groupStarts.append(n)
        let groupCount = groupStarts.count - 1

        // 2) From the latest time backwards: log S_t over the risk set, and the
        //    event count, event log-risk sum and log E_t of each group.
        var logRiskSetSum = [Double](repeating: 0, count: groupCount)
        var logEventSum = [Double](repeating: -.infinity, count: groupCount)
        var eventEtaSum = [Double](repeating: 0, count: groupCount)
        var tiedEvents = [Int](repeating: 0, count: groupCount)
        var running = -Double.infinity
        for group in stride(from: groupCount - 1, through: 0, by: -1) {
            for position in groupStarts[group]..<groupStarts[group + 1] {
                let patient = order[position]
                running = StableMath.logAddExp(running, logRisks[patient])
                if events[patient] {
                    logEventSum[group] = StableMath.logAddExp(logEventSum[group], logRisks[patient])
                    eventEtaSum[group] += logRisks[patient]
                    tiedEvents[group] += 1
                }
            }
            logRiskSetSum[group] = running
        }

        // 3) Loss terms, and per group a_t = sum_l 1/(1 - c_l r_t) and
        //    b_t = sum_l c_l/(1 - c_l r_t), with c_l = l/d_t and r_t = E_t/S_t,
        //    so that the Efron denominators are S_t (1 - c_l r_t).
        var logLikelihood = 0.0
        var riskSetWeight = [Double](repeating: 0, count: groupCount)
        var tiedEventWeight = [Double](repeating: 0, count: groupCount)
        for group in 0..<groupCount where tiedEvents[group] > 0 {
            let d = tiedEvents[group]
            let logS = logRiskSetSum[group]
            logLikelihood += eventEtaSum[group]
            switch ties {
            case .breslow:
                logLikelihood -= Double(d) * logS
                riskSetWeight[group] = Double(d)
            case .efron:
                let ratio = min(1, exp(logEventSum[group] - logS))
                for l in 0..<d {
                    let fraction = Double(l) / Double(d)
                    let remaining = 1 - fraction * ratio
                    logLikelihood -= logS + log1p(-fraction * ratio)
                    riskSetWeight[group] += 1 / remaining
                    tiedEventWeight[group] += fraction / remaining
                }
            }
        }

        // 4) Gradient of -log L: patient k in group g gets
        //    exp(eta_k) sum_{t <= T_k} a_t / S_t - delta_k (1 + exp(eta_k) b_g / S_g).
        //    The cumulative sum is kept as a logarithm so exp never overflows,
        //    because exp(eta_k - log S_t) <= 1 for every t <= T_k (k is in R_t).
        var gradient = [Double](repeating: 0, count: n)
        var logCumulative = -Double.infinity
        let scale = 1 / Double(eventCount)
        for group in 0..<groupCount {
            let logS = logRiskSetSum[group]
            if tiedEvents[group] > 0 {
                logCumulative = StableMath.logAddExp(logCumulative, log(riskSetWeight[group]) - logS)
            }
            for position in groupStarts[group]..<groupStarts[group + 1] {
                let patient = order[position]
                let eta = logRisks[patient]
                var value = exp(eta + logCumulative)
                if events[patient] {
                    value -= 1 + exp(eta - logS) * tiedEventWeight[group]
                }
                gradient[patient] = value * scale
            }
        }

        return LossAndGradient(value: -logLikelihood * scale, gradient: gradient)
    }
}

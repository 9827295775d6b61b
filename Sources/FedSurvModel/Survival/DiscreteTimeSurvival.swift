import Foundation

/// A discrete-time survival model on fixed intervals, with its per-example
/// likelihood (Gensheimer & Narasimhan 2019, "A scalable discrete-time
/// survival model for neural networks", PeerJ; used by MultiSurv,
/// Vale-Silva & Rohr 2021).
///
/// Breaks `0 <= b_0 < b_1 < ... < b_K` (days) cut follow-up into K intervals
/// `[b_k, b_{k+1})`; the last one is closed, `[b_{K-1}, b_K]`, so an event at
/// exactly `b_K` still fails in it. The model emits K logits `z_k` per
/// patient, and `h_k = sigmoid(z_k)` is the hazard: the probability of death
/// in interval k given survival to its start.
///
/// Each patient's negative log-likelihood is a sum over intervals:
///
/// ```
/// loss_i = -[ sum_k s_ik log(1 - h_k) + sum_k f_ik log h_k ]
/// d loss_i / d z_k = s_ik h_k + f_ik (h_k - 1)
/// ```
///
/// with the targets of nnet-survival's `make_surv_array`:
/// - an event in interval j: `s_ik = 1` for `k < j`, `f_ij = 1`;
/// - an event after `b_K`: `s_ik = 1` for all k and no failure term;
/// - a censoring at time t: `s_ik = 1` for every interval whose midpoint
///   `(b_k + b_{k+1}) / 2` is `<= t`, so a patient censored in the second half
///   of an interval is credited with surviving it, and no failure term.
///
/// Each term depends on one patient only, which is what per-example
/// clipping in differentially private training needs. The batch loss is the
/// mean of the per-example terms.
public struct DiscreteTimeSurvival: Sendable, Equatable {
    /// Interval boundaries in days, `b_0 ... b_K`, strictly increasing.
    public let breaks: [Double]

    /// The number of intervals K, which is also the number of logits per patient.
    public var intervalCount: Int { breaks.count - 1 }

    /// Creates the model from interval boundaries in days.
    ///
    /// - Throws: ``SurvivalError`` when there are fewer than two breaks, a
    ///   break is negative, NaN or infinite, or the breaks are not strictly increasing.
    public init(breaks: [Double]) throws {
        guard breaks.count >= 2 else {
            throw SurvivalError.invalidParameter(
                name: "breaks", reason: "\(breaks.count) values given; at least two are needed for one interval")
        }
        try SurvivalInput.checkTimes(breaks, "breaks")
        try SurvivalInput.checkStrictlyIncreasing(breaks, "breaks")
        self.breaks = breaks
    }

    /// Derives breaks from the event times of a training set.
    ///
    /// `b_0 = 0` and `b_k` is the `k/K` quantile of the event times (linear
    /// interpolation between order statistics, numpy's default), so
    /// `b_K` is the latest event time and each interval contains about the same
    /// number of events. Breaks that would not be strictly increasing (tied
    /// event times, or a quantile at 0) are dropped, so the result can have
    /// fewer than `intervalCount` intervals. Read ``intervalCount`` afterwards.
    ///
    /// - Throws: ``SurvivalError`` on invalid input, an `intervalCount` below 1,
    ///   or when the events do not give at least one interval of positive length.
    public static func quantileBreaks(
        times: [Double], events: [Bool], intervalCount: Int
    ) throws -> DiscreteTimeSurvival {
        try SurvivalInput.checkNotEmpty(times.count, "times")
        try SurvivalInput.checkCount(events.count, "events", expected: times.count)
        try SurvivalInput.checkTimes(times, "times")
        guard intervalCount >= 1 else {
            throw SurvivalError.invalidParameter(name: "intervalCount", reason: "\(intervalCount) is below 1")
        }
        let eventTimes = zip(times, events).filter { $0.1 }.map(\.0).sorted()
        guard !eventTimes.isEmpty else {
            throw SurvivalError.invalidParameter(name: "events", reason: "no event in the training times, so no quantile exists")
        }

        var breaks: [Double] = [0]
        for k in 1...intervalCount {
            let value = quantile(sortedValues: eventTimes, probability: Double(k) / Double(intervalCount))
            if value > breaks[breaks.count - 1] { breaks.append(value) }
        }
        guard breaks.count >= 2 else {
            throw SurvivalError.invalidParameter(name: "events", reason: "all event times are 0, so no interval has positive length")
        }
        return try DiscreteTimeSurvival(breaks: breaks)
    }

    // MARK: - Likelihood

    /// Computes one patient's loss term and its gradient with respect to that patient's K logits.
    ///
    /// - Precondition: `logits.count == intervalCount`, `time` finite and not negative.
    public func exampleLoss(logits: ArraySlice<Double>, time: Double, event: Bool) -> LossAndGradient {
        precondition(logits.count == intervalCount, "expected \(intervalCount) logits, got \(logits.count)")
        let failureInterval = event ? eventInterval(time) : nil
        var loss = 0.0
        var gradient = [Double](repeating: 0, count: intervalCount)

        for (k, z) in logits.enumerated() {
            let survived: Bool
            if event {
                survived = failureInterval.map { k < $0 } ?? true
            } else {
                survived = time >= 0.5 * (breaks[k] + breaks[k + 1])
            }
            let hazard = StableMath.sigmoid(z)
            if survived {
                loss -= StableMath.logSigmoid(-z)
                gradient[k] += hazard
            }
            if k == failureInterval {
                loss -= StableMath.logSigmoid(z)
                gradient[k] += hazard - 1
            }
        }
        return LossAndGradient(value: loss, gradient: gradient)
    }

    /// Computes every patient's loss term and gradient, for per-example clipping.
    ///
    /// - Parameter logits: row-major `n x K` model outputs, patient i in `logits[i*K ..< (i+1)*K]`.
    /// - Returns: one entry per patient, with the gradient over that patient's K logits.
    /// - Throws: ``SurvivalError`` when shapes disagree or a value is NaN, infinite, or a negative time.
    public func exampleLosses(logits: [Double], times: [Double], events: [Bool]) throws -> [LossAndGradient] {
        try checkBatch(logits: logits, times: times, events: events)
        let k = intervalCount
        return times.indices.map { i in
            exampleLoss(logits: logits[(i * k)..<((i + 1) * k)], time: times[i], event: events[i])
        }
    }

    /// Computes the mean of the per-example terms and its gradient (row-major `n x K`, divided by n).
    ///
    /// - Throws: as ``exampleLosses(logits:times:events:)``.
    public func loss(logits: [Double], times: [Double], events: [Bool]) throws -> LossAndGradient {
        let terms = try exampleLosses(logits: logits, times: times, events: events)
        let scale = 1 / Double(terms.count)
        var value = 0.0
        var gradient: [Double] = []
        gradient.reserveCapacity(logits.count)
        for term in terms {
            value += term.value
            gradient.append(contentsOf: term.gradient.map { $0 * scale })
        }
        return LossAndGradient(value: value * scale, gradient: gradient)
    }

    /// Returns the interval in which an event at `time` fails, or nil after the last break.
    func eventInterval(_ time: Double) -> Int? {
        if time > breaks[intervalCount] { return nil }
        for k in 0..<(intervalCount - 1) where time < breaks[k + 1] {
            return k
        }
        return intervalCount - 1
    }

    private func checkBatch(logits: [Double], times: [Double], events: [Bool]) throws {
        try SurvivalInput.checkNotEmpty(times.count, "times")
        try SurvivalInput.checkCount(events.count, "events", expected: times.count)
        try SurvivalInput.checkCount(logits.count, "logits", expected: times.count * intervalCount)
        try SurvivalInput.checkTimes(times, "times")
        try SurvivalInput.checkFinite(logits, "logits")
    }

    /// Computes the `probability` quantile of sorted values with linear interpolation (Hyndman & Fan 1996, type 7).
    static func quantile(sortedValues: [Double], probability: Double) -> Double {
        let position = probability * Double(sortedValues.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sortedValues.count - 1)
        let fraction = position - Double(lower)
        return sortedValues[lower] + fraction * (sortedValues[upper] - sortedValues[lower])
    }
}

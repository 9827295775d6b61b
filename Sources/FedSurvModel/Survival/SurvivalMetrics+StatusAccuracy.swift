/// Accuracy of predicted survival status at a horizon, with the patients it counted.
public struct SurvivalStatusAccuracy: Sendable, Equatable {
    /// Correct predictions divided by labelled patients.
    public let accuracy: Double
    /// The horizon `t*` in the unit of the times (days).
    public let horizon: Double
    /// Patients with a known status at `t*`.
    public let labelledPatients: Int
    /// Patients censored before `t*`, whose status is unknown and who are left out.
    public let excludedPatients: Int
}

extension SurvivalMetrics {
    /// Computes survival-status accuracy at a horizon `t*`.
    ///
    /// Chen et al. (JMIR Medical Informatics 2026) report "survival-status
    /// accuracy" without a precise rule; this is the rule used here:
    /// - label 1 (dead by `t*`): an event with `T_i <= t*`;
    /// - label 0 (alive at `t*`): `T_i > t*`, or a censoring at exactly `t*`;
    /// - no label: a censoring with `T_i < t*`, whose status at `t*` is unknown;
    ///   these patients are excluded, not counted as errors;
    /// - predicted label 1 when `1 - S_i(t*) >= 0.5`, that is `S_i(t*) <= 0.5`.
    ///
    /// The label-1 rule matches `1 - S(t*) = P(T <= t*)`, so a death at
    /// exactly `t*` counts as dead. A common horizon is
    /// ``medianObservedTime(_:)`` of the training set.
    ///
    /// - Parameters:
    ///   - survivalAtHorizon: `S_i(t*)` for each patient.
    ///   - times, events: observed times and event indicators.
    ///   - horizon: `t*`, in the unit of `times`.
    /// - Throws: ``SurvivalError/noLabelledPatients(patients:)`` when every
    ///   patient is censored before `t*`; ``SurvivalError`` on invalid input.
    public static func survivalStatusAccuracy(
        survivalAtHorizon: [Double], times: [Double], events: [Bool], horizon: Double
    ) throws -> SurvivalStatusAccuracy {
        let n = times.count
        try SurvivalInput.checkNotEmpty(n, "times")
        try SurvivalInput.checkCount(events.count, "events", expected: n)
        try SurvivalInput.checkCount(survivalAtHorizon.count, "survivalAtHorizon", expected: n)
        try SurvivalInput.checkTimes(times, "times")
        try SurvivalInput.checkFinite(survivalAtHorizon, "survivalAtHorizon")
        guard horizon.isFinite, horizon >= 0 else {
            throw SurvivalError.invalidParameter(name: "horizon", reason: "must be a finite number >= 0")
        }

        var correct = 0
        var labelled = 0
        for i in 0..<n {
            let died: Bool
            if events[i] && times[i] <= horizon {
                died = true
            } else if times[i] > horizon || (!events[i] && times[i] == horizon) {
                died = false
            } else {
                continue
            }
            labelled += 1
            let predictedDied = 1 - survivalAtHorizon[i] >= 0.5
            if predictedDied == died { correct += 1 }
        }

        guard labelled > 0 else { throw SurvivalError.noLabelledPatients(patients: n) }
        return SurvivalStatusAccuracy(
            accuracy: Double(correct) / Double(labelled), horizon: horizon,
            labelledPatients: labelled, excludedPatients: n - labelled)
    }

    /// Computes the median of observed times (events and censorings alike),
    /// the mean of the two middle values when the count is even.
    ///
    /// This is the default horizon for ``survivalStatusAccuracy(survivalAtHorizon:times:events:horizon:)``
    /// when computed on the training set. It is not the reverse Kaplan-Meier
    /// median follow-up, which would ignore deaths.
    ///
    /// - Throws: ``SurvivalError`` for an empty array or an invalid time.
    public static func medianObservedTime(_ times: [Double]) throws -> Double {
        try SurvivalInput.checkNotEmpty(times.count, "times")
        try SurvivalInput.checkTimes(times, "times")
        let sorted = times.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : 0.5 * (sorted[middle - 1] + sorted[middle])
    }
}

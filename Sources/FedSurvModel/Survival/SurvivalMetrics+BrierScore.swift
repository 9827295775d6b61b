extension SurvivalMetrics {
    /// Computes the time-dependent Brier score with inverse probability of
    /// censoring weights (Graf, Schmoor, Sauerbrei & Schumacher 1999,
    /// Statistics in Medicine 18:2529-2545) at each grid time.
    ///
    /// With `pi_i(t)` the predicted survival of test patient i and `G` the
    /// Kaplan-Meier estimate of the censoring survival on the training set
    /// (``KaplanMeierEstimate/censoringDistribution(times:events:)``):
    ///
    /// ```
    /// BS(t) = 1/n sum_i [ 1(T_i <= t, delta_i = 1) pi_i(t)^2 / G(T_i)
    ///                   + 1(T_i > t) (1 - pi_i(t))^2 / G(t) ]
    /// ```
    ///
    /// Patients censored at or before t contribute 0 but stay in n. This is
    /// scikit-survival's `brier_score` (version 0.28), including its
    /// conventions: `G` is evaluated at `T_i` itself (not just before it),
    /// and a weight whose `G` is 0 is 0. Unlike scikit-survival, grid times
    /// outside the test patients' follow-up range are accepted.
    ///
    /// - Parameters:
    ///   - survival: one row per test patient with `pi_i` at each entry of `gridTimes`.
    ///   - gridTimes: strictly increasing evaluation times, not negative.
    ///   - times, events: the test patients' observed times and event indicators.
    ///   - trainingTimes, trainingEvents: the training set that estimates `G`.
    /// - Returns: one Brier score per grid time.
    /// - Throws: ``SurvivalError`` on mismatched shapes or invalid values, and
    ///   ``SurvivalError/beyondFollowUp(argument:index:)`` when a test or grid
    ///   time lies after the last training time while `G` is still positive
    ///   there (the censoring weight is then unknown).
    public static func brierScores(
        survival: [[Double]], gridTimes: [Double], times: [Double], events: [Bool],
        trainingTimes: [Double], trainingEvents: [Bool]
    ) throws -> [Double] {
        let n = times.count
        try SurvivalInput.checkNotEmpty(n, "times")
        try SurvivalInput.checkCount(events.count, "events", expected: n)
        try SurvivalInput.checkTimes(times, "times")
        try SurvivalInput.checkTimes(gridTimes, "gridTimes")
        try checkCurves(survival, patients: n, gridTimes: gridTimes)

        let censoring = try KaplanMeierEstimate.censoringDistribution(times: trainingTimes, events: trainingEvents)
        let censoringAtTime = try times.enumerated().map { index, time in
            try censoringSurvival(censoring, at: time, argument: "times", index: index)
        }
        let censoringAtGrid = try gridTimes.enumerated().map { index, time in
            try censoringSurvival(censoring, at: time, argument: "gridTimes", index: index)
        }

        return gridTimes.indices.map { column in
            let t = gridTimes[column]
            var sum = 0.0
            for i in 0..<n {
                let predicted = survival[i][column]
                if times[i] <= t && events[i] {
                    if censoringAtTime[i] > 0 { sum += predicted * predicted / censoringAtTime[i] }
                } else if times[i] > t {
                    if censoringAtGrid[column] > 0 { sum += (1 - predicted) * (1 - predicted) / censoringAtGrid[column] }
                }
            }
            return sum / Double(n)
        }
    }

    /// Computes the integrated Brier score: the trapezoid integral of
    /// ``brierScores(survival:gridTimes:times:events:trainingTimes:trainingEvents:)``
    /// over the grid divided by its length,
    /// `IBS = (1 / (t_last - t_first)) integral BS(t) dt`, as scikit-survival's
    /// `integrated_brier_score` (version 0.28) computes it.
    ///
    /// - Throws: as `brierScores`, and ``SurvivalError/invalidParameter(name:reason:)``
    ///   for a grid of fewer than two times.
    public static func integratedBrierScore(
        survival: [[Double]], gridTimes: [Double], times: [Double], events: [Bool],
        trainingTimes: [Double], trainingEvents: [Bool]
    ) throws -> Double {
        guard gridTimes.count >= 2 else {
            throw SurvivalError.invalidParameter(name: "gridTimes", reason: "\(gridTimes.count) times given; integration needs at least two")
        }
        let scores = try brierScores(
            survival: survival, gridTimes: gridTimes, times: times, events: events,
            trainingTimes: trainingTimes, trainingEvents: trainingEvents)
        var area = 0.0
        for k in 1..<gridTimes.count {
            area += (gridTimes[k] - gridTimes[k - 1]) * 0.5 * (scores[k] + scores[k - 1])
        }
        return area / (gridTimes[gridTimes.count - 1] - gridTimes[0])
    }

    /// Evaluates `G` and rejects times past the estimate's support while it is still positive.
    private static func censoringSurvival(
        _ censoring: KaplanMeierEstimate, at time: Double, argument: String, index: Int
    ) throws -> Double {
        let lastTime = censoring.times[censoring.times.count - 1]
        let lastValue = censoring.survival[censoring.survival.count - 1]
        if time > lastTime && lastValue > 0 && censoring.eventCounts.contains(where: { $0 > 0 }) {
            throw SurvivalError.beyondFollowUp(argument: argument, index: index)
        }
        return censoring.survival(at: time)
    }
}

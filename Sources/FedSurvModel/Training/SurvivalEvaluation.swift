import FedSurvData
import Foundation

/// Test-set metrics of a trained model.
///
/// - `concordance`: Harrell's C-index of the risk scores.
/// - `timeDependentConcordance`: Antolini, Boracchi and Biganzoli (2005),
///   with survival curves evaluated at every distinct observed time.
/// - `integratedBrierScore`: Graf et al. (1999) on 100 equally spaced times
///   from the 10th to the 90th percentile of the observed times. The censoring
///   distribution `G` is the Kaplan-Meier estimate on the evaluated patients
///   themselves, as pycox's `EvalSurv` does with `censor_surv='km'`, so a
///   data folder alone is enough to score a model file.
/// - `statusAccuracy`: dead or alive at the predictor's horizon (the median
///   observed time of its training patients), patients censored earlier left out.
public struct SurvivalEvaluation: Sendable, Equatable {
    public var patients: Int
    public var events: Int
    public var concordance: Double
    public var timeDependentConcordance: Double
    public var integratedBrierScore: Double
    public var statusAccuracy: SurvivalStatusAccuracy

    /// Scores `predictor` on `dataset`.
    ///
    /// - Throws: `TrainingError.noEvents` or `.tooFewPatients` when the
    ///   patients cannot be scored, and `SurvivalError` for non-finite outputs.
    public static func evaluate(_ predictor: SurvivalPredictor, on dataset: SurvivalDataset) throws
        -> SurvivalEvaluation
    {
        guard dataset.count >= 2 else {
            throw TrainingError.tooFewPatients(purpose: "evaluation set", count: dataset.count, minimum: 2)
        }
        guard dataset.event.contains(true) else { throw TrainingError.noEvents(purpose: "evaluation set") }
        let input = ModelInput(dataset: dataset, config: predictor.model.config)
        try input.validate(for: predictor.model.config)

        // 1) Risk scores and Harrell's C.
        let risks = try predictor.riskScores(input)
        let harrell = try SurvivalMetrics.harrellConcordance(risks: risks, times: dataset.time, events: dataset.event)

        // 2) Curves at every distinct observed time for Antolini's C.
        let observed = Array(Set(dataset.time)).sorted()
        let curves = try predictor.survivalCurves(input, at: observed)
        let antolini = try SurvivalMetrics.antoliniConcordance(
            survival: curves, gridTimes: observed, times: dataset.time, events: dataset.event)

        // 3) Integrated Brier score on a grid inside the follow-up.
        let grid = brierGrid(times: dataset.time)
        let brier = try SurvivalMetrics.integratedBrierScore(
            survival: try predictor.survivalCurves(input, at: grid), gridTimes: grid, times: dataset.time,
            events: dataset.event, trainingTimes: dataset.time, trainingEvents: dataset.event)

        // 4) Status accuracy at the training horizon.
        let atHorizon = try predictor.survivalCurves(input, at: [predictor.statusHorizon]).map { $0[0] }
        let accuracy = try SurvivalMetrics.survivalStatusAccuracy(
            survivalAtHorizon: atHorizon, times: dataset.time, events: dataset.event,
            horizon: predictor.statusHorizon)

        return SurvivalEvaluation(
            patients: dataset.count, events: dataset.event.count { $0 }, concordance: harrell.index,
            timeDependentConcordance: antolini, integratedBrierScore: brier, statusAccuracy: accuracy)
    }

    /// Returns 100 equally spaced times from the 10th to the 90th percentile of
    /// `times`, or the two extremes when those percentiles coincide.
    static func brierGrid(times: [Double]) -> [Double] {
        let sorted = times.sorted()
        let low = DiscreteTimeSurvival.quantile(sortedValues: sorted, probability: 0.1)
        let high = DiscreteTimeSurvival.quantile(sortedValues: sorted, probability: 0.9)
        guard high > low else { return [sorted.first!, max(sorted.last!, sorted.first! + 1)] }
        return (0..<100).map { low + (high - low) * Double($0) / 99 }
    }

    /// The metrics as one logfmt fragment.
    public var line: String {
        "patients=\(patients) events=\(events) c_index=\(format(concordance, 4))"
            + " c_td=\(format(timeDependentConcordance, 4)) ibs=\(format(integratedBrierScore, 4))"
            + " accuracy=\(format(statusAccuracy.accuracy, 4)) horizon_days=\(format(statusAccuracy.horizon, 0))"
    }
}

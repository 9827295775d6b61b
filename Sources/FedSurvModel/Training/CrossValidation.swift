import FedSurvCore
import FedSurvData
import Foundation

/// K-fold cross-validation of non-private training on a raw cohort.
///
/// Per fold: 1) fit the preprocessing on the fold's training patients only,
/// 2) apply it to training and test patients, 3) train with an inner
/// validation split carved from the training patients, 4) score the test
/// patients. Folds come from `stratifiedKFold(_:k:seed:)` on the cohort, so the
/// same seed gives the same folds as `site-agent train --folds-out`.
public struct CrossValidation {
    public var folds: Int
    /// Seed of the outer folds. Training uses `trainingOptions.seed`.
    public var seed: UInt64
    /// Run only the first `maxFolds` folds (all when nil), for quick checks.
    public var maxFolds: Int?
    public var trainingOptions: TrainingOptions
    public var omicsOptions: [Modality: OmicsOptions]
    public var logger: Logger

    public init(
        folds: Int = 5, seed: UInt64 = 1, maxFolds: Int? = nil, trainingOptions: TrainingOptions = TrainingOptions(),
        omicsOptions: [Modality: OmicsOptions] = OmicsOptions.defaults,
        logger: Logger = Logger(label: "fedsurv.training")
    ) {
        self.folds = folds
        self.seed = seed
        self.maxFolds = maxFolds
        self.trainingOptions = trainingOptions
        self.omicsOptions = omicsOptions
        self.logger = logger
    }

    /// The outcome of one fold.
    public struct FoldResult {
        /// 0-based fold index.
        public var fold: Int
        public var rows: Fold
        /// The preprocessing fitted on this fold's training patients.
        public var preprocessing: Preprocessing
        public var evaluation: SurvivalEvaluation
        public var bestEpoch: Int
        public var epochsRun: Int
        public var validationConcordance: Double
        public var seconds: Double

        public var line: String {
            "fold=\(fold) train=\(rows.training.count) test=\(rows.test.count) best_epoch=\(bestEpoch)"
                + " epochs=\(epochsRun) val_c_index=\(format(validationConcordance, 4)) \(evaluation.line)"
                + " seconds=\(format(seconds, 1))"
        }
    }

    /// Returns the cohort with only the omics files of `modalities`, so the
    /// preprocessing neither fits nor later requires the others.
    ///
    /// - Throws: `TrainingError.missingModality` when a requested omics file is absent.
    public static func restrict(
        _ cohort: Cohort, to modalities: [ModelConfig.Modality], directory: String
    ) throws -> Cohort {
        var omics: [Modality: OmicsMatrix] = [:]
        for modality in modalities where modality != .clinical {
            guard let matrix = cohort.omics[modality.dataModality] else {
                throw TrainingError.missingModality(modality: modality.rawValue, directory: directory)
            }
            omics[modality.dataModality] = matrix
        }
        return Cohort(clinical: cohort.clinical, omics: omics)
    }

    /// Runs the folds and calls `onFold` after each one and `progress` after each epoch.
    public func run(
        cohort: Cohort, modalities: [ModelConfig.Modality],
        progress: (_ fold: Int, EpochProgress) -> Void = { _, _ in },
        onFold: (FoldResult) -> Void = { _ in }
    ) throws -> [FoldResult] {
        guard folds >= 2 else {
            throw TrainingError.invalidOption(name: "folds", reason: "must be at least 2, got \(folds)")
        }
        guard cohort.count >= 2 * folds else {
            throw TrainingError.tooFewPatients(purpose: "cohort", count: cohort.count, minimum: 2 * folds)
        }
        let split = stratifiedKFold(cohort, k: folds, seed: seed)
        var results: [FoldResult] = []
        for (index, fold) in split.enumerated().prefix(maxFolds ?? folds) {
            let start = ContinuousClock.now
            let prepared = try Preprocessing.fitAndApply(
                cohort: cohort, trainingRows: fold.training, testRows: fold.test, options: omicsOptions)
            let trained = try Trainer(options: trainingOptions, logger: logger).train(
                prepared.train, modalities: modalities
            ) { progress(index, $0) }
            let evaluation = try SurvivalEvaluation.evaluate(trained.predictor, on: prepared.test)
            let elapsed = ContinuousClock.now - start
            let result = FoldResult(
                fold: index, rows: fold, preprocessing: prepared.preprocessing, evaluation: evaluation,
                bestEpoch: trained.bestEpoch, epochsRun: trained.epochsRun,
                validationConcordance: trained.bestValidationConcordance,
                seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            results.append(result)
            onFold(result)
        }
        return results
    }

    /// Returns the mean and sample standard deviation (`n - 1`) of `values`; the deviation is 0 for one value.
    public static func meanAndStandardDeviation(_ values: [Double]) -> (mean: Double, sd: Double) {
        guard !values.isEmpty else { return (.nan, .nan) }
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return (mean, 0) }
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, (squares / Double(values.count - 1)).squareRoot())
    }
}

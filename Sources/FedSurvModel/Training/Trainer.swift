import FedSurvCore
import FedSurvData
import FedSurvNN
import Foundation

/// Non-private training of a `BilayerAttentionModel` with early stopping.
///
/// Steps of `train(_:modalities:options:progress:)`:
/// 1) Hold out an inner validation split of the training patients, stratified
///    by cancer type and event (`TrainingOptions.validationFraction`).
/// 2) Build the model for the data and the loss: one output for Cox, one
///    logit per interval for the discrete-time loss, whose breaks are
///    quantiles of the event times of the patients trained on.
/// 3) Train with Adam in minibatches for up to `maxEpochs` epochs. After
///    each epoch, compute Harrell's C-index on the validation patients and keep
///    a copy of the weights when it is the best so far.
/// 4) Stop after `patience` epochs without improvement, restore the best weights,
///    and for Cox fit the Breslow baseline hazard on the outputs of the patients trained on.
///
/// The same data, options and seed give the same model: the seed drives the
/// split, the weights, dropout and the batch order, and OpenBLAS with a
/// fixed thread count computes the same products.
public struct Trainer {
    public var options: TrainingOptions
    public var logger: Logger

    public init(options: TrainingOptions = TrainingOptions(), logger: Logger = Logger(label: "fedsurv.training")) {
        self.options = options
        self.logger = logger
    }

    /// The outcome of one training run.
    public struct Result {
        public var predictor: SurvivalPredictor
        /// 1-based epoch whose weights were kept.
        public var bestEpoch: Int
        public var epochsRun: Int
        public var bestValidationConcordance: Double
        public var history: [EpochProgress]
    }

    /// Splits `dataset` into training and inner validation patients, then trains as the type documents.
    ///
    /// - Throws: `TrainingError` for invalid options, too few patients or events, or a diverging loss;
    ///   `ModelError` when the data does not fit the requested modalities.
    public func train(
        _ dataset: SurvivalDataset, modalities: [ModelConfig.Modality],
        progress: (EpochProgress) -> Void = { _ in }
    ) throws -> Result {
        try options.validate()
        let split = try Self.innerSplit(dataset, fraction: options.validationFraction, seed: options.seed)
        return try train(
            training: dataset.subset(split.training), validation: dataset.subset(split.validation),
            modalities: modalities, progress: progress)
    }

    /// Returns the training and validation rows of the inner split: the first
    /// fold of a stratified `round(1 / fraction)`-fold split.
    public static func innerSplit(
        _ dataset: SurvivalDataset, fraction: Double, seed: UInt64
    ) throws -> (training: [Int], validation: [Int]) {
        let k = max(2, Int((1 / fraction).rounded()))
        guard dataset.count >= 2 * k else {
            throw TrainingError.tooFewPatients(purpose: "training set", count: dataset.count, minimum: 2 * k)
        }
        let fold = stratifiedKFold(dataset, k: k, seed: seed ^ 0x5EED_1A11)[0]
        return (fold.training, fold.test)
    }

    /// Trains on `training` and chooses the epoch on `validation`.
    public func train(
        training: SurvivalDataset, validation: SurvivalDataset, modalities: [ModelConfig.Modality],
        progress: (EpochProgress) -> Void = { _ in }
    ) throws -> Result {
        try options.validate()
        guard training.event.contains(true) else { throw TrainingError.noEvents(purpose: "training set") }
        guard validation.event.contains(true) else { throw TrainingError.noEvents(purpose: "validation set") }

        // 1) Loss and model.
        var discrete: DiscreteTimeSurvival?
        if options.loss == .discrete {
            discrete = try DiscreteTimeSurvival.quantileBreaks(
                times: training.time, events: training.event, intervalCount: options.intervalCount)
        }
        var config = try ModelConfig.matching(
            training, modalities: modalities, hiddenSizes: options.hiddenSizes, normalization: .batch,
            outputSize: discrete?.intervalCount ?? 1)
        config.dimension = options.dimension
        config.dropout = options.dropout
        try config.validate()
        let model = try BilayerAttentionModel(config: config, seed: options.seed)
        let optimizer = Adam(
            parameters: model.parameters, learningRate: options.learningRate, weightDecay: options.weightDecay)
        let trainingInput = ModelInput(dataset: training, config: config)
        let validationInput = ModelInput(dataset: validation, config: config)
        let cox = CoxPartialLikelihoodLoss(ties: .efron, logger: logger)

        // 2) Epochs with early stopping on the validation C-index.
        var generator = SeededGenerator(seed: options.seed &+ 0x9E37_79B9)
        let start = ContinuousClock.now
        var best = (epoch: 0, concordance: -Double.infinity, state: model.stateTensors())
        var history: [EpochProgress] = []
        for epoch in 1...options.maxEpochs {
            var failure: Error?
            let summary = model.trainEpoch(
                on: trainingInput, batchSize: options.batchSize, optimizer: optimizer, generator: &generator
            ) { output, indices in
                do {
                    return try Self.lossGradient(
                        output: output, times: indices.map { training.time[$0] },
                        events: indices.map { training.event[$0] }, cox: cox, discrete: discrete)
                } catch {
                    failure = error
                    return (.nan, Matrix(rows: output.rows, cols: output.cols))
                }
            }
            if failure != nil || !summary.meanLoss.isFinite { throw TrainingError.nonFiniteLoss(epoch: epoch) }

            let risks: [Double]
            do {
                risks = try SurvivalPredictor.riskScores(
                    outputs: model.predict(validationInput), head: options.loss, discrete: discrete)
            } catch {
                throw TrainingError.nonFiniteLoss(epoch: epoch)
            }
            let concordance = try SurvivalMetrics.harrellConcordance(
                risks: risks, times: validation.time, events: validation.event
            ).index
            let improved = concordance > best.concordance
            if improved { best = (epoch, concordance, model.stateTensors()) }
            let elapsed = ContinuousClock.now - start
            let line = EpochProgress(
                epoch: epoch, loss: summary.meanLoss, validationConcordance: concordance, improved: improved,
                elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            history.append(line)
            progress(line)
            logger.debug("epoch finished", ["epoch": epoch, "loss": summary.meanLoss, "val.c_index": concordance])
            if epoch - best.epoch >= options.patience { break }
        }

        // 3) Best weights, then the head that turns outputs into curves.
        try model.loadState(best.state, source: "best epoch")
        let head: SurvivalHead
        if let discrete {
            head = .discrete(discrete)
        } else {
            let logRisks = model.predict(trainingInput).storage.map(Double.init)
            head = .cox(try BreslowBaselineHazard(logRisks: logRisks, times: training.time, events: training.event))
        }
        let horizon = try SurvivalMetrics.medianObservedTime(training.time)
        return Result(
            predictor: SurvivalPredictor(model: model, head: head, statusHorizon: horizon), bestEpoch: best.epoch,
            epochsRun: history.count, bestValidationConcordance: best.concordance, history: history)
    }

    /// Returns the mean batch loss and its gradient with respect to the outputs, in `Float`.
    static func lossGradient(
        output: Matrix, times: [Double], events: [Bool], cox: CoxPartialLikelihoodLoss,
        discrete: DiscreteTimeSurvival?
    ) throws -> (loss: Double, gradient: Matrix) {
        let values = output.storage.map(Double.init)
        let result: LossAndGradient
        if let discrete {
            result = try discrete.loss(logits: values, times: times, events: events)
        } else {
            result = try cox.evaluate(logRisks: values, times: times, events: events)
        }
        return (result.value, Matrix(rows: output.rows, cols: output.cols, storage: result.gradient.map(Float.init)))
    }
}

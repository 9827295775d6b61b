import FedSurvData

/// The survival loss of non-private training.
public enum SurvivalLossKind: String, Codable, Sendable, CaseIterable {
    /// Cox partial likelihood (Efron ties) on one log-risk output, as in Chen et al. (2026).
    /// It couples the patients of a batch through risk sets, so it is for non-private training only.
    case cox
    /// Discrete-time likelihood with one hazard logit per interval (see
    /// `DiscreteTimeSurvival`), a sum of per-patient terms.
    case discrete
}

/// Settings of `Trainer`. The defaults follow Chen et al. (2026) where the
/// paper gives a value (Adam, learning rate 0.001, batch 256, at most 100 epochs).
public struct TrainingOptions: Sendable, Equatable {
    public var loss: SurvivalLossKind = .cox
    public var learningRate: Float = 0.001
    public var batchSize = 256
    /// Upper bound on epochs; early stopping usually ends training sooner.
    public var maxEpochs = 100
    /// Epochs without a better validation C-index before training stops.
    public var patience = 10
    /// Fraction of the training patients held out, stratified by cancer type
    /// and event, to choose the epoch. The split is the first fold of a
    /// stratified `round(1 / fraction)`-fold split, so 0.15 holds out 1/7.
    public var validationFraction = 0.15
    /// Number of intervals of the discrete-time model; breaks are quantiles of
    /// the training event times.
    public var intervalCount = 10
    /// Seeds the inner split, the weights, dropout and the batch order.
    public var seed: UInt64 = 1
    /// Hidden sizes of the omics encoders, far smaller than Fan et al.
    /// (2023)'s 1300-700-300 CNV encoder. On the first TCGA fold's inner
    /// validation split, 64 units with dropout 0.5 beat 256 units with dropout
    /// 0.2 (C-index 0.772 against 0.747 for clinical, miRNA and CNV; see BENCHMARKS.md).
    public var hiddenSizes: [ModelConfig.Modality: [Int]] = TrainingOptions.defaultHiddenSizes
    public var dimension = 128
    /// Dropout rate of the encoders and attention keys, chosen with the hidden sizes.
    public var dropout: Float = 0.5
    public var weightDecay: Float = 0

    public static let defaultHiddenSizes: [ModelConfig.Modality: [Int]] = [
        .mrna: [64], .mirna: [64], .cnv: [64],
    ]

    public init() {}

    /// Checks ranges and throws `TrainingError.invalidOption` naming the option.
    public func validate() throws {
        guard learningRate > 0, learningRate.isFinite else {
            throw TrainingError.invalidOption(name: "learningRate", reason: "must be positive, got \(learningRate)")
        }
        guard batchSize >= 2 else {
            throw TrainingError.invalidOption(name: "batchSize", reason: "must be at least 2, got \(batchSize)")
        }
        guard maxEpochs >= 1 else {
            throw TrainingError.invalidOption(name: "epochs", reason: "must be at least 1, got \(maxEpochs)")
        }
        guard patience >= 1 else {
            throw TrainingError.invalidOption(name: "patience", reason: "must be at least 1, got \(patience)")
        }
        guard validationFraction > 0, validationFraction <= 0.5 else {
            throw TrainingError.invalidOption(
                name: "validationFraction", reason: "must be in (0, 0.5], got \(validationFraction)")
        }
        guard intervalCount >= 1 else {
            throw TrainingError.invalidOption(name: "intervals", reason: "must be at least 1, got \(intervalCount)")
        }
    }
}

/// One line of training progress, passed to the `progress` callback after each epoch.
public struct EpochProgress: Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch's batches.
    public var loss: Double
    /// Harrell's C-index on the inner validation patients after this epoch.
    public var validationConcordance: Double
    /// Whether this epoch is the best so far (its weights are kept).
    public var improved: Bool
    /// Seconds since training started.
    public var elapsedSeconds: Double

    /// The progress as one logfmt line.
    public var line: String {
        "epoch=\(epoch) loss=\(format(loss, 4)) val_c_index=\(format(validationConcordance, 4))"
            + " best=\(improved) elapsed_s=\(format(elapsedSeconds, 1))"
    }
}

func format(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

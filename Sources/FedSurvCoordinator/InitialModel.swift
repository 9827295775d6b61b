import FedSurvData
import FedSurvFederation
import FedSurvModel
import FedSurvNN
import Foundation

/// The initial global model: preprocessing fitted on a public reference folder, weights from a seed.
///
/// The consortium treats the reference folder as public data (for example a
/// published TCGA extract that no site contributes). Fitting the variance
/// threshold, the min-max scaling and the clinical levels on it spends no
/// site's privacy budget. Fitting them on a site's data would release
/// statistics of that site (feature variances, minima and maxima) outside the
/// DP accounting, so the sites apply the stored preprocessing and never refit it.
public enum InitialModel {
    public struct Summary: Sendable {
        public var parameterCount: Int
        public var patients: Int
    }

    /// Fits the preprocessing on every patient of `referenceData`, builds the model of `config.model` and writes it.
    ///
    /// The model uses layer normalisation, because DP training needs examples that do not mix.
    ///
    /// - Throws: `DataError` for unreadable reference files, `ModelError` for an invalid model configuration.
    @discardableResult
    public static func write(config: CoordinatorConfig, referenceData: String) throws -> Summary {
        try write(config: config, reference: try Cohort.load(directory: referenceData))
    }

    /// Fits the preprocessing on every patient of the loaded reference cohort, builds the model and writes it.
    @discardableResult
    public static func write(config: CoordinatorConfig, reference cohort: Cohort) throws -> Summary {
        // 1) Preprocessing fitted on the reference cohort.
        let rows = Array(0..<cohort.count)
        let preprocessing = try Preprocessing.fit(cohort: cohort, trainingRows: rows)
        let dataset = try preprocessing.apply(cohort: cohort, rows: rows)

        // 2) Discrete-time breaks at event-time quantiles of the reference data, which the
        //    private trainer's per-example loss needs; none for a Cox model.
        let survival: DiscreteTimeSurvival? =
            config.model.intervals > 0
            ? try DiscreteTimeSurvival.quantileBreaks(
                times: dataset.time, events: dataset.event, intervalCount: config.model.intervals)
            : nil

        // 3) The architecture from [model], sized by the transformed reference data.
        let modalities = try ModelConfig.Modality.parseList(config.model.modalities.joined(separator: ","))
        var hidden: [ModelConfig.Modality: [Int]] = [:]
        for (name, sizes) in config.model.hiddenSizes {
            if let modality = ModelConfig.Modality(rawValue: name) { hidden[modality] = sizes }
        }
        var modelConfig = try ModelConfig.matching(
            dataset, modalities: modalities, hiddenSizes: hidden, normalization: .layer,
            outputSize: survival?.intervalCount ?? 1)
        modelConfig.dimension = config.model.dimension
        modelConfig.heads = config.model.heads
        try modelConfig.validate()

        // 4) Seeded weights, with the preprocessing and breaks in the file's metadata.
        let model = try BilayerAttentionModel(config: modelConfig, seed: config.model.seed)
        var state = model.stateTensors()
        state.metadata[FederationMetadataKey.preprocessing] = String(decoding: try preprocessing.jsonData(), as: UTF8.self)
        state.metadata[FederationMetadataKey.modelRound] = "0"
        if let survival {
            state.metadata[GlobalModelMetadata.discreteBreaks] = String(
                decoding: try JSONEncoder().encode(survival.breaks), as: UTF8.self)
        }
        try state.write(to: URL(fileURLWithPath: config.model.initial))
        return Summary(parameterCount: model.parameterCount, patients: cohort.count)
    }
}

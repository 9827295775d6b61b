import FedSurvData
import FedSurvFederation
import FedSurvModel
import FedSurvNN
import Foundation

/// Harrell's C-index of a global model on a data folder the coordinator holds.
///
/// The folder is read once and transformed with the preprocessing stored in
/// the model's metadata, which is the one every site applies. The transformed
/// data is cached while that preprocessing stays the same.
final class GlobalModelEvaluator: @unchecked Sendable {
    let data: PreprocessedFolder

    /// Creates an evaluator that reads `dataFolder` at the first evaluation, unless `cohort` is already loaded from it.
    init(dataFolder: String, cohort: Cohort? = nil) {
        data = PreprocessedFolder(dataFolder: dataFolder, cohort: cohort)
    }

    var dataFolder: String { data.dataFolder }

    /// Computes the C-index of the model's risk on every patient of the folder.
    ///
    /// - Throws: `CoordinatorError.badRequest` for a model without preprocessing, or a
    ///   discrete-time model without breaks; the data and model errors of loading.
    func cIndex(of state: SafeTensors) throws -> Double {
        let dataset = try data.dataset(for: state)

        let model = try BilayerAttentionModel.load(state, source: "global model")
        let output = model.predict(ModelInput(dataset: dataset, config: model.config))
        let logits = output.storage.map(Double.init)

        // A Cox model outputs the risk; a discrete-time model's risk is minus its restricted mean survival time.
        let risks: [Double]
        if model.config.outputSize == 1 {
            risks = logits
        } else {
            guard let json = state.metadata[GlobalModelMetadata.discreteBreaks],
                let breaks = try? JSONDecoder().decode([Double].self, from: Data(json.utf8))
            else {
                throw CoordinatorError.badRequest(
                    "the global model has \(model.config.outputSize) outputs but no \(GlobalModelMetadata.discreteBreaks) metadata")
            }
            risks = try DiscreteTimeSurvival(breaks: breaks).riskScores(logits: logits)
        }
        return try SurvivalMetrics.harrellConcordance(risks: risks, times: dataset.time, events: dataset.event).index
    }
}

/// Annotates global models with relevance intervals computed on public reference data.
///
/// Every round's global model gets `GlobalModelMetadata.relevanceIntervals`
/// from LRP on the reference folder (`PublicRelevance.intervals`), so sites can
/// split their Gaussian noise by relevance without spending budget on it: the
/// model and the reference data are public.
final class RelevanceAnnotator: @unchecked Sendable {
    let data: PreprocessedFolder
    let intervals: Int

    init(dataFolder: String, intervals: Int) {
        data = PreprocessedFolder(dataFolder: dataFolder)
        self.intervals = intervals
    }

    /// Returns `state` with the relevance intervals of its model in the metadata.
    func annotate(_ state: SafeTensors) throws -> SafeTensors {
        let dataset = try data.dataset(for: state)
        let model = try BilayerAttentionModel.load(state, source: "global model")
        let assigned = try PublicRelevance.intervals(
            model: model, reference: ModelInput(dataset: dataset, config: model.config), count: intervals)
        var annotated = state
        annotated.metadata[GlobalModelMetadata.relevanceIntervals] = try PublicRelevance.encode(assigned)
        return annotated
    }
}

/// A data folder the coordinator holds, transformed with a global model's preprocessing.
///
/// The folder is read once; the transformed data is cached while the
/// preprocessing in the model's metadata stays the same.
final class PreprocessedFolder: @unchecked Sendable {
    let dataFolder: String
    private var cohort: Cohort?
    private var cached: (preprocessing: String, dataset: SurvivalDataset)?

    init(dataFolder: String, cohort: Cohort? = nil) {
        self.dataFolder = dataFolder
        self.cohort = cohort
    }

    /// Returns every patient of the folder, preprocessed as `state`'s metadata says.
    ///
    /// - Throws: `CoordinatorError.badRequest` for a model without preprocessing; data errors of loading.
    func dataset(for state: SafeTensors) throws -> SurvivalDataset {
        guard let json = state.metadata[FederationMetadataKey.preprocessing] else {
            throw CoordinatorError.badRequest(
                "the global model has no \(FederationMetadataKey.preprocessing) metadata; create it with coordinator init-model")
        }
        if let cached, cached.preprocessing == json { return cached.dataset }

        let cohort = try self.cohort ?? Cohort.load(directory: dataFolder)
        self.cohort = cohort
        let preprocessing = try Preprocessing.load(jsonData: Data(json.utf8))
        let dataset = try preprocessing.apply(cohort: cohort, rows: Array(0..<cohort.count))
        cached = (json, dataset)
        return dataset
    }
}

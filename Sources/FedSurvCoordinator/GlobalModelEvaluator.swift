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
    let dataFolder: String
    private var cohort: Cohort?
    private var cached: (preprocessing: String, dataset: SurvivalDataset)?

    /// Creates an evaluator that reads `dataFolder` at the first evaluation, unless `cohort` is already loaded from it.
    init(dataFolder: String, cohort: Cohort? = nil) {
        self.dataFolder = dataFolder
        self.cohort = cohort
    }

    /// Computes the C-index of the model's risk on every patient of the folder.
    ///
    /// - Throws: `CoordinatorError.badRequest` for a model without preprocessing, or a
    ///   discrete-time model without breaks; the data and model errors of loading.
    func cIndex(of state: SafeTensors) throws -> Double {
        guard let json = state.metadata[FederationMetadataKey.preprocessing] else {
            throw CoordinatorError.badRequest(
                "the global model has no \(FederationMetadataKey.preprocessing) metadata; create it with coordinator init-model")
        }
        let dataset: SurvivalDataset
        if let cached, cached.preprocessing == json {
            dataset = cached.dataset
        } else {
            let cohort = try self.cohort ?? Cohort.load(directory: dataFolder)
            self.cohort = cohort
            let preprocessing = try Preprocessing.load(jsonData: Data(json.utf8))
            dataset = try preprocessing.apply(cohort: cohort, rows: Array(0..<cohort.count))
            cached = (json, dataset)
        }

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
    let dataFolder: String
    let intervals: Int
    private var cohort: Cohort?
    private var cached: (preprocessing: String, dataset: SurvivalDataset)?

    init(dataFolder: String, intervals: Int) {
        self.dataFolder = dataFolder
        self.intervals = intervals
    }

    /// Returns `state` with the relevance intervals of its model in the metadata.
    func annotate(_ state: SafeTensors) throws -> SafeTensors {
        guard let json = state.metadata[FederationMetadataKey.preprocessing] else {
            throw CoordinatorError.badRequest(
                "the global model has no \(FederationMetadataKey.preprocessing) metadata; create it with coordinator init-model")
        }
        let dataset: SurvivalDataset
        if let cached, cached.preprocessing == json {
            dataset = cached.dataset
        } else {
            let cohort = try self.cohort ?? Cohort.load(directory: dataFolder)
            self.cohort = cohort
            let preprocessing = try Preprocessing.load(jsonData: Data(json.utf8))
            dataset = try preprocessing.apply(cohort: cohort, rows: Array(0..<cohort.count))
            cached = (json, dataset)
        }
        let model = try BilayerAttentionModel.load(state, source: "global model")
        let assigned = try PublicRelevance.intervals(
            model: model, reference: ModelInput(dataset: dataset, config: model.config), count: intervals)
        var annotated = state
        annotated.metadata[GlobalModelMetadata.relevanceIntervals] = try PublicRelevance.encode(assigned)
        return annotated
    }
}

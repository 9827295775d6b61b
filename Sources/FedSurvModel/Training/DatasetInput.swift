import FedSurvData
import FedSurvNN

extension ModelConfig.Modality {
    /// The data layer's name for the same modality.
    public var dataModality: FedSurvData.Modality { FedSurvData.Modality(rawValue: rawValue)! }

    /// Parses a comma-separated list such as `clinical,mirna,cnv`.
    public static func parseList(_ text: String) throws -> [ModelConfig.Modality] {
        var modalities: [ModelConfig.Modality] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let modality = ModelConfig.Modality(rawValue: name.lowercased()) else {
                throw ModelError.invalidConfig(
                    field: "modalities", reason: "unknown modality '\(name)'; use clinical, mrna, mirna or cnv")
            }
            if !modalities.contains(modality) { modalities.append(modality) }
        }
        guard !modalities.isEmpty else {
            throw ModelError.invalidConfig(field: "modalities", reason: "the list is empty; name at least one")
        }
        return modalities.sorted()
    }
}

extension ModelConfig {
    /// Builds a configuration whose input sizes and clinical cardinalities match `dataset`.
    ///
    /// The data layer counts the unknown level in its cardinalities and the
    /// model does not (its embeddings add a row for code 0), hence the `- 1`.
    /// A variable with no known level (a column absent from the data) keeps one
    /// unused level, because the model requires every cardinality to be positive.
    public static func matching(
        _ dataset: SurvivalDataset, modalities: [ModelConfig.Modality],
        hiddenSizes: [ModelConfig.Modality: [Int]] = [:], normalization: Normalization = .batch,
        outputSize: Int = 1
    ) throws -> ModelConfig {
        func encoder(_ modality: ModelConfig.Modality) throws -> OmicsEncoder? {
            guard modalities.contains(modality) else { return nil }
            guard let block = dataset.omics[modality.dataModality] else {
                throw ModelError.invalidConfig(
                    field: "modalities",
                    reason: "\(modality.rawValue) was requested but the data folder has no \(modality.rawValue) file")
            }
            if let sizes = hiddenSizes[modality] {
                return OmicsEncoder(inputSize: block.featureCount, hiddenSizes: sizes)
            }
            return ModelConfig.defaultEncoder(for: modality, inputSize: block.featureCount)
        }
        let config = ModelConfig(
            modalities: modalities, clinicalCardinalities: dataset.categoricalCardinalities.map { max(1, $0 - 1) },
            mrna: try encoder(.mrna), mirna: try encoder(.mirna), cnv: try encoder(.cnv),
            normalization: normalization, outputSize: outputSize)
        try config.validate()
        return config
    }
}

extension ModelInput {
    /// Converts preprocessed patients to model inputs, keeping the omics blocks `config` uses.
    public init(dataset: SurvivalDataset, config: ModelConfig) {
        let n = dataset.count
        var codes = [Int32](repeating: 0, count: n * ModelConfig.clinicalVariableCount)
        for row in 0..<n {
            for (variable, code) in dataset.categorical[row].prefix(ModelConfig.clinicalVariableCount).enumerated() {
                codes[row * ModelConfig.clinicalVariableCount + variable] = Int32(code)
            }
        }
        var omics: [ModelConfig.Modality: OmicsBatch] = [:]
        for modality in config.modalities where modality != .clinical {
            guard let block = dataset.omics[modality.dataModality] else { continue }
            omics[modality] = OmicsBatch(
                features: Matrix(rows: n, cols: block.featureCount, storage: block.values),
                presence: block.present.map { $0 ? 1 : 0 })
        }
        self.init(categorical: codes, age: dataset.age, omics: omics)
    }
}

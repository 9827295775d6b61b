import FedSurvNN

/// One omics modality for a batch: features and the presence mask.
public struct OmicsBatch: Sendable {
    /// `n x p` features. Rows of absent examples must be zero (zero-vector imputation).
    public var features: Matrix
    /// `n` entries, 1 when the example has this modality and 0 when it is missing.
    public var presence: [Float]

    public init(features: Matrix, presence: [Float]) {
        self.features = features
        self.presence = presence
    }
}

/// The inputs of a batch of `n` patients.
public struct ModelInput: Sendable {
    /// `n x 4` row-major codes for cancer type, gender, race and histological
    /// type. Code 0 means unknown and `1...cardinality` are the known categories.
    public var categorical: [Int32]
    /// `n` ages scaled to [0, 1].
    public var age: [Float]
    /// Omics modalities present in the configuration (others are ignored).
    public var omics: [ModelConfig.Modality: OmicsBatch]

    public init(categorical: [Int32], age: [Float], omics: [ModelConfig.Modality: OmicsBatch]) {
        self.categorical = categorical
        self.age = age
        self.omics = omics
    }

    /// Number of examples.
    public var count: Int { age.count }

    /// Returns the examples at `indices`, in that order.
    public func rows(_ indices: [Int]) -> ModelInput {
        let width = ModelConfig.clinicalVariableCount
        var codes = [Int32](repeating: 0, count: indices.count * width)
        var ages = [Float](repeating: 0, count: indices.count)
        for (k, index) in indices.enumerated() {
            ages[k] = age[index]
            if !categorical.isEmpty {
                for v in 0..<width { codes[k * width + v] = categorical[index * width + v] }
            }
        }
        var selected: [ModelConfig.Modality: OmicsBatch] = [:]
        for (modality, batch) in omics {
            selected[modality] = OmicsBatch(
                features: batch.features.gatherRows(indices),
                presence: indices.map { batch.presence[$0] })
        }
        return ModelInput(categorical: categorical.isEmpty ? [] : codes, age: ages, omics: selected)
    }

    /// Checks sizes, code ranges and the zero rows of absent modalities against `config`.
    /// Errors name fields, rows and sizes, never values.
    public func validate(for config: ModelConfig) throws {
        let n = count
        if config.modalities.contains(.clinical) {
            let width = ModelConfig.clinicalVariableCount
            guard categorical.count == n * width else {
                throw ModelError.invalidInput(
                    reason: "categorical has \(categorical.count) codes, expected \(n) x \(width)")
            }
            for (index, code) in categorical.enumerated() {
                let variable = index % width
                let cardinality = config.clinicalCardinalities[variable]
                guard code >= 0, Int(code) <= cardinality else {
                    throw ModelError.invalidInput(
                        reason: "categorical variable \(variable) of row \(index / width) is outside 0...\(cardinality)"
                    )
                }
            }
        }
        for modality in config.modalities where modality != .clinical {
            guard let batch = omics[modality] else {
                throw ModelError.invalidInput(
                    reason: "modality \(modality.rawValue) is in the configuration but not in the batch")
            }
            let expected = config.encoder(for: modality)!.inputSize
            guard batch.features.rows == n, batch.features.cols == expected else {
                throw ModelError.invalidInput(
                    reason:
                        "\(modality.rawValue) features are \(batch.features.rows) x \(batch.features.cols), expected \(n) x \(expected)"
                )
            }
            guard batch.presence.count == n, batch.presence.allSatisfy({ $0 == 0 || $0 == 1 }) else {
                throw ModelError.invalidInput(
                    reason: "\(modality.rawValue) presence must have \(n) entries, each 0 or 1")
            }
            for row in 0..<n where batch.presence[row] == 0 {
                for column in 0..<expected where batch.features[row, column] != 0 {
                    throw ModelError.invalidInput(
                        reason: "\(modality.rawValue) row \(row) is marked absent but is not a zero vector")
                }
            }
        }
    }
}

import FedSurvModel
import FedSurvNN

/// Small models and batches built in code for the model tests.
enum ModelFixtures {
    static func config(
        normalization: ModelConfig.Normalization = .layer, dropout: Float = 0, mask: Bool = true, outputSize: Int = 2
    ) -> ModelConfig {
        ModelConfig(
            modalities: [.clinical, .mrna, .mirna, .cnv],
            clinicalCardinalities: [3, 2, 4, 5],
            mrna: .init(inputSize: 6, hiddenSizes: [5]),
            mirna: .init(inputSize: 5, hiddenSizes: [4, 3]),
            cnv: .init(inputSize: 4, hiddenSizes: [3]),
            dimension: 8,
            heads: 2,
            dropout: dropout,
            normalization: normalization,
            outputSize: outputSize,
            maskAbsentModalities: mask)
    }

    /// A batch of `n` examples, where example 1 lacks mRNA and example 2 lacks miRNA and CNV.
    static func input(config: ModelConfig, n: Int = 5, seed: UInt64 = 42) -> ModelInput {
        var generator = SeededGenerator(seed: seed)
        var codes: [Int32] = []
        for _ in 0..<n {
            for cardinality in config.clinicalCardinalities {
                codes.append(Int32(generator.next() % UInt64(cardinality + 1)))
            }
        }
        let ages = (0..<n).map { _ in generator.nextUniform() }
        var omics: [ModelConfig.Modality: OmicsBatch] = [:]
        for modality in config.modalities where modality != .clinical {
            let p = config.encoder(for: modality)!.inputSize
            var features = Matrix(rows: n, cols: p) { generator.nextUniform() }
            var presence = [Float](repeating: 1, count: n)
            let absent = (modality == .mrna && n > 1 ? [1] : []) + (modality != .mrna && n > 2 ? [2] : [])
            for i in absent {
                presence[i] = 0
                for c in 0..<p { features[i, c] = 0 }
            }
            omics[modality] = OmicsBatch(features: features, presence: presence)
        }
        return ModelInput(categorical: codes, age: ages, omics: omics)
    }
}

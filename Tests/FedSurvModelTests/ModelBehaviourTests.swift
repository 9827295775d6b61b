import FedSurvModel
import FedSurvNN
import Foundation
import Testing

@Suite struct ModelBehaviourTests {
    @Test("attention weights sum to one")
    func weightsSumToOne() throws {
        let config = ModelFixtures.config(mask: false)
        let model = try BilayerAttentionModel(config: config, seed: 1)
        _ = model.forward(ModelFixtures.input(config: config), training: false)
        let weights = model.lastAttentionWeights
        let m = config.modalities.count
        #expect(weights.count == 5 * config.heads * m)
        for row in 0..<(5 * config.heads) {
            let sum = weights[(row * m)..<((row + 1) * m)].reduce(0, +)
            #expect(abs(sum - 1) < 1e-5)
        }
    }

    @Test("absent modalities get zero weight")
    func masking() throws {
        let config = ModelFixtures.config(mask: true)
        let model = try BilayerAttentionModel(config: config, seed: 2)
        _ = model.forward(ModelFixtures.input(config: config), training: false)
        let weights = model.lastAttentionWeights
        let (m, heads) = (config.modalities.count, config.heads)
        // Modalities in order: clinical 0, mrna 1, mirna 2, cnv 3.
        for h in 0..<heads {
            #expect(weights[(1 * heads + h) * m + 1] == 0, "example 1 lacks mRNA")
            #expect(weights[(2 * heads + h) * m + 2] == 0, "example 2 lacks miRNA")
            #expect(weights[(2 * heads + h) * m + 3] == 0, "example 2 lacks CNV")
            #expect(weights[(0 * heads + h) * m + 1] > 0, "example 0 has mRNA")
        }
    }

    @Test("all modalities absent falls back to all")
    func allAbsent() throws {
        let config = ModelConfig(
            modalities: [.mrna, .cnv], mrna: .init(inputSize: 3, hiddenSizes: [4]),
            cnv: .init(inputSize: 2, hiddenSizes: [4]), dimension: 4, heads: 2, dropout: 0)
        let model = try BilayerAttentionModel(config: config, seed: 3)
        let input = ModelInput(
            categorical: [], age: [0.5],
            omics: [
                .mrna: OmicsBatch(features: Matrix(rows: 1, cols: 3), presence: [0]),
                .cnv: OmicsBatch(features: Matrix(rows: 1, cols: 2), presence: [0]),
            ])
        let output = model.forward(input, training: false)
        #expect(output.storage.allSatisfy { $0.isFinite })
        #expect(model.lastAttentionWeights.allSatisfy { $0 > 0 })
    }

    @Test("evaluation output is deterministic")
    func evaluationDeterministic() throws {
        let config = ModelFixtures.config(dropout: 0.3)
        let model = try BilayerAttentionModel(config: config, seed: 4)
        let input = ModelFixtures.input(config: config)
        #expect(model.forward(input, training: false) == model.forward(input, training: false))
        let same = try BilayerAttentionModel(config: config, seed: 4)
        #expect(same.forward(input, training: false) == model.forward(input, training: false))
    }

    @Test("dropout changes training output")
    func dropoutActive() throws {
        let config = ModelFixtures.config(dropout: 0.5)
        let model = try BilayerAttentionModel(config: config, seed: 5)
        let input = ModelFixtures.input(config: config)
        #expect(model.forward(input, training: true) != model.forward(input, training: false))
    }

    @Test("key and query initialisation")
    func initialisation() throws {
        let config = ModelConfig(
            modalities: [.mrna], mrna: .init(inputSize: 3, hiddenSizes: [4]), dimension: 128, heads: 4)
        let model = try BilayerAttentionModel(config: config, seed: 6)
        let key = try #require(model.parameters.first { $0.name == "fusion.key_weight" })
        let query = try #require(model.parameters.first { $0.name == "fusion.query" })
        // N(0, 1) over 16384 entries: the sample variance is within 0.05 of 1 (about 4 standard errors).
        let variance = key.value.storage.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(key.count)
        #expect(abs(variance - 1) < 0.05)
        #expect(query.value.storage.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(query.shape == [128])
    }

    @Test("parameter names are unique")
    func uniqueNames() throws {
        let model = try BilayerAttentionModel(config: ModelFixtures.config(normalization: .batch), seed: 7)
        let names = (model.parameters + model.buffers).map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.contains("encoders.mirna.9.running_var"))
        #expect(names.contains("encoders.clinical.embeddings.3.weight"))
        #expect(model.linearLayers.count == 1 + 2 + 3 + 2 + 2)
    }

    @Test("embedding widths follow rule")
    func embeddingWidths() throws {
        let config = ModelConfig(
            modalities: [.clinical], clinicalCardinalities: [32, 2, 5, 200], dimension: 8, heads: 2)
        let model = try BilayerAttentionModel(config: config, seed: 8)
        let shapes = model.parameters.filter { $0.name.contains("embeddings") }.map(\.shape)
        // Rows are cardinality + 1 because code 0 is unknown, and width is min(50, (rows + 1) / 2).
        #expect(shapes == [[33, 17], [3, 2], [6, 3], [201, 50]])
    }
}

@Suite struct ModelConfigTests {
    @Test("JSON round trip")
    func jsonRoundTrip() throws {
        let config = ModelFixtures.config(normalization: .batch)
        let data = try JSONEncoder().encode(config)
        #expect(try JSONDecoder().decode(ModelConfig.self, from: data) == config)
    }

    @Test("rejects heads not dividing d")
    func heads() {
        var config = ModelFixtures.config()
        config.heads = 3
        #expect(throws: ModelError.self) { try config.validate() }
    }

    @Test("rejects missing encoder")
    func missingEncoder() {
        var config = ModelFixtures.config()
        config.cnv = nil
        #expect(throws: ModelError.invalidConfig(field: "cnv", reason: "is used but has no encoder configuration")) {
            try config.validate()
        }
    }

    @Test("rejects too many layers")
    func tooManyLayers() {
        var config = ModelFixtures.config()
        config.mrna = .init(inputSize: 6, hiddenSizes: [5, 5, 5, 5])
        #expect(throws: ModelError.self) { try config.validate() }
    }

    @Test("rejects out-of-range codes")
    func inputCodes() {
        let config = ModelFixtures.config()
        var input = ModelFixtures.input(config: config)
        #expect(throws: Never.self) { try input.validate(for: config) }
        input.categorical[1] = 3  // gender has 2 known categories
        #expect(throws: ModelError.self) { try input.validate(for: config) }
    }

    @Test("rejects unordered modalities")
    func unordered() {
        var config = ModelFixtures.config()
        config.modalities = [.mrna, .clinical, .mirna, .cnv]
        #expect(throws: ModelError.self) { try config.validate() }
    }

    @Test("rejects non-zero absent rows")
    func absentRows() {
        let config = ModelFixtures.config()
        var input = ModelFixtures.input(config: config)
        // Example 1 lacks mRNA in the fixture.
        input.omics[.mrna]!.features[1, 0] = 0.5
        #expect(throws: ModelError.self) { try input.validate(for: config) }
    }

    @Test("rejects wrong feature width")
    func inputWidth() {
        let config = ModelFixtures.config()
        var input = ModelFixtures.input(config: config)
        input.omics[.cnv] = OmicsBatch(features: Matrix(rows: 5, cols: 3), presence: [1, 1, 1, 1, 1])
        #expect(throws: ModelError.self) { try input.validate(for: config) }
    }
}

import FedSurvModel
import FedSurvNN
import Foundation
import Testing

@Suite struct ModelFileTests {
    @Test("save and load round trip")
    func roundTrip() throws {
        let config = ModelFixtures.config(normalization: .batch, dropout: 0.1)
        let model = try BilayerAttentionModel(config: config, seed: 1)
        let input = ModelFixtures.input(config: config)
        // Train-mode passes move the batch-norm running statistics away from their defaults.
        _ = model.forward(input, training: true)
        let expected = model.forward(input, training: false)

        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fedsurv-model-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try BilayerAttentionModel.load(from: url)

        #expect(loaded.config == config)
        #expect(loaded.forward(input, training: false) == expected)
        for (a, b) in zip(model.parameters + model.buffers, loaded.parameters + loaded.buffers) {
            #expect(a.name == b.name)
            #expect(a.value == b.value)
        }
    }

    @Test("file holds config metadata")
    func metadata() throws {
        let config = ModelFixtures.config()
        let model = try BilayerAttentionModel(config: config, seed: 2)
        let state = try SafeTensors(data: model.stateTensors().encoded())
        let json = try #require(state.metadata[BilayerAttentionModel.configMetadataKey])
        #expect(try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8)) == config)
        #expect(state.tensors["output.bias"]?.shape == [config.outputSize])
        #expect(state.tensors["fusion.key_weight"]?.shape == [8, 8])
    }

    @Test("rejects mismatched shapes")
    func shapeMismatch() throws {
        let model = try BilayerAttentionModel(config: ModelFixtures.config(outputSize: 2), seed: 3)
        let other = try BilayerAttentionModel(config: ModelFixtures.config(outputSize: 3), seed: 3)
        let before = model.parameters.map(\.value)
        #expect(
            throws: NNError.shapeMismatch(source: "buffer", tensor: "output.weight", expected: [2, 8], found: [3, 8])
        ) {
            try model.loadState(other.stateTensors())
        }
        #expect(model.parameters.map(\.value) == before)
    }

    @Test("rejects file without config")
    func missingConfig() throws {
        let model = try BilayerAttentionModel(config: ModelFixtures.config(), seed: 4)
        var state = model.stateTensors()
        state.metadata = [:]
        #expect(throws: ModelError.self) { try BilayerAttentionModel.load(state) }
    }
}

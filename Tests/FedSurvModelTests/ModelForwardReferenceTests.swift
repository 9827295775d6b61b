import FedSurvModel
import FedSurvNN
import Foundation
import Testing

/// Compares the evaluation-mode forward pass with an independent numpy
/// implementation in float64 (`Fixtures/model-forward/make_reference.py`),
/// loading model files that the Python safetensors package wrote. Tolerance:
/// `|swift - numpy| <= 1e-4 + 1e-4 |numpy|`, which Float32 arithmetic on
/// outputs of order 1 meets with a wide margin.
@Suite struct ModelForwardReferenceTests {
    static func fixture(_ name: String) throws -> URL {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return fixtures.appendingPathComponent("model-forward/\(name)")
    }

    @Test("forward matches numpy", arguments: ["batch-masked", "layer-unmasked"])
    func forward(name: String) throws {
        let model = try BilayerAttentionModel.load(from: Self.fixture("\(name).model.safetensors"))
        let io = try SafeTensors(contentsOf: Self.fixture("\(name).io.safetensors"))
        let n = try #require(io.tensors["age"]).shape[0]

        let codes = try #require(io.tensors["categorical"]).values.map { Int32($0) }
        var omics: [ModelConfig.Modality: OmicsBatch] = [:]
        for modality in [ModelConfig.Modality.mrna, .cnv] {
            let features = try #require(io.tensors[modality.rawValue])
            let presence = try #require(io.tensors["\(modality.rawValue)_presence"])
            omics[modality] = OmicsBatch(
                features: Matrix(rows: features.shape[0], cols: features.shape[1], storage: features.values),
                presence: presence.values)
        }
        let input = ModelInput(categorical: codes, age: try #require(io.tensors["age"]).values, omics: omics)
        try input.validate(for: model.config)

        let output = model.forward(input, training: false)
        let expected = try #require(io.tensors["output"])
        #expect(expected.shape == [n, 2])
        #expect(output.rows == n)
        for (index, value) in expected.values.enumerated() {
            let actual = output.storage[index]
            #expect(abs(actual - value) <= 1e-4 + 1e-4 * abs(value), "output[\(index)]: \(actual) vs \(value)")
        }
    }
}

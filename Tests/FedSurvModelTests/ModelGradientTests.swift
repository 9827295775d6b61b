import FedSurvModel
import FedSurvNN
import Testing

/// Finite-difference checks of the whole model with dropout off.
///
/// The scalar is `L = sum(output .* R)` for fixed random `R`, accumulated in
/// Double. Central differences with step `h = 2e-3` on Float32 weights are
/// trusted to about 1e-3 (truncation O(h^2), rounding about `1e-7 |L| / h`
/// with `|L| < 10`), so a check passes when
/// `|numeric - analytic| <= 5e-3 + 2e-2 |analytic|`. A step of 1e-2 crossed
/// ReLU kinks behind the narrow normalised layers of these small fixtures.
/// Up to 6 entries of every parameter are checked, to keep debug builds fast.
@Suite struct ModelGradientTests {
    static let step: Float = 2e-3

    static func mismatches(model: BilayerAttentionModel, input: ModelInput, seed: UInt64) -> [String] {
        var generator = SeededGenerator(seed: seed)
        let output = model.forward(input, training: true)
        let weights = Matrix(rows: output.rows, cols: output.cols) { generator.nextUniform(in: -1, 1) }
        model.zeroGradients()
        model.backward(weights)

        func loss() -> Double {
            let y = model.forward(input, training: true)
            var sum = 0.0
            for i in 0..<y.count { sum += Double(y.storage[i]) * Double(weights.storage[i]) }
            return sum
        }

        var failures: [String] = []
        var checked = 0
        for parameter in model.parameters {
            let analytic = parameter.gradient
            let count = parameter.count
            let indices = count <= 6 ? Array(0..<count) : (0..<6).map { ($0 * count) / 6 + $0 % 2 }
            for index in indices {
                let original = parameter.value.storage[index]
                parameter.value.storage[index] = original + step
                let plus = loss()
                parameter.value.storage[index] = original - step
                let minus = loss()
                parameter.value.storage[index] = original
                let numeric = (plus - minus) / (2 * Double(step))
                let value = Double(analytic.storage[index])
                checked += 1
                if abs(numeric - value) > 5e-3 + 2e-2 * abs(value) {
                    failures.append("\(parameter.name)[\(index)]: numeric \(numeric), analytic \(value)")
                }
            }
        }
        if checked < 50 { failures.append("only \(checked) entries checked") }
        return failures
    }

    @Test("gradients with layer norm")
    func layerNorm() throws {
        let config = ModelFixtures.config(normalization: .layer)
        let model = try BilayerAttentionModel(config: config, seed: 1)
        let failures = Self.mismatches(model: model, input: ModelFixtures.input(config: config), seed: 2)
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("gradients with batch norm")
    func batchNorm() throws {
        let config = ModelFixtures.config(normalization: .batch)
        let model = try BilayerAttentionModel(config: config, seed: 3)
        let failures = Self.mismatches(model: model, input: ModelFixtures.input(config: config, n: 6), seed: 4)
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("gradients without masking")
    func unmasked() throws {
        var config = ModelFixtures.config(mask: false, outputSize: 1)
        config.reluAfterFusion = false
        let model = try BilayerAttentionModel(config: config, seed: 5)
        let failures = Self.mismatches(model: model, input: ModelFixtures.input(config: config), seed: 6)
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("gradients of two modalities")
    func twoModalities() throws {
        let config = ModelConfig(
            modalities: [.mirna, .clinical], clinicalCardinalities: [2, 2, 3, 3],
            mirna: .init(inputSize: 7, hiddenSizes: [6]), dimension: 6, heads: 3, dropout: 0,
            normalization: .layer, outputSize: 3)
        #expect(config.modalities == [.clinical, .mirna])
        let model = try BilayerAttentionModel(config: config, seed: 7)
        let failures = Self.mismatches(model: model, input: ModelFixtures.input(config: config, n: 4), seed: 8)
        #expect(failures.isEmpty, "\(failures)")
    }
}

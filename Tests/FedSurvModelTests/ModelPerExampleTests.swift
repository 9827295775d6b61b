import FedSurvModel
import FedSurvNN
import Testing

/// Per-example norms against per-example gradients materialised by running
/// `backward` with one example's output gradient at a time (dropout on, since
/// the masks of the cached forward pass stay fixed). Tolerance: 1e-4 relative
/// plus 1e-6 absolute, for Float32 sums of a few hundred terms.
@Suite struct ModelPerExampleTests {
    static func materialisedNorms(
        model: BilayerAttentionModel, outputGradient: Matrix, norm: GradientNorm
    ) -> [String: [Float]] {
        let n = outputGradient.rows
        var result: [String: [Float]] = [:]
        for i in 0..<n {
            var single = Matrix(rows: n, cols: outputGradient.cols)
            for c in 0..<outputGradient.cols { single[i, c] = outputGradient[i, c] }
            model.zeroGradients()
            model.backward(single)
            for parameter in model.parameters {
                var sum = 0.0
                for value in parameter.gradient.storage {
                    sum += norm == .l1 ? Double(abs(value)) : Double(value) * Double(value)
                }
                result[parameter.name, default: []].append(Float(norm == .l1 ? sum : sum.squareRoot()))
            }
        }
        return result
    }

    @Test("norms match materialised gradients", arguments: [GradientNorm.l1, .l2])
    func matches(norm: GradientNorm) throws {
        let config = ModelFixtures.config(normalization: .layer, dropout: 0.2)
        let model = try BilayerAttentionModel(config: config, seed: 1)
        let input = ModelFixtures.input(config: config, n: 4)
        var generator = SeededGenerator(seed: 2)
        let output = model.forward(input, training: true)
        let outputGradient = Matrix(rows: output.rows, cols: output.cols) { generator.nextUniform(in: -1, 1) }

        let expected = Self.materialisedNorms(model: model, outputGradient: outputGradient, norm: norm)
        model.zeroGradients()
        model.backward(outputGradient)
        let computed = try model.perExampleGradientNorms(norm)

        #expect(Set(computed.keys) == Set(model.parameters.map(\.name)))
        for (name, values) in expected {
            let actual = try #require(computed[name], "missing \(name)")
            for i in 0..<values.count {
                #expect(abs(actual[i] - values[i]) <= 1e-6 + 1e-4 * values[i], "\(name)[\(i)]")
            }
        }
    }

    @Test("weighted gradients match materialised sums")
    func weightedGradients() throws {
        let config = ModelFixtures.config(normalization: .layer, dropout: 0.2)
        let model = try BilayerAttentionModel(config: config, seed: 4)
        let n = 4
        let input = ModelFixtures.input(config: config, n: n)
        var generator = SeededGenerator(seed: 5)
        let output = model.forward(input, training: true)
        let outputGradient = Matrix(rows: output.rows, cols: output.cols) { generator.nextUniform(in: -1, 1) }

        // Materialise each example's gradient, then form the weighted sums directly.
        var factors: [String: [Float]] = [:]
        for parameter in model.parameters {
            factors[parameter.name] = (0..<n).map { _ in generator.nextUniform(in: 0, 1) }
        }
        var expected: [String: [Double]] = [:]
        for i in 0..<n {
            var single = Matrix(rows: n, cols: outputGradient.cols)
            for c in 0..<outputGradient.cols { single[i, c] = outputGradient[i, c] }
            model.zeroGradients()
            model.backward(single)
            for parameter in model.parameters {
                let factor = Double(factors[parameter.name]![i])
                var sums = expected[parameter.name] ?? [Double](repeating: 0, count: parameter.count)
                for k in 0..<parameter.count { sums[k] += factor * Double(parameter.gradient.storage[k]) }
                expected[parameter.name] = sums
            }
        }

        model.zeroGradients()
        model.backward(outputGradient)
        try model.setWeightedGradients(factors)
        for parameter in model.parameters {
            let sums = expected[parameter.name]!
            var worst = 0.0
            for k in 0..<parameter.count {
                worst = max(worst, abs(Double(parameter.gradient.storage[k]) - sums[k]) / (1e-4 + abs(sums[k])))
            }
            #expect(worst < 1e-3, "\(parameter.name): worst relative error \(worst)")
        }
    }

    @Test("weighted gradients need every factor")
    func missingFactors() throws {
        let config = ModelFixtures.config(normalization: .layer)
        let model = try BilayerAttentionModel(config: config, seed: 6)
        let output = model.forward(ModelFixtures.input(config: config), training: true)
        model.backward(Matrix(rows: output.rows, cols: output.cols, repeating: 1))
        var factors: [String: [Float]] = [:]
        for parameter in model.parameters { factors[parameter.name] = [Float](repeating: 1, count: output.rows) }
        factors["fusion.query"] = [1, 1]
        #expect(throws: ModelError.self) { try model.setWeightedGradients(factors) }
    }

    @Test("rejects batch normalisation")
    func batchNorm() throws {
        let config = ModelFixtures.config(normalization: .batch)
        let model = try BilayerAttentionModel(config: config, seed: 3)
        let output = model.forward(ModelFixtures.input(config: config), training: true)
        model.backward(Matrix(rows: output.rows, cols: output.cols, repeating: 1))
        #expect(throws: ModelError.self) { try model.perExampleGradientNorms(.l2) }
    }
}

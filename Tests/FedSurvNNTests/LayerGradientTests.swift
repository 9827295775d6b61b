import FedSurvNN
import Testing

/// Finite-difference checks of every layer's backward pass, with the tolerances of `GradientCheck`.
@Suite struct LayerGradientTests {
    static func randomInput(rows: Int, cols: Int, seed: UInt64) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols) { generator.nextUniform(in: -1, 1) }
    }

    @Test("Linear gradients")
    func linear() {
        var generator = SeededGenerator(seed: 1)
        let layer = Linear(name: "fc", inputs: 7, outputs: 5, generator: &generator)
        let failures = GradientCheck.mismatches(
            layer: layer, input: Self.randomInput(rows: 6, cols: 7, seed: 2), training: true, seed: 3)
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("Linear without bias gradients")
    func linearWithoutBias() {
        var generator = SeededGenerator(seed: 4)
        let layer = Linear(name: "fc", inputs: 3, outputs: 4, bias: false, generator: &generator)
        #expect(layer.parameters.count == 1)
        let failures = GradientCheck.mismatches(
            layer: layer, input: Self.randomInput(rows: 5, cols: 3, seed: 5), training: true, seed: 6)
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("BatchNorm1d training gradients")
    func batchNormTraining() {
        let layer = BatchNorm1d(name: "bn", features: 4)
        // Non-trivial scale and shift so their gradients matter.
        var generator = SeededGenerator(seed: 7)
        for i in 0..<4 {
            layer.scale.value.storage[i] = generator.nextUniform(in: 0.5, 1.5)
            layer.shift.value.storage[i] = generator.nextUniform(in: -0.5, 0.5)
        }
        let failures = GradientCheck.mismatches(
            layer: layer, input: Self.randomInput(rows: 8, cols: 4, seed: 8), training: true, seed: 9)
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("BatchNorm1d evaluation gradients")
    func batchNormEvaluation() {
        let layer = BatchNorm1d(name: "bn", features: 3)
        _ = layer.forward(Self.randomInput(rows: 10, cols: 3, seed: 10), training: true)
        let failures = GradientCheck.mismatches(
            layer: layer, input: Self.randomInput(rows: 4, cols: 3, seed: 11), training: false, seed: 12)
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("LayerNorm gradients")
    func layerNorm() {
        let layer = LayerNorm(name: "ln", features: 6)
        var generator = SeededGenerator(seed: 13)
        for i in 0..<6 {
            layer.scale.value.storage[i] = generator.nextUniform(in: 0.5, 1.5)
            layer.shift.value.storage[i] = generator.nextUniform(in: -0.5, 0.5)
        }
        let failures = GradientCheck.mismatches(
            layer: layer, input: Self.randomInput(rows: 5, cols: 6, seed: 14), training: true, seed: 15)
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("ReLU gradients")
    func relu() {
        // Inputs at least 0.1 away from the kink, so a step of 1e-2 never crosses it.
        var input = Self.randomInput(rows: 4, cols: 5, seed: 16)
        for i in 0..<input.count where abs(input.storage[i]) < 0.1 { input.storage[i] = 0.5 }
        let failures = GradientCheck.mismatches(layer: ReLU(), input: input, training: true, seed: 17)
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("Sequential block gradients")
    func sequential() {
        var generator = SeededGenerator(seed: 18)
        let block = Sequential([
            Linear(name: "a", inputs: 5, outputs: 6, generator: &generator),
            LayerNorm(name: "n", features: 6),
            ReLU(),
            Linear(name: "b", inputs: 6, outputs: 3, generator: &generator),
        ])
        let failures = GradientCheck.mismatches(
            layer: block, input: Self.randomInput(rows: 4, cols: 5, seed: 19), training: true, seed: 20)
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("Embedding gradients")
    func embedding() {
        var generator = SeededGenerator(seed: 21)
        let layer = Embedding(name: "emb", count: 4, dimension: 3, generator: &generator)
        let codes: [Int32] = [0, 2, 2, 3, 1]
        let output = layer.forward(codes)
        #expect(output[1, 2] == layer.weight.value[2, 2])
        let weights = Self.randomInput(rows: 5, cols: 3, seed: 22)
        layer.backward(weights)
        // Code 2 appears at positions 1 and 2, so its table row gets the sum of those
        // gradient rows. Code 1 appears once, at position 4.
        for c in 0..<3 {
            #expect(abs(layer.weight.gradient[2, c] - (weights[1, c] + weights[2, c])) < 1e-6)
            #expect(layer.weight.gradient[1, c] == weights[4, c])
        }
    }
}

import FedSurvNN
import Testing

@Suite struct LayerBehaviourTests {
    @Test("gemm matches naive product")
    func gemm() {
        var generator = SeededGenerator(seed: 1)
        let a = Matrix(rows: 3, cols: 4) { generator.nextUniform(in: -1, 1) }
        let b = Matrix(rows: 5, cols: 4) { generator.nextUniform(in: -1, 1) }
        let product = a.multiplied(by: b, transposeOther: true)
        let viaTranspose = a.multiplied(by: b.transposed())
        for r in 0..<3 {
            for c in 0..<5 {
                var expected: Float = 0
                for k in 0..<4 { expected += a[r, k] * b[c, k] }
                #expect(abs(product[r, c] - expected) < 1e-5)
                #expect(abs(viaTranspose[r, c] - expected) < 1e-5)
            }
        }
    }

    @Test("Linear PyTorch initialisation bounds")
    func linearInitialisation() {
        var generator = SeededGenerator(seed: 2)
        let layer = Linear(name: "fc", inputs: 64, outputs: 32, generator: &generator)
        let bound: Float = 1 / 8
        #expect(layer.weight.value.storage.allSatisfy { abs($0) <= bound })
        #expect(layer.bias!.value.storage.allSatisfy { abs($0) <= bound })
        // A uniform on [-b, b] has standard deviation b / sqrt(3), and 2048 draws estimate it to about 3 %.
        let std = layer.weight.value.frobeniusNorm() / Double(layer.weight.count).squareRoot()
        #expect(abs(std - Double(bound) / 3.0.squareRoot()) < 0.1 * Double(bound) / 3.0.squareRoot())
    }

    @Test("Linear per-example norms match materialised gradients")
    func perExampleNorms() {
        var generator = SeededGenerator(seed: 3)
        let layer = Linear(name: "fc", inputs: 4, outputs: 3, generator: &generator)
        let x = Matrix(rows: 5, cols: 4) { generator.nextUniform(in: -1, 1) }
        let delta = Matrix(rows: 5, cols: 3) { generator.nextUniform(in: -1, 1) }
        _ = layer.forward(x, training: true)
        layer.backward(delta, computeInputGradient: false)
        let l1 = layer.perExampleGradientNorms(.l1)
        let l2 = layer.perExampleGradientNorms(.l2)
        for i in 0..<5 {
            var sumAbs: Float = 0
            var sumSquares: Float = 0
            var biasAbs: Float = 0
            for o in 0..<3 {
                biasAbs += abs(delta[i, o])
                for k in 0..<4 {
                    let g = delta[i, o] * x[i, k]
                    sumAbs += abs(g)
                    sumSquares += g * g
                }
            }
            #expect(abs(l1.weight[i] - sumAbs) < 1e-5 * max(1, sumAbs))
            #expect(abs(l2.weight[i] - sumSquares.squareRoot()) < 1e-5)
            #expect(abs(l1.bias[i] - biasAbs) < 1e-5)
        }
    }

    @Test("LayerNorm per-example norms, one example")
    func layerNormPerExample() {
        let layer = LayerNorm(name: "ln", features: 4)
        var generator = SeededGenerator(seed: 4)
        let x = Matrix(rows: 1, cols: 4) { generator.nextUniform(in: -1, 1) }
        let dy = Matrix(rows: 1, cols: 4) { generator.nextUniform(in: -1, 1) }
        _ = layer.forward(x, training: true)
        _ = layer.backward(dy)
        // With one example the per-example gradient is the batch gradient.
        let scaleL1 = layer.scale.gradient.storage.reduce(0) { $0 + abs($1) }
        let shiftL2 = layer.shift.gradient.storage.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(layer.perExampleGradientNorms(.l1).scale[0] - scaleL1) < 1e-5)
        #expect(abs(layer.perExampleGradientNorms(.l2).shift[0] - shiftL2) < 1e-5)
    }

    @Test("BatchNorm1d running statistics")
    func batchNormRunningStatistics() {
        let layer = BatchNorm1d(name: "bn", features: 1)
        let x = Matrix(rows: 4, cols: 1, storage: [1, 2, 3, 4])
        let y = layer.forward(x, training: true)
        // Mean 2.5, biased variance 1.25, unbiased 5/3.
        #expect(abs(layer.runningMean.value.storage[0] - 0.25) < 1e-6)
        #expect(abs(layer.runningVariance.value.storage[0] - (0.9 + 0.1 * 5 / 3)) < 1e-6)
        #expect(abs(y.storage[0] - (1 - 2.5) / (1.25 + 1e-5).squareRoot()) < 1e-5)
        let evaluated = layer.forward(Matrix(rows: 1, cols: 1, storage: [1]), training: false)
        let expected = (1 - 0.25) / (Float(0.9 + 0.1 * 5 / 3) + 1e-5).squareRoot()
        #expect(abs(evaluated.storage[0] - expected) < 1e-5)
    }

    @Test("Dropout keep rate and scaling")
    func dropout() {
        let layer = Dropout(rate: 0.25, seed: 5)
        let x = Matrix(rows: 100, cols: 40, repeating: 1)
        let y = layer.forward(x, training: true)
        let kept = y.storage.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 })
        // 4000 Bernoulli(0.75) draws: standard deviation of the rate is ~0.007.
        #expect(abs(Double(kept.count) / 4000 - 0.75) < 0.03)
        let gradient = layer.backward(Matrix(rows: 100, cols: 40, repeating: 2))
        for i in 0..<y.count { #expect(gradient.storage[i] == 2 * y.storage[i]) }
        #expect(layer.forward(x, training: false) == x)
    }

    @Test("Dropout is reproducible from its seed")
    func dropoutSeed() {
        let x = Matrix(rows: 8, cols: 8, repeating: 1)
        let first = Dropout(rate: 0.5, seed: 9).forward(x, training: true)
        let second = Dropout(rate: 0.5, seed: 9).forward(x, training: true)
        let other = Dropout(rate: 0.5, seed: 10).forward(x, training: true)
        #expect(first == second)
        #expect(first != other)
    }

    @Test("generator normal moments")
    func normalMoments() {
        var generator = SeededGenerator(seed: 11)
        let samples = (0..<20000).map { _ in Double(generator.nextNormal()) }
        let mean = samples.reduce(0, +) / 20000
        let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20000
        // Standard errors: 0.007 for the mean, 0.01 for the variance.
        #expect(abs(mean) < 0.03)
        #expect(abs(variance - 1) < 0.04)
    }

    @Test("SplitMix64 reference value")
    func splitMix() {
        // First output for seed 0 in Vigna's reference splitmix64.c.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
    }
}

import FedSurvModel
import FedSurvNN
import Testing

@Suite struct ModelTrainingTests {
    /// Mean squared error against a target that depends on the inputs, so the
    /// model can only lower it by learning from them.
    @Test("epochs reduce a regression loss")
    func regression() throws {
        let config = ModelFixtures.config(normalization: .layer, dropout: 0, outputSize: 1)
        let model = try BilayerAttentionModel(config: config, seed: 1)
        let n = 64
        let input = ModelFixtures.input(config: config, n: n, seed: 2)
        let mrna = input.omics[.mrna]!.features
        let target = (0..<n).map { i in input.age[i] + mrna[i, 0] - Float(input.categorical[i * 4 + 1]) * 0.5 }

        let optimizer = Adam(parameters: model.parameters, learningRate: 0.01)
        var generator = SeededGenerator(seed: 3)
        func meanSquaredError(_ output: Matrix, _ indices: [Int]) -> (loss: Double, gradient: Matrix) {
            var gradient = Matrix(rows: output.rows, cols: 1)
            var loss = 0.0
            for (k, index) in indices.enumerated() {
                let residual = output[k, 0] - target[index]
                loss += Double(residual * residual) / Double(indices.count)
                gradient[k, 0] = 2 * residual / Float(indices.count)
            }
            return (loss, gradient)
        }

        let first = model.trainEpoch(
            on: input, batchSize: 16, optimizer: optimizer, generator: &generator, lossGradient: meanSquaredError)
        #expect(first.batchCount == 4)
        var last = first
        for _ in 0..<40 {
            last = model.trainEpoch(
                on: input, batchSize: 16, optimizer: optimizer, generator: &generator, lossGradient: meanSquaredError)
        }
        #expect(last.meanLoss < 0.25 * first.meanLoss, "first \(first.meanLoss), last \(last.meanLoss)")
        #expect(optimizer.step == 41 * 4)
    }

    @Test("last batch may be partial")
    func partialBatch() throws {
        let config = ModelFixtures.config(outputSize: 1)
        let model = try BilayerAttentionModel(config: config, seed: 4)
        let input = ModelFixtures.input(config: config, n: 10)
        var sizes: [Int] = []
        var generator = SeededGenerator(seed: 5)
        let summary = model.trainEpoch(
            on: input, batchSize: 4, optimizer: Adam(parameters: model.parameters), generator: &generator
        ) { output, indices in
            sizes.append(indices.count)
            return (0, Matrix(rows: output.rows, cols: output.cols))
        }
        #expect(sizes == [4, 4, 2])
        #expect(summary.batchCount == 3)
    }

    @Test("predict matches one forward pass")
    func predict() throws {
        let config = ModelFixtures.config(normalization: .batch, dropout: 0.3)
        let model = try BilayerAttentionModel(config: config, seed: 6)
        let input = ModelFixtures.input(config: config, n: 11)
        _ = model.forward(input, training: true)  // moves the running statistics
        let whole = model.forward(input, training: false)
        let chunked = model.predict(input, batchSize: 4)
        #expect(chunked.rows == 11)
        for i in 0..<whole.count {
            #expect(abs(chunked.storage[i] - whole.storage[i]) < 1e-5, "entry \(i)")
        }
    }
}

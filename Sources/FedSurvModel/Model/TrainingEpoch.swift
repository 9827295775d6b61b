import FedSurvNN

/// Losses of one training epoch.
public struct EpochSummary: Sendable {
    /// Mean of the per-batch losses returned by the loss closure.
    public var meanLoss: Double
    public var batchCount: Int
}

extension BilayerAttentionModel {
    /// Runs one epoch of minibatch training: shuffle, then per batch zero the
    /// gradients, forward in training mode, call `lossGradient`, backward and
    /// `optimizer.update()`.
    ///
    /// - Parameters:
    ///   - input: all training examples.
    ///   - batchSize: examples per batch (256 in Chen et al. 2026). The last batch may be smaller.
    ///   - optimizer: an `Adam` over `parameters`.
    ///   - generator: draws the shuffle, so an epoch is reproducible from its seed.
    ///   - lossGradient: given the batch outputs (`b x outputSize`) and the
    ///     indices of the batch rows in `input`, returns the batch loss and
    ///     `dLoss/dOutput` with the same shape as the outputs.
    public func trainEpoch(
        on input: ModelInput,
        batchSize: Int = 256,
        optimizer: Adam,
        generator: inout SeededGenerator,
        lossGradient: (_ output: Matrix, _ indices: [Int]) -> (loss: Double, gradient: Matrix)
    ) -> EpochSummary {
        precondition(batchSize > 0, "batchSize must be positive, got \(batchSize)")
        var order = Array(0..<input.count)
        order.shuffle(using: &generator)
        var total = 0.0
        var batches = 0
        var start = 0
        while start < order.count {
            let indices = Array(order[start..<min(start + batchSize, order.count)])
            let batch = input.rows(indices)
            zeroGradients()
            let output = forward(batch, training: true)
            let (loss, gradient) = lossGradient(output, indices)
            backward(gradient)
            optimizer.update()
            total += loss
            batches += 1
            start += batchSize
        }
        return EpochSummary(meanLoss: batches == 0 ? 0 : total / Double(batches), batchCount: batches)
    }

    /// Returns the evaluation-mode outputs for all examples, computed in
    /// chunks of `batchSize` rows to bound memory. Evaluation mode uses no
    /// batch statistics, so the result does not depend on `batchSize`.
    public func predict(_ input: ModelInput, batchSize: Int = 1024) -> Matrix {
        precondition(batchSize > 0, "batchSize must be positive, got \(batchSize)")
        var result = Matrix(rows: input.count, cols: config.outputSize)
        var start = 0
        while start < input.count {
            let indices = Array(start..<min(start + batchSize, input.count))
            let output = forward(input.rows(indices), training: false)
            for (k, row) in indices.enumerated() {
                for c in 0..<output.cols { result[row, c] = output[k, c] }
            }
            start += batchSize
        }
        return result
    }
}

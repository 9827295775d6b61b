import FedSurvNN

/// Relevance of a genomic encoder's inputs and hidden units by layer-wise
/// relevance propagation with the epsilon rule (Bach et al. 2015; Montavon
/// et al. 2019, "Layer-Wise Relevance Propagation: An Overview").
///
/// The relevance to explain is the encoder's output vector h (one score per
/// output unit, R = h). Through a linear layer z = a W^T + b,
///
///     R_j(input) = a_j * sum_o W_oj R_o / (z_o + epsilon * sign(z_o)),
///
/// with the stabiliser `epsilon` (0.01 by default). Batch normalisation in
/// evaluation mode is an affine map per unit and is folded into the linear
/// layer before it. Layer normalisation depends on the whole row, so it is not
/// folded: relevance passes through it unchanged, as it does through ReLU and
/// dropout (dropout is off in evaluation).
public struct EncoderRelevance: Sendable {
    /// `n x width` relevance of each layer's input, first entry = the encoder's input features.
    public var layers: [Matrix]

    public var inputs: Matrix { layers[0] }
}

extension BilayerAttentionModel {
    /// Computes per-example relevance of the `modality` encoder's inputs and hidden units.
    ///
    /// - Throws: `ModelError.invalidInput` when the model has no encoder for `modality`.
    public func relevance(
        of modality: ModelConfig.Modality, features: Matrix, stabilizer: Float = 0.01
    ) throws -> EncoderRelevance {
        guard let encoder = omics.first(where: { $0.modality == modality })?.encoder else {
            throw ModelError.invalidInput(reason: "the model has no \(modality.rawValue) encoder")
        }

        // 1) Forward in evaluation mode, keeping each linear layer's input and
        //    its pre-activation after folding batch normalisation.
        var steps: [(input: Matrix, weight: Matrix, preactivation: Matrix)] = []
        var activation = features
        let layers = encoder.network.layers
        var index = 0
        while index < layers.count {
            guard let linear = layers[index] as? Linear else {
                activation = layers[index].forward(activation, training: false)
                index += 1
                continue
            }
            let input = activation
            var weight = linear.weight.value
            var output = linear.forward(input, training: false)
            if index + 1 < layers.count, let batchNorm = layers[index + 1] as? BatchNorm1d {
                // BN(z) = s z + t with s = gamma / sqrt(var + eps): scale W's rows by s.
                output = batchNorm.forward(output, training: false)
                for unit in 0..<weight.rows {
                    let s =
                        batchNorm.scale.value.storage[unit]
                        / (batchNorm.runningVariance.value.storage[unit] + batchNorm.epsilon).squareRoot()
                    for column in 0..<weight.cols { weight.storage[unit * weight.cols + column] *= s }
                }
                index += 1
            }
            steps.append((input, weight, output))
            activation = output
            index += 1
            // Apply the remaining non-linear layers of the block on the next pass of the loop.
        }

        // 2) Backward relevance pass from R = h.
        var relevance = encoder.forward(features, training: false)
        var perLayer: [Matrix] = []
        for step in steps.reversed() {
            var ratio = relevance
            for k in 0..<ratio.count {
                let z = step.preactivation.storage[k]
                let denominator = z + (z >= 0 ? stabilizer : -stabilizer)
                ratio.storage[k] /= denominator
            }
            var back = Matrix(rows: ratio.rows, cols: step.weight.cols)
            Matrix.gemm(ratio, transposeA: false, step.weight, transposeB: false, into: &back)
            for k in 0..<back.count { back.storage[k] *= step.input.storage[k] }
            perLayer.append(back)
            relevance = back
        }
        return EncoderRelevance(layers: perLayer.reversed())
    }
}

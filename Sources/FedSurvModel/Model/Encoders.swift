import FedSurvNN

/// The clinical encoder: one embedding per categorical variable, dropout on
/// their concatenation, the normalised age appended, and one linear layer to `d`.
///
/// An embedding with `n` rows (known categories plus the unknown code 0) has
/// width `min(50, (n + 1) / 2)`, the rule of thumb used by fast.ai.
final class ClinicalEncoder {
    let embeddings: [Embedding]
    let dropout: Dropout
    let linear: Linear
    private let embeddingWidth: Int

    init(name: String, cardinalities: [Int], dimension: Int, dropoutRate: Float, generator: inout SeededGenerator) {
        var tables: [Embedding] = []
        for (k, cardinality) in cardinalities.enumerated() {
            let rows = cardinality + 1
            tables.append(
                Embedding(
                    name: "\(name).embeddings.\(k)", count: rows, dimension: min(50, (rows + 1) / 2),
                    generator: &generator))
        }
        embeddings = tables
        embeddingWidth = tables.reduce(0) { $0 + $1.dimension }
        dropout = Dropout(rate: dropoutRate, seed: generator.next())
        linear = Linear(name: "\(name).linear", inputs: embeddingWidth + 1, outputs: dimension, generator: &generator)
    }

    var parameters: [Parameter] { embeddings.flatMap(\.parameters) + linear.parameters }

    func forward(categorical: [Int32], age: [Float], training: Bool) -> Matrix {
        let n = age.count
        let variables = embeddings.count

        // 1) Look up each variable and concatenate the embeddings.
        var concatenated = Matrix(rows: n, cols: embeddingWidth)
        var offset = 0
        for (k, table) in embeddings.enumerated() {
            var codes = [Int32](repeating: 0, count: n)
            for i in 0..<n { codes[i] = categorical[i * variables + k] }
            let looked = table.forward(codes)
            for i in 0..<n {
                for c in 0..<table.dimension {
                    concatenated.storage[i * embeddingWidth + offset + c] = looked.storage[i * table.dimension + c]
                }
            }
            offset += table.dimension
        }

        // 2) Dropout, then append age as the last column.
        let dropped = dropout.forward(concatenated, training: training)
        var features = Matrix(rows: n, cols: embeddingWidth + 1)
        for i in 0..<n {
            for c in 0..<embeddingWidth {
                features.storage[i * (embeddingWidth + 1) + c] = dropped.storage[i * embeddingWidth + c]
            }
            features.storage[i * (embeddingWidth + 1) + embeddingWidth] = age[i]
        }
        return linear.forward(features, training: training)
    }

    func backward(_ outputGradient: Matrix) {
        let n = outputGradient.rows
        let featureGradient = linear.backward(outputGradient)
        var embeddingGradient = Matrix(rows: n, cols: embeddingWidth)
        for i in 0..<n {
            for c in 0..<embeddingWidth {
                embeddingGradient.storage[i * embeddingWidth + c] =
                    featureGradient.storage[i * (embeddingWidth + 1) + c]
            }
        }
        let concatenatedGradient = dropout.backward(embeddingGradient)
        var offset = 0
        for table in embeddings {
            var slice = Matrix(rows: n, cols: table.dimension)
            for i in 0..<n {
                for c in 0..<table.dimension {
                    slice.storage[i * table.dimension + c] =
                        concatenatedGradient.storage[i * embeddingWidth + offset + c]
                }
            }
            table.backward(slice)
            offset += table.dimension
        }
    }
}

/// An omics encoder: blocks of Linear, normalisation, ReLU and dropout, from
/// the input size through the hidden sizes to `d`.
///
/// Layer indices follow a PyTorch `nn.Sequential` of the same blocks, so block
/// `b` has its linear layer at index `4b` and its normalisation at `4b + 1`.
final class OmicsEncoder {
    let network: Sequential

    init(
        name: String, config: ModelConfig.OmicsEncoder, dimension: Int, normalization: ModelConfig.Normalization,
        dropoutRate: Float, generator: inout SeededGenerator
    ) {
        let sizes = [config.inputSize] + config.hiddenSizes + [dimension]
        var layers: [any Layer] = []
        for block in 0..<(sizes.count - 1) {
            let index = 4 * block
            layers.append(
                Linear(name: "\(name).\(index)", inputs: sizes[block], outputs: sizes[block + 1], generator: &generator)
            )
            switch normalization {
            case .batch: layers.append(BatchNorm1d(name: "\(name).\(index + 1)", features: sizes[block + 1]))
            case .layer: layers.append(LayerNorm(name: "\(name).\(index + 1)", features: sizes[block + 1]))
            }
            layers.append(ReLU())
            layers.append(Dropout(rate: dropoutRate, seed: generator.next()))
        }
        network = Sequential(layers)
    }

    var parameters: [Parameter] { network.parameters }
    var buffers: [Parameter] { network.buffers }

    func forward(_ features: Matrix, training: Bool) -> Matrix {
        network.forward(features, training: training)
    }

    /// Runs the backward pass without the gradient with respect to the raw features, which nothing needs.
    func backward(_ outputGradient: Matrix) {
        network.backward(outputGradient, computeInputGradient: false)
    }
}

/// A fully connected layer, `y = x W^T + b`.
///
/// `W` is `outputs x inputs` and `b` has `outputs` entries, as in PyTorch's
/// `nn.Linear`. Initialisation matches PyTorch 2.x defaults: weight and bias
/// uniform on `[-1/sqrt(inputs), 1/sqrt(inputs)]` (Kaiming-uniform with
/// `a = sqrt(5)`, He et al. 2015).
///
/// The layer keeps its last input `x` and its last output gradient `delta`
/// so that per-example gradient norms can be computed without materialising
/// per-example gradients (`perExampleGradientNorms`).
public final class Linear: Layer {
    public let inputs: Int
    public let outputs: Int
    public let weight: Parameter
    public let bias: Parameter?

    /// Input of the last forward pass (`n x inputs`).
    public private(set) var lastInput = Matrix(rows: 0, cols: 0)
    /// Output gradient of the last backward pass (`n x outputs`).
    public private(set) var lastOutputGradient = Matrix(rows: 0, cols: 0)

    public init(name: String, inputs: Int, outputs: Int, bias: Bool = true, generator: inout SeededGenerator) {
        precondition(inputs > 0 && outputs > 0, "Linear \(name): sizes must be positive, got \(inputs) -> \(outputs)")
        self.inputs = inputs
        self.outputs = outputs
        let bound = 1 / Float(inputs).squareRoot()
        let w = Matrix(rows: outputs, cols: inputs) { generator.nextUniform(in: -bound, bound) }
        self.weight = Parameter(name: name + ".weight", value: w)
        if bias {
            let b = Matrix(rows: 1, cols: outputs) { generator.nextUniform(in: -bound, bound) }
            self.bias = Parameter(name: name + ".bias", value: b, shape: [outputs])
        } else {
            self.bias = nil
        }
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    public func forward(_ input: Matrix, training: Bool) -> Matrix {
        precondition(input.cols == inputs, "\(weight.name): input has \(input.cols) columns, expected \(inputs)")
        lastInput = input
        var output = Matrix(rows: input.rows, cols: outputs)
        if let bias {
            // Broadcast the bias into every row, then accumulate x W^T on top.
            bias.value.storage.withUnsafeBufferPointer { b in
                output.storage.withUnsafeMutableBufferPointer { y in
                    for r in 0..<input.rows {
                        (y.baseAddress! + r * outputs).update(from: b.baseAddress!, count: outputs)
                    }
                }
            }
            Matrix.gemm(input, weight.value, transposeB: true, into: &output, beta: 1)
        } else {
            Matrix.gemm(input, weight.value, transposeB: true, into: &output)
        }
        return output
    }

    public func backward(_ outputGradient: Matrix) -> Matrix {
        backward(outputGradient, computeInputGradient: true)
    }

    /// Adds `dW += delta^T x` and `db += column sums of delta`, and returns
    /// `delta W` unless `computeInputGradient` is false (first layers skip it,
    /// which saves one product of the size of the forward pass).
    @discardableResult
    public func backward(_ outputGradient: Matrix, computeInputGradient: Bool) -> Matrix {
        precondition(
            outputGradient.rows == lastInput.rows && outputGradient.cols == outputs,
            "\(weight.name): output gradient is \(outputGradient.rows) x \(outputGradient.cols), expected \(lastInput.rows) x \(outputs)"
        )
        lastOutputGradient = outputGradient
        Matrix.gemm(outputGradient, transposeA: true, lastInput, into: &weight.gradient, beta: 1)
        if let bias {
            Matrix.addColumnSums(of: outputGradient, into: &bias.gradient.storage)
        }
        guard computeInputGradient else { return Matrix(rows: 0, cols: 0) }
        return outputGradient.multiplied(by: weight.value)
    }

    /// Per-example norms of the weight and bias gradients of the last batch.
    ///
    /// Example `i` contributes `delta_i x_i^T` to the weight gradient and
    /// `delta_i` to the bias gradient. A rank-one matrix has
    /// `||delta x^T||_1 = ||delta||_1 ||x||_1` (entrywise L1) and
    /// `||delta x^T||_F = ||delta||_2 ||x||_2`, so each norm costs O(inputs +
    /// outputs) per example (Goodfellow 2015). Valid only when every row of
    /// the batch is one example, which holds for every use in this package.
    public func perExampleGradientNorms(_ norm: GradientNorm) -> (weight: [Float], bias: [Float]) {
        let n = lastInput.rows
        precondition(lastOutputGradient.rows == n, "\(weight.name): call backward before perExampleGradientNorms")
        let inputNorms = lastInput.rowNorms(norm)
        let deltaNorms = lastOutputGradient.rowNorms(norm)
        var weightNorms = [Float](repeating: 0, count: n)
        for i in 0..<n { weightNorms[i] = inputNorms[i] * deltaNorms[i] }
        return (weightNorms, bias == nil ? [Float](repeating: 0, count: n) : deltaNorms)
    }

    /// Replaces the gradients with per-example weighted sums for the last batch:
    /// `dW = sum_i weightFactors[i] delta_i x_i^T` and
    /// `db = sum_i biasFactors[i] delta_i`.
    ///
    /// With factors `min(1, C / norm_i)` this gives the clipped gradient sum of
    /// differentially private SGD (Abadi et al. 2016) in one product, with no
    /// per-example gradient materialised.
    public func setWeightedGradients(weightFactors: [Float], biasFactors: [Float]) {
        let n = lastInput.rows
        precondition(lastOutputGradient.rows == n, "\(weight.name): call backward before setWeightedGradients")
        let scaled = lastOutputGradient.scalingRows(by: weightFactors)
        Matrix.gemm(scaled, transposeA: true, lastInput, into: &weight.gradient)
        if let bias {
            bias.gradient.zero()
            Matrix.addColumnSums(of: lastOutputGradient.scalingRows(by: biasFactors), into: &bias.gradient.storage)
        }
    }
}

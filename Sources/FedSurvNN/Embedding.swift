/// A lookup table mapping integer codes to learned vectors, as PyTorch's
/// `nn.Embedding`, initialised from N(0, 1) as PyTorch does.
///
/// The backward pass adds each row of the output gradient to the table row of
/// its code, so example `i` contributes exactly `dy_i` to one table row and its
/// per-example gradient norm is the norm of `dy_i`.
public final class Embedding {
    public let count: Int
    public let dimension: Int
    public let weight: Parameter
    private var lastCodes: [Int32] = []
    /// Output gradient of the last backward pass (`n x dimension`).
    public private(set) var lastOutputGradient = Matrix(rows: 0, cols: 0)

    public init(name: String, count: Int, dimension: Int, generator: inout SeededGenerator) {
        precondition(count > 0 && dimension > 0, "Embedding \(name): sizes must be positive")
        self.count = count
        self.dimension = dimension
        weight = Parameter(
            name: name + ".weight",
            value: Matrix(rows: count, cols: dimension) { generator.nextNormal() })
    }

    public var parameters: [Parameter] { [weight] }

    /// Returns the `codes.count x dimension` matrix of table rows. Codes must
    /// be in `0..<count` (callers validate data first).
    public func forward(_ codes: [Int32]) -> Matrix {
        lastCodes = codes
        var output = Matrix(rows: codes.count, cols: dimension)
        let d = dimension
        weight.value.storage.withUnsafeBufferPointer { table in
            output.storage.withUnsafeMutableBufferPointer { y in
                for (r, code) in codes.enumerated() {
                    let index = Int(code)
                    precondition(
                        index >= 0 && index < count, "\(weight.name): code \(index) is out of range 0..<\(count)")
                    (y.baseAddress! + r * d).update(from: table.baseAddress! + index * d, count: d)
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: Matrix) {
        precondition(
            outputGradient.rows == lastCodes.count && outputGradient.cols == dimension,
            "\(weight.name): gradient shape mismatch")
        lastOutputGradient = outputGradient
        let d = dimension
        outputGradient.storage.withUnsafeBufferPointer { dy in
            weight.gradient.storage.withUnsafeMutableBufferPointer { dw in
                for (r, code) in lastCodes.enumerated() {
                    let target = Int(code) * d
                    for c in 0..<d { dw[target + c] += dy[r * d + c] }
                }
            }
        }
    }

    /// Per-example norms of the table gradient for the last batch: example `i`
    /// adds `dy_i` to one row, so its norm is the norm of `dy_i`.
    public func perExampleGradientNorms(_ norm: GradientNorm) -> [Float] {
        precondition(
            lastOutputGradient.rows == lastCodes.count, "\(weight.name): call backward before perExampleGradientNorms")
        return lastOutputGradient.rowNorms(norm)
    }

    /// Replaces the table gradient with the per-example weighted sum for the
    /// last batch: row `code_i` receives `factors[i] dy_i`.
    public func setWeightedGradients(factors: [Float]) {
        precondition(
            lastOutputGradient.rows == lastCodes.count, "\(weight.name): call backward before setWeightedGradients")
        var sums = [Float](repeating: 0, count: weight.count)
        let d = dimension
        let gradients = lastOutputGradient.storage
        for (r, code) in lastCodes.enumerated() {
            let target = Int(code) * d
            for c in 0..<d { sums[target + c] += factors[r] * gradients[r * d + c] }
        }
        weight.gradient.storage = sums
    }
}

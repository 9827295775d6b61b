import FedSurvNN
import Foundation

/// Multi-head attention over the `M` modality vectors of each example, with
/// one learned query (Chen et al., JMIR Med Inform 2026).
///
/// For an example with modality vectors `B` (`M x d`), `H` heads and head
/// width `d_h = d / H`:
///
/// ```
/// K = ReLU(Dropout(B W_K))                       keys, W_K is d x d, init N(0, 1)
/// V = B                                          values
/// s_{h,m} = q_h . K_{h,m} / sqrt(d_h)            q in R^d, init U(0, 1)
/// a_{h,m} = softmax_m(s_{h,m} + mask_m)          mask_m = -inf for absent m
/// o_h = sum_m a_{h,m} V_{h,m}                    heads concatenated into o in R^d
/// ```
///
/// where `X_{h,m}` is block `h` (columns `h d_h ..< (h+1) d_h`) of row `m`.
/// The mask applies only when `maskAbsentModalities` is set and at least one
/// modality of the example is present.
///
/// Backward, per example and head, with `da_m = dO_h . V_{h,m}`:
/// `dV_{h,m} = a_m dO_h`, `ds_m = a_m (da_m - sum_k a_k da_k)`,
/// `dq_h += sum_m ds_m K_{h,m} / sqrt(d_h)`, `dK_{h,m} = ds_m q_h / sqrt(d_h)`,
/// then through ReLU and dropout to `dZ`, `dW_K += B^T dZ` and `dB = dV + dZ W_K^T`.
final class AttentionFusion {
    let dimension: Int
    let heads: Int
    let maskAbsent: Bool
    /// `W_K`, `d x d`, applied as `B W_K` (rows are modality vectors).
    let keyWeight: Parameter
    /// The query `q`, stored as `1 x d`.
    let query: Parameter
    private let keyDropout: Dropout
    private let keyActivation = ReLU()

    // Cached by forward for backward. Stacked rows are modality-major (row m * n + i).
    private var stacked = Matrix(rows: 0, cols: 0)
    private var keys = Matrix(rows: 0, cols: 0)
    /// Attention weights, `n * H * M` values indexed `(i * H + h) * M + m`.
    private(set) var weights: [Float] = []
    private var exampleCount = 0
    private var modalityCount = 0
    // Cached by backward for per-example gradient norms.
    private var queryGradientPerExample = Matrix(rows: 0, cols: 0)
    private var lastKeyPreactivationGradient = Matrix(rows: 0, cols: 0)

    init(
        name: String, dimension: Int, heads: Int, dropoutRate: Float, maskAbsent: Bool, generator: inout SeededGenerator
    ) {
        precondition(dimension % heads == 0, "Attention: dimension \(dimension) is not a multiple of heads \(heads)")
        self.dimension = dimension
        self.heads = heads
        self.maskAbsent = maskAbsent
        keyWeight = Parameter(
            name: "\(name).key_weight", value: Matrix(rows: dimension, cols: dimension) { generator.nextNormal() })
        query = Parameter(
            name: "\(name).query", value: Matrix(rows: 1, cols: dimension) { generator.nextUniform() },
            shape: [dimension])
        keyDropout = Dropout(rate: dropoutRate, seed: generator.next())
    }

    var parameters: [Parameter] { [keyWeight, query] }

    /// Fuses `encoded` (`M` matrices of `n x d`) given `presence` (`n x M`, 1 present / 0 absent).
    func forward(_ encoded: [Matrix], presence: Matrix, training: Bool) -> Matrix {
        let m = encoded.count
        let n = encoded[0].rows
        let d = dimension
        let width = d / heads
        let scale = 1 / Float(width).squareRoot()
        precondition(presence.rows == n && presence.cols == m, "Attention: presence must be \(n) x \(m)")
        exampleCount = n
        modalityCount = m

        // 1) Stack B modality-major and compute the keys with one product.
        var stackedB = Matrix(rows: m * n, cols: d)
        stackedB.storage.withUnsafeMutableBufferPointer { target in
            for (k, matrix) in encoded.enumerated() {
                precondition(
                    matrix.rows == n && matrix.cols == d, "Attention: modality \(k) output must be \(n) x \(d)")
                matrix.storage.withUnsafeBufferPointer { source in
                    (target.baseAddress! + k * n * d).update(from: source.baseAddress!, count: n * d)
                }
            }
        }
        let z = stackedB.multiplied(by: keyWeight.value)
        let k = keyActivation.forward(keyDropout.forward(z, training: training), training: training)

        // 2) Scores, masked softmax over modalities, weighted sum of values.
        var attention = [Float](repeating: 0, count: n * heads * m)
        var output = Matrix(rows: n, cols: d)
        var logits = [Float](repeating: 0, count: m)
        let q = query.value.storage
        for i in 0..<n {
            var anyPresent = false
            for j in 0..<m where presence[i, j] != 0 { anyPresent = true }
            let applyMask = maskAbsent && anyPresent
            for h in 0..<heads {
                var maximum = -Float.infinity
                for j in 0..<m {
                    if applyMask && presence[i, j] == 0 {
                        logits[j] = -.infinity
                        continue
                    }
                    var dot: Float = 0
                    let row = (j * n + i) * d + h * width
                    for c in 0..<width { dot += q[h * width + c] * k.storage[row + c] }
                    logits[j] = dot * scale
                    maximum = max(maximum, logits[j])
                }
                var total: Float = 0
                for j in 0..<m {
                    let e = logits[j] == -.infinity ? 0 : Foundation.exp(logits[j] - maximum)
                    logits[j] = e
                    total += e
                }
                for j in 0..<m {
                    let a = logits[j] / total
                    attention[(i * heads + h) * m + j] = a
                    if a == 0 { continue }
                    let row = (j * n + i) * d + h * width
                    for c in 0..<width { output.storage[i * d + h * width + c] += a * stackedB.storage[row + c] }
                }
            }
        }
        stacked = stackedB
        keys = k
        weights = attention
        return output
    }

    /// Adds the gradients of `W_K` and `q` and returns the gradient of each modality's vectors.
    func backward(_ outputGradient: Matrix) -> [Matrix] {
        let n = exampleCount
        let m = modalityCount
        let d = dimension
        let width = d / heads
        let scale = 1 / Float(width).squareRoot()
        precondition(outputGradient.rows == n && outputGradient.cols == d, "Attention: gradient shape mismatch")

        // Local copies share storage with the cached matrices and avoid
        // per-access exclusivity checks on class properties in the loops.
        let weights = self.weights
        let stacked = self.stacked
        let keys = self.keys
        var stackedGradient = Matrix(rows: m * n, cols: d)
        var keyGradient = Matrix(rows: m * n, cols: d)
        var scoreGradient = [Float](repeating: 0, count: m)
        var queryGradients = Matrix(rows: n, cols: d)
        let q = query.value.storage
        for i in 0..<n {
            for h in 0..<heads {
                let base = (i * heads + h) * m
                // da_m = dO_h . V_{h,m}, and dV_{h,m} = a_m dO_h.
                var weightedSum: Float = 0
                for j in 0..<m {
                    let a = weights[base + j]
                    let row = (j * n + i) * d + h * width
                    var da: Float = 0
                    for c in 0..<width {
                        let g = outputGradient.storage[i * d + h * width + c]
                        da += g * stacked.storage[row + c]
                        stackedGradient.storage[row + c] = a * g
                    }
                    scoreGradient[j] = da
                    weightedSum += a * da
                }
                // ds_m = a_m (da_m - sum_k a_k da_k), then dq and dK.
                for j in 0..<m {
                    let ds = weights[base + j] * (scoreGradient[j] - weightedSum) * scale
                    if ds == 0 { continue }
                    let row = (j * n + i) * d + h * width
                    for c in 0..<width {
                        queryGradients.storage[i * d + h * width + c] += ds * keys.storage[row + c]
                        keyGradient.storage[row + c] = ds * q[h * width + c]
                    }
                }
            }
        }

        Matrix.addColumnSums(of: queryGradients, into: &query.gradient.storage)
        queryGradientPerExample = queryGradients

        // Through ReLU and dropout to dZ, then dW_K += B^T dZ and dB += dZ W_K^T.
        let zGradient = keyDropout.backward(keyActivation.backward(keyGradient))
        lastKeyPreactivationGradient = zGradient
        Matrix.gemm(stacked, transposeA: true, zGradient, into: &keyWeight.gradient, beta: 1)
        Matrix.gemm(zGradient, keyWeight.value, transposeB: true, into: &stackedGradient, beta: 1)

        var result: [Matrix] = []
        for j in 0..<m {
            let slice = Array(stackedGradient.storage[(j * n * d)..<((j + 1) * n * d)])
            result.append(Matrix(rows: n, cols: d, storage: slice))
        }
        return result
    }
}

// MARK: - Per-example gradient norms

extension AttentionFusion {
    /// Per-example norms of the gradients of `W_K` and `q` for the last batch.
    ///
    /// Example `i` contributes `dq_i` (kept by `backward`) to `q` and
    /// `G_i = sum_m b_{m,i} dz_{m,i}^T` to `W_K`, a sum of `M` outer products.
    /// Its Frobenius norm follows from Gram matrices,
    /// `||G_i||_F^2 = sum_{m,k} (b_{m,i} . b_{k,i}) (dz_{m,i} . dz_{k,i})`;
    /// its entrywise L1 norm has no such form, so `G_i` (`d x d`) is formed
    /// one example at a time with `sgemm`.
    func perExampleGradientNorms(_ norm: GradientNorm) -> (key: [Float], query: [Float]) {
        let n = exampleCount
        let m = modalityCount
        let d = dimension
        precondition(queryGradientPerExample.rows == n, "Attention: call backward before perExampleGradientNorms")
        let queryNorms = queryGradientPerExample.rowNorms(norm)
        var keyNorms = [Float](repeating: 0, count: n)
        var values = Matrix(rows: m, cols: d)
        var deltas = Matrix(rows: m, cols: d)
        var outer = Matrix(rows: d, cols: d)
        for i in 0..<n {
            for j in 0..<m {
                for c in 0..<d {
                    values.storage[j * d + c] = stacked.storage[(j * n + i) * d + c]
                    deltas.storage[j * d + c] = lastKeyPreactivationGradient.storage[(j * n + i) * d + c]
                }
            }
            switch norm {
            case .l2:
                let valueGram = values.multiplied(by: values, transposeOther: true)
                let deltaGram = deltas.multiplied(by: deltas, transposeOther: true)
                var sum = 0.0
                for k in 0..<(m * m) { sum += Double(valueGram.storage[k]) * Double(deltaGram.storage[k]) }
                keyNorms[i] = Float(max(sum, 0).squareRoot())
            case .l1:
                Matrix.gemm(values, transposeA: true, deltas, into: &outer)
                var sum = 0.0
                for value in outer.storage { sum += Double(abs(value)) }
                keyNorms[i] = Float(sum)
            }
        }
        return (keyNorms, queryNorms)
    }

    /// Replaces the gradients of `W_K` and `q` with per-example weighted sums
    /// for the last batch. For `W_K` this is `B^T diag(c) dZ` over the stacked
    /// rows, with example `i`'s factor on each of its `M` rows.
    func setWeightedGradients(keyFactors: [Float], queryFactors: [Float]) {
        let n = exampleCount
        precondition(queryGradientPerExample.rows == n, "Attention: call backward before setWeightedGradients")
        var stackedFactors = [Float](repeating: 0, count: modalityCount * n)
        for j in 0..<modalityCount {
            for i in 0..<n { stackedFactors[j * n + i] = keyFactors[i] }
        }
        let scaled = lastKeyPreactivationGradient.scalingRows(by: stackedFactors)
        Matrix.gemm(stacked, transposeA: true, scaled, into: &keyWeight.gradient)
        query.gradient.zero()
        Matrix.addColumnSums(of: queryGradientPerExample.scalingRows(by: queryFactors), into: &query.gradient.storage)
    }
}

/// Batch normalisation over the rows of a batch (Ioffe and Szegedy 2015),
/// as PyTorch's `nn.BatchNorm1d` with affine parameters and running statistics.
///
/// Training: `y = gamma * (x - mean_B) / sqrt(var_B + eps) + beta` with the
/// biased batch variance. The running mean and variance follow
/// `r = (1 - momentum) r + momentum * batch`, using the unbiased variance
/// `var_B * n / (n - 1)`. Evaluation uses the running statistics.
/// Defaults `eps = 1e-5`, `momentum = 0.1`, `gamma = 1`, `beta = 0`.
///
/// It mixes the examples of a batch, so an example's gradient depends on the
/// others: use `LayerNorm` where per-example gradients are needed.
public final class BatchNorm1d: Layer {
    public let features: Int
    public let epsilon: Float
    public let momentum: Float
    public let scale: Parameter
    public let shift: Parameter
    public let runningMean: Parameter
    public let runningVariance: Parameter

    private var normalized = Matrix(rows: 0, cols: 0)
    private var inverseStd: [Float] = []
    private var lastWasTraining = false

    public init(name: String, features: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        self.features = features
        self.epsilon = epsilon
        self.momentum = momentum
        scale = Parameter(
            name: name + ".weight", value: Matrix(rows: 1, cols: features, repeating: 1), shape: [features])
        shift = Parameter(name: name + ".bias", value: Matrix(rows: 1, cols: features), shape: [features])
        runningMean = Parameter(name: name + ".running_mean", value: Matrix(rows: 1, cols: features), shape: [features])
        runningVariance = Parameter(
            name: name + ".running_var", value: Matrix(rows: 1, cols: features, repeating: 1), shape: [features])
    }

    public var parameters: [Parameter] { [scale, shift] }
    public var buffers: [Parameter] { [runningMean, runningVariance] }

    public func forward(_ input: Matrix, training: Bool) -> Matrix {
        precondition(input.cols == features, "\(scale.name): input has \(input.cols) columns, expected \(features)")
        let n = input.rows
        let d = features
        var mean = [Float](repeating: 0, count: d)
        var inverse = [Float](repeating: 0, count: d)
        lastWasTraining = training

        if training {
            // 1) Column means and biased variances, accumulated in Double.
            var sum = [Double](repeating: 0, count: d)
            var sumSquares = [Double](repeating: 0, count: d)
            input.storage.withUnsafeBufferPointer { x in
                for r in 0..<n {
                    let row = x.baseAddress! + r * d
                    for c in 0..<d { sum[c] += Double(row[c]) }
                }
                for c in 0..<d { sum[c] /= Double(max(n, 1)) }
                for r in 0..<n {
                    let row = x.baseAddress! + r * d
                    for c in 0..<d {
                        let centered = Double(row[c]) - sum[c]
                        sumSquares[c] += centered * centered
                    }
                }
            }
            // 2) Running statistics, with the unbiased variance as PyTorch does.
            var newMean = runningMean.value.storage
            var newVariance = runningVariance.value.storage
            for c in 0..<d {
                let variance = sumSquares[c] / Double(max(n, 1))
                mean[c] = Float(sum[c])
                inverse[c] = Float(1 / (variance + Double(epsilon)).squareRoot())
                let unbiased = n > 1 ? sumSquares[c] / Double(n - 1) : variance
                newMean[c] = (1 - momentum) * newMean[c] + momentum * mean[c]
                newVariance[c] = (1 - momentum) * newVariance[c] + momentum * Float(unbiased)
            }
            runningMean.value.storage = newMean
            runningVariance.value.storage = newVariance
        } else {
            for c in 0..<d {
                mean[c] = runningMean.value.storage[c]
                inverse[c] = 1 / (runningVariance.value.storage[c] + epsilon).squareRoot()
            }
        }

        // 3) Normalise, then scale and shift.
        var xhat = Matrix(rows: n, cols: d)
        var output = Matrix(rows: n, cols: d)
        input.storage.withUnsafeBufferPointer { x in
            xhat.storage.withUnsafeMutableBufferPointer { h in
                output.storage.withUnsafeMutableBufferPointer { y in
                    scale.value.storage.withUnsafeBufferPointer { g in
                        shift.value.storage.withUnsafeBufferPointer { b in
                            for r in 0..<n {
                                let base = r * d
                                for c in 0..<d {
                                    let value = (x[base + c] - mean[c]) * inverse[c]
                                    h[base + c] = value
                                    y[base + c] = g[c] * value + b[c]
                                }
                            }
                        }
                    }
                }
            }
        }
        normalized = xhat
        inverseStd = inverse
        return output
    }

    /// In training mode:
    /// `dx = inverseStd / n * (n * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))`
    /// with `dxhat = dy * gamma`, column by column. In evaluation mode the
    /// statistics are constants, so `dx = dy * gamma * inverseStd`.
    public func backward(_ outputGradient: Matrix) -> Matrix {
        let n = normalized.rows
        let d = features
        precondition(outputGradient.rows == n && outputGradient.cols == d, "\(scale.name): gradient shape mismatch")
        var sumDy = [Float](repeating: 0, count: d)
        var sumDyXhat = [Float](repeating: 0, count: d)
        outputGradient.storage.withUnsafeBufferPointer { dy in
            normalized.storage.withUnsafeBufferPointer { h in
                for r in 0..<n {
                    let base = r * d
                    for c in 0..<d {
                        sumDy[c] += dy[base + c]
                        sumDyXhat[c] += dy[base + c] * h[base + c]
                    }
                }
            }
        }
        shift.gradient.storage.withUnsafeMutableBufferPointer { db in
            for c in 0..<d { db[c] += sumDy[c] }
        }
        scale.gradient.storage.withUnsafeMutableBufferPointer { dg in
            for c in 0..<d { dg[c] += sumDyXhat[c] }
        }

        var inputGradient = Matrix(rows: n, cols: d)
        let count = Float(n)
        let training = lastWasTraining
        let inverseStd = self.inverseStd
        outputGradient.storage.withUnsafeBufferPointer { dy in
            normalized.storage.withUnsafeBufferPointer { h in
                inputGradient.storage.withUnsafeMutableBufferPointer { dx in
                    scale.value.storage.withUnsafeBufferPointer { g in
                        for r in 0..<n {
                            let base = r * d
                            for c in 0..<d {
                                let factor = g[c] * inverseStd[c]
                                if training {
                                    dx[base + c] =
                                        factor * (dy[base + c] - sumDy[c] / count - h[base + c] * sumDyXhat[c] / count)
                                } else {
                                    dx[base + c] = factor * dy[base + c]
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}

/// Layer normalisation over the features of each row (Ba, Kiros and Hinton
/// 2016), as PyTorch's `nn.LayerNorm(features)`:
/// `y = gamma * (x - mean_row) / sqrt(var_row + eps) + beta`, `eps = 1e-5`.
///
/// Each example is normalised on its own, so per-example gradients stay
/// independent, which differentially private training needs. Per example `i`
/// the gradient of `gamma` is `dy_i * xhat_i` and that of `beta` is `dy_i`.
public final class LayerNorm: Layer {
    public let features: Int
    public let epsilon: Float
    public let scale: Parameter
    public let shift: Parameter

    /// Normalised input of the last forward pass.
    public private(set) var normalized = Matrix(rows: 0, cols: 0)
    /// Output gradient of the last backward pass.
    public private(set) var lastOutputGradient = Matrix(rows: 0, cols: 0)
    private var inverseStd: [Float] = []

    public init(name: String, features: Int, epsilon: Float = 1e-5) {
        self.features = features
        self.epsilon = epsilon
        scale = Parameter(
            name: name + ".weight", value: Matrix(rows: 1, cols: features, repeating: 1), shape: [features])
        shift = Parameter(name: name + ".bias", value: Matrix(rows: 1, cols: features), shape: [features])
    }

    public var parameters: [Parameter] { [scale, shift] }

    public func forward(_ input: Matrix, training: Bool) -> Matrix {
        precondition(input.cols == features, "\(scale.name): input has \(input.cols) columns, expected \(features)")
        let n = input.rows
        let d = features
        var xhat = Matrix(rows: n, cols: d)
        var output = Matrix(rows: n, cols: d)
        var inverse = [Float](repeating: 0, count: n)
        input.storage.withUnsafeBufferPointer { x in
            xhat.storage.withUnsafeMutableBufferPointer { h in
                output.storage.withUnsafeMutableBufferPointer { y in
                    scale.value.storage.withUnsafeBufferPointer { g in
                        shift.value.storage.withUnsafeBufferPointer { b in
                            for r in 0..<n {
                                let base = r * d
                                var sum = 0.0
                                for c in 0..<d { sum += Double(x[base + c]) }
                                let mean = sum / Double(d)
                                var sumSquares = 0.0
                                for c in 0..<d {
                                    let centered = Double(x[base + c]) - mean
                                    sumSquares += centered * centered
                                }
                                let inv = Float(1 / (sumSquares / Double(d) + Double(epsilon)).squareRoot())
                                inverse[r] = inv
                                let meanF = Float(mean)
                                for c in 0..<d {
                                    let value = (x[base + c] - meanF) * inv
                                    h[base + c] = value
                                    y[base + c] = g[c] * value + b[c]
                                }
                            }
                        }
                    }
                }
            }
        }
        normalized = xhat
        inverseStd = inverse
        return output
    }

    /// Per row: `dx = inverseStd / D * (D * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))`
    /// with `dxhat = dy * gamma`.
    public func backward(_ outputGradient: Matrix) -> Matrix {
        let n = normalized.rows
        let d = features
        precondition(outputGradient.rows == n && outputGradient.cols == d, "\(scale.name): gradient shape mismatch")
        lastOutputGradient = outputGradient
        var inputGradient = Matrix(rows: n, cols: d)
        var dxhat = [Float](repeating: 0, count: d)
        let inverseStd = self.inverseStd
        outputGradient.storage.withUnsafeBufferPointer { dy in
            normalized.storage.withUnsafeBufferPointer { h in
                inputGradient.storage.withUnsafeMutableBufferPointer { dx in
                    scale.value.storage.withUnsafeBufferPointer { g in
                        scale.gradient.storage.withUnsafeMutableBufferPointer { dg in
                            shift.gradient.storage.withUnsafeMutableBufferPointer { db in
                                for r in 0..<n {
                                    let base = r * d
                                    var sumDxhat: Float = 0
                                    var sumDxhatXhat: Float = 0
                                    for c in 0..<d {
                                        let grad = dy[base + c]
                                        dg[c] += grad * h[base + c]
                                        db[c] += grad
                                        dxhat[c] = grad * g[c]
                                        sumDxhat += dxhat[c]
                                        sumDxhatXhat += dxhat[c] * h[base + c]
                                    }
                                    let inv = inverseStd[r]
                                    let count = Float(d)
                                    for c in 0..<d {
                                        dx[base + c] =
                                            inv * (dxhat[c] - sumDxhat / count - h[base + c] * sumDxhatXhat / count)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    /// Per-example norms of the gradients of `gamma` and `beta` for the last
    /// batch: example `i` contributes `dy_i * xhat_i` to `gamma` and `dy_i` to `beta`.
    public func perExampleGradientNorms(_ norm: GradientNorm) -> (scale: [Float], shift: [Float]) {
        let n = normalized.rows
        let d = features
        precondition(lastOutputGradient.rows == n, "\(scale.name): call backward before perExampleGradientNorms")
        var scaleNorms = [Float](repeating: 0, count: n)
        var shiftNorms = [Float](repeating: 0, count: n)
        let gradients = lastOutputGradient.storage
        let xhat = normalized.storage
        for r in 0..<n {
            var scaleSum = 0.0
            var shiftSum = 0.0
            for c in 0..<d {
                let dy = Double(gradients[r * d + c])
                let dgamma = dy * Double(xhat[r * d + c])
                switch norm {
                case .l1:
                    scaleSum += abs(dgamma)
                    shiftSum += abs(dy)
                case .l2:
                    scaleSum += dgamma * dgamma
                    shiftSum += dy * dy
                }
            }
            scaleNorms[r] = Float(norm == .l1 ? scaleSum : scaleSum.squareRoot())
            shiftNorms[r] = Float(norm == .l1 ? shiftSum : shiftSum.squareRoot())
        }
        return (scaleNorms, shiftNorms)
    }

    /// Replaces the gradients with per-example weighted sums for the last batch:
    /// `dgamma = sum_i scaleFactors[i] dy_i * xhat_i` and `dbeta = sum_i shiftFactors[i] dy_i`.
    public func setWeightedGradients(scaleFactors: [Float], shiftFactors: [Float]) {
        let n = normalized.rows
        precondition(lastOutputGradient.rows == n, "\(scale.name): call backward before setWeightedGradients")
        let d = features
        var scaleSums = [Float](repeating: 0, count: d)
        var shiftSums = [Float](repeating: 0, count: d)
        lastOutputGradient.storage.withUnsafeBufferPointer { dy in
            normalized.storage.withUnsafeBufferPointer { h in
                for r in 0..<n {
                    let (scaleFactor, shiftFactor) = (scaleFactors[r], shiftFactors[r])
                    for c in 0..<d {
                        scaleSums[c] += scaleFactor * dy[r * d + c] * h[r * d + c]
                        shiftSums[c] += shiftFactor * dy[r * d + c]
                    }
                }
            }
        }
        scale.gradient.storage = scaleSums
        shift.gradient.storage = shiftSums
    }
}

/// The rectifier `y = max(x, 0)`. Its derivative at 0 is taken as 0, as in PyTorch.
public final class ReLU: Layer {
    private var output = Matrix(rows: 0, cols: 0)

    public init() {}

    public func forward(_ input: Matrix, training: Bool) -> Matrix {
        var result = input
        // A branch-free max so the compiler vectorises the loop.
        result.storage.withUnsafeMutableBufferPointer { y in
            for i in 0..<y.count { y[i] = max(y[i], 0) }
        }
        output = result
        return result
    }

    public func backward(_ outputGradient: Matrix) -> Matrix {
        precondition(outputGradient.count == output.count, "ReLU: gradient shape mismatch")
        var result = outputGradient
        output.storage.withUnsafeBufferPointer { y in
            result.storage.withUnsafeMutableBufferPointer { dx in
                for i in 0..<dx.count { dx[i] = y[i] > 0 ? dx[i] : 0 }
            }
        }
        return result
    }
}

/// Inverted dropout (Srivastava et al. 2014): in training each entry is kept
/// with probability `1 - rate` and scaled by `1 / (1 - rate)`. In evaluation
/// it is the identity. Masks come from the layer's own seeded generator, so a
/// run is reproducible from its seed.
public final class Dropout: Layer {
    public let rate: Float
    private var generator: SeededGenerator
    /// Per-entry factor of the last training pass, 0 or `1 / (1 - rate)`, or empty after evaluation.
    private var mask: [Float] = []

    public init(rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "Dropout rate must be in [0, 1), got \(rate)")
        self.rate = rate
        self.generator = SeededGenerator(seed: seed)
    }

    public func forward(_ input: Matrix, training: Bool) -> Matrix {
        guard training && rate > 0 else {
            mask = []
            return input
        }
        let factor = 1 / (1 - rate)
        // Each 64-bit draw gives two 32-bit uniforms, and an entry is kept when
        // its uniform is below (1 - rate) * 2^32.
        let threshold = UInt64((Double(1 - rate) * 0x1p32).rounded())
        var newMask = [Float](repeating: 0, count: input.count)
        var result = input
        var generator = self.generator
        result.storage.withUnsafeMutableBufferPointer { y in
            newMask.withUnsafeMutableBufferPointer { m in
                var i = 0
                while i < y.count {
                    let bits = generator.next()
                    m[i] = (bits & 0xFFFF_FFFF) < threshold ? factor : 0
                    y[i] *= m[i]
                    if i + 1 < y.count {
                        m[i + 1] = (bits >> 32) < threshold ? factor : 0
                        y[i + 1] *= m[i + 1]
                    }
                    i += 2
                }
            }
        }
        self.generator = generator
        mask = newMask
        return result
    }

    public func backward(_ outputGradient: Matrix) -> Matrix {
        if mask.isEmpty { return outputGradient }
        precondition(outputGradient.count == mask.count, "Dropout: gradient shape mismatch")
        var result = outputGradient
        mask.withUnsafeBufferPointer { m in
            result.storage.withUnsafeMutableBufferPointer { dx in
                for i in 0..<dx.count { dx[i] *= m[i] }
            }
        }
        return result
    }
}

/// Layers applied in order.
public final class Sequential: Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    public var buffers: [Parameter] { layers.flatMap(\.buffers) }

    public func forward(_ input: Matrix, training: Bool) -> Matrix {
        var x = input
        for layer in layers { x = layer.forward(x, training: training) }
        return x
    }

    public func backward(_ outputGradient: Matrix) -> Matrix {
        backward(outputGradient, computeInputGradient: true)
    }

    /// Runs the backward passes in reverse order. When `computeInputGradient`
    /// is false and the first layer is `Linear`, its input gradient is skipped.
    @discardableResult
    public func backward(_ outputGradient: Matrix, computeInputGradient: Bool) -> Matrix {
        var gradient = outputGradient
        for (index, layer) in layers.enumerated().reversed() {
            if index == 0, !computeInputGradient, let linear = layer as? Linear {
                return linear.backward(gradient, computeInputGradient: false)
            }
            gradient = layer.backward(gradient)
        }
        return gradient
    }
}

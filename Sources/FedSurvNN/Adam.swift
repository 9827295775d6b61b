import Foundation

/// The Adam optimiser (Kingma and Ba 2015) with bias correction:
///
/// ```
/// m_t = beta1 m_{t-1} + (1 - beta1) g_t
/// v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
/// theta_t = theta_{t-1} - lr * (m_t / (1 - beta1^t)) / (sqrt(v_t / (1 - beta2^t)) + eps)
/// ```
///
/// Defaults `lr = 0.001`, `beta1 = 0.9`, `beta2 = 0.999`, `eps = 1e-8`, as in
/// Kingma and Ba (2015) and in PyTorch 2.x `torch.optim.Adam`. With `weightDecay > 0`,
/// `lambda * theta` is added to the gradient first (PyTorch's L2 form).
public final class Adam {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: Float
    /// Number of updates done so far (`t`).
    public private(set) var step = 0
    private var firstMoments: [[Float]]
    private var secondMoments: [[Float]]

    public init(
        parameters: [Parameter], learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0
    ) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
        secondMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
    }

    /// Updates every parameter from its current gradient. Gradients are not cleared.
    public func update() {
        step += 1
        let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(step)))
        let correction2 = 1 - Float(Foundation.pow(Double(beta2), Double(step)))
        let stepSize = learningRate / correction1
        let rootCorrection2 = correction2.squareRoot()
        let (b1, b2, eps, decay) = (beta1, beta2, epsilon, weightDecay)
        for (index, parameter) in parameters.enumerated() {
            parameter.gradient.storage.withUnsafeBufferPointer { g in
                parameter.value.storage.withUnsafeMutableBufferPointer { theta in
                    firstMoments[index].withUnsafeMutableBufferPointer { m in
                        secondMoments[index].withUnsafeMutableBufferPointer { v in
                            Self.update(
                                theta: theta, m: m, v: v, g: g, b1: b1, b2: b2, eps: eps, decay: decay,
                                stepSize: stepSize, rootCorrection2: rootCorrection2)
                        }
                    }
                }
            }
        }
    }

    /// Applies one update to a buffer, eight lanes at a time with `SIMD8`
    /// (the scalar loop does not auto-vectorise), then the remainder.
    private static func update(
        theta: UnsafeMutableBufferPointer<Float>, m: UnsafeMutableBufferPointer<Float>,
        v: UnsafeMutableBufferPointer<Float>, g: UnsafeBufferPointer<Float>,
        b1: Float, b2: Float, eps: Float, decay: Float, stepSize: Float, rootCorrection2: Float
    ) {
        typealias Lanes = SIMD8<Float>
        let width = Lanes.scalarCount
        let count = theta.count
        var i = 0
        let (thetaBase, mBase, vBase) = (theta.baseAddress, m.baseAddress, v.baseAddress)
        let gBase = g.baseAddress
        while i + width <= count {
            let gradient = UnsafeRawPointer(gBase! + i).loadUnaligned(as: Lanes.self)
            var value = UnsafeRawPointer(thetaBase! + i).loadUnaligned(as: Lanes.self)
            var first = UnsafeRawPointer(mBase! + i).loadUnaligned(as: Lanes.self)
            var second = UnsafeRawPointer(vBase! + i).loadUnaligned(as: Lanes.self)
            let grad = gradient + decay * value
            first = b1 * first + (1 - b1) * grad
            second = b2 * second + (1 - b2) * grad * grad
            value -= stepSize * first / (second.squareRoot() / rootCorrection2 + eps)
            UnsafeMutableRawPointer(thetaBase! + i).storeBytes(of: value, as: Lanes.self)
            UnsafeMutableRawPointer(mBase! + i).storeBytes(of: first, as: Lanes.self)
            UnsafeMutableRawPointer(vBase! + i).storeBytes(of: second, as: Lanes.self)
            i += width
        }
        while i < count {
            let grad = g[i] + decay * theta[i]
            m[i] = b1 * m[i] + (1 - b1) * grad
            v[i] = b2 * v[i] + (1 - b2) * grad * grad
            theta[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
            i += 1
        }
    }

    /// Clears every parameter's gradient.
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }
}

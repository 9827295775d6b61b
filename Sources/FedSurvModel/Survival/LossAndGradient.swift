/// A loss value and its gradient with respect to the model outputs that produced it.
public struct LossAndGradient: Sendable, Equatable {
    /// The loss, averaged as the producing loss documents.
    public var value: Double
    /// The partial derivative of `value` with respect to each model output, in input order.
    public var gradient: [Double]

    public init(value: Double, gradient: [Double]) {
        self.value = value
        self.gradient = gradient
    }
}

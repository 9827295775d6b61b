/// A named tensor owned by a layer: a trainable parameter with its gradient,
/// or a buffer such as a batch-norm running mean (whose gradient stays unused).
///
/// Layers hold parameters by reference, so an optimiser, a clipping or noise
/// step, and the safetensors writer all walk the same objects. The value is
/// stored as a matrix, and `shape` is the tensor shape used in files (for example
/// `[out]` for a bias stored as a `1 x out` matrix), following PyTorch names
/// and layouts so that PyTorch can load the file.
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public var value: Matrix
    /// Gradient of the loss with respect to `value`. Backward passes add to it,
    /// so call `zeroGradient()` before each batch.
    public var gradient: Matrix

    public init(name: String, value: Matrix, shape: [Int]? = nil) {
        let shape = shape ?? [value.rows, value.cols]
        precondition(
            shape.reduce(1, *) == value.count,
            "Parameter \(name): shape \(shape) does not match \(value.rows) x \(value.cols)")
        self.name = name
        self.shape = shape
        self.value = value
        self.gradient = Matrix(rows: value.rows, cols: value.cols)
    }

    public var count: Int { value.count }

    public func zeroGradient() { gradient.zero() }
}

/// The norm used for per-example gradient norms.
public enum GradientNorm: Sendable, Equatable {
    case l1
    case l2
}

/// A layer that maps an `n x inputs` batch to an `n x outputs` batch.
///
/// `forward` caches what `backward` needs, so `backward` must follow the
/// `forward` of the same batch. `backward` adds parameter gradients to
/// `Parameter.gradient` and returns the gradient with respect to the input.
public protocol Layer: AnyObject {
    /// Trainable parameters, in a fixed order.
    var parameters: [Parameter] { get }
    /// Non-trainable state saved with the model (running statistics).
    var buffers: [Parameter] { get }

    func forward(_ input: Matrix, training: Bool) -> Matrix
    func backward(_ outputGradient: Matrix) -> Matrix
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [Parameter] { [] }
}

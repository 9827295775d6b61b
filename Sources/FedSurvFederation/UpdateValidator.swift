/// One named tensor of an uploaded update: its shape and its values in row-major order.
public struct NamedTensor: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// Maps tensors by name, the form the aggregation strategies take.
    ///
    /// Validate first: with repeated names the last tensor wins.
    public static func dictionary(_ tensors: [NamedTensor]) -> [String: [Float]] {
        var result: [String: [Float]] = [:]
        for tensor in tensors { result[tensor.name] = tensor.values }
        return result
    }
}

/// The outcome of validating an update.
public enum UpdateVerdict: Equatable, Sendable {
    /// The update fits the layout and the bounds; its norms are for logging.
    case valid(l2Norm: Double, maxAbsValue: Double)
    case invalid(UpdateProblem)
}

/// The class of a non-finite value.
public enum NonFiniteKind: String, Equatable, Sendable {
    case nan = "NaN"
    case positiveInfinity = "+infinity"
    case negativeInfinity = "-infinity"
}

/// A problem found in an update. Descriptions name tensors, shapes, positions
/// and norms, never parameter values.
public enum UpdateProblem: Equatable, Sendable, CustomStringConvertible {
    case duplicateTensor(name: String)
    case missingTensor(name: String)
    case unexpectedTensor(name: String)
    case shapeMismatch(name: String, expected: [Int], received: [Int])
    /// The number of values does not equal the product of the tensor's own shape.
    case elementCountMismatch(name: String, shape: [Int], elementCount: Int)
    /// `count` values of the tensor are not finite; the first is of class `kind` at flat index `firstIndex`.
    case nonFiniteValue(name: String, kind: NonFiniteKind, firstIndex: Int, count: Int)
    /// `count` values of the tensor exceed the L-infinity bound in absolute value; the first is at flat index `firstIndex`.
    case maxAbsValueExceeded(name: String, firstIndex: Int, count: Int, bound: Double)
    /// The L2 norm over all tensors exceeds the bound; `largestTensor` contributes most to it.
    case l2NormExceeded(norm: Double, bound: Double, largestTensor: String)

    public var description: String {
        switch self {
        case .duplicateTensor(let name):
            return "tensor '\(shorten(name))' appears more than once in the update"
        case .missingTensor(let name):
            return "tensor '\(shorten(name))' is missing from the update"
        case .unexpectedTensor(let name):
            return "tensor '\(shorten(name))' is not part of the model; the site may run another model version"
        case .shapeMismatch(let name, let expected, let received):
            return "tensor '\(shorten(name))' has shape \(received), but the model expects \(expected)"
        case .elementCountMismatch(let name, let shape, let count):
            return "tensor '\(shorten(name))' declares shape \(shape) but holds \(count) values"
        case .nonFiniteValue(let name, let kind, let firstIndex, let count):
            return "tensor '\(shorten(name))' has \(count) non-finite values, the first a \(kind.rawValue) "
                + "at flat index \(firstIndex); the site's training diverged or the upload is corrupt"
        case .maxAbsValueExceeded(let name, let firstIndex, let count, let bound):
            return "tensor '\(shorten(name))' has \(count) values above \(bound) in absolute value, "
                + "the first at flat index \(firstIndex); check the site's clipping bound"
        case .l2NormExceeded(let norm, let bound, let largestTensor):
            return "the update's L2 norm \(norm) exceeds the bound \(bound), mostly from tensor "
                + "'\(shorten(largestTensor))'; check the site's clipping bound"
        }
    }
}

/// Cuts a site-supplied name to 64 characters so that a hostile upload cannot flood the log.
private func shorten(_ name: String) -> String {
    name.count <= 64 ? name : String(name.prefix(64)) + "…"
}

/// Checks an uploaded update against the model's parameter layout and norm bounds.
///
/// Checks run in this order, and the first failure is the verdict:
/// 1) every name appears once, every layout name is present, no other name is;
/// 2) each shape equals the layout's shape exactly and the value count equals its product;
/// 3) every value is finite;
/// 4) every |value| is at most `maxAbsValue` (L-infinity bound), when set;
/// 5) the L2 norm over all tensors, `sqrt(sum of squares)`, is at most `maxL2Norm`, when set.
///
/// Norms are accumulated in Double. A DP site clips its update's L2 norm
/// before noising, so the noised update can exceed the clip bound. Set
/// `maxL2Norm` with room for the noise, or the validator rejects honest updates.
public struct UpdateValidator: Sendable {
    public let layout: [(name: String, shape: [Int])]
    public let maxL2Norm: Double?
    public let maxAbsValue: Double?

    /// Creates a validator.
    ///
    /// - Parameters:
    ///   - layout: the model's tensors in order, names unique and non-empty, dimensions positive.
    ///   - maxL2Norm: bound on the L2 norm of the whole update, positive and finite, or nil for none.
    ///   - maxAbsValue: bound on every |value|, positive and finite, or nil for none.
    /// - Throws: `FederationError.invalidConfiguration` naming the invalid tensor or bound.
    public init(layout: [(name: String, shape: [Int])], maxL2Norm: Double?, maxAbsValue: Double? = nil) throws {
        guard !layout.isEmpty else {
            throw FederationError.invalidConfiguration(
                field: "layout", value: "empty", requirement: "at least one tensor")
        }
        var names: Set<String> = []
        for (name, shape) in layout {
            guard !name.isEmpty, names.insert(name).inserted else {
                throw FederationError.invalidConfiguration(
                    field: "layout tensor name", value: "'\(name)'", requirement: "non-empty and unique")
            }
            guard shape.allSatisfy({ $0 > 0 }) else {
                throw FederationError.invalidConfiguration(
                    field: "shape of tensor '\(name)'", value: "\(shape)", requirement: "positive in every dimension")
            }
        }
        for (field, bound) in [("maxL2Norm", maxL2Norm), ("maxAbsValue", maxAbsValue)] {
            if let bound, !(bound.isFinite && bound > 0) {
                throw FederationError.invalidConfiguration(
                    field: field, value: "\(bound)", requirement: "positive and finite")
            }
        }
        self.layout = layout
        self.maxL2Norm = maxL2Norm
        self.maxAbsValue = maxAbsValue
    }

    /// Validates an update and returns the first problem found, or its norms.
    public func validate(_ tensors: [NamedTensor]) -> UpdateVerdict {
        // 1) Names.
        var byName: [String: NamedTensor] = [:]
        for tensor in tensors {
            guard byName.updateValue(tensor, forKey: tensor.name) == nil else {
                return .invalid(.duplicateTensor(name: tensor.name))
            }
        }
        for (name, _) in layout where byName[name] == nil {
            return .invalid(.missingTensor(name: name))
        }
        let expected = Set(layout.map(\.name))
        if let extra = tensors.map(\.name).filter({ !expected.contains($0) }).sorted().first {
            return .invalid(.unexpectedTensor(name: extra))
        }

        // 2) Shapes.
        for (name, shape) in layout {
            let tensor = byName[name]!
            guard tensor.shape == shape else {
                return .invalid(.shapeMismatch(name: name, expected: shape, received: tensor.shape))
            }
            guard tensor.values.count == shape.reduce(1, *) else {
                return .invalid(.elementCountMismatch(name: name, shape: shape, elementCount: tensor.values.count))
            }
        }

        // 3) Finiteness, 4) L-infinity, and the sums of squares for 5).
        var squares: [(name: String, sum: Double)] = []
        var maxAbs = 0.0
        for (name, _) in layout {
            let values = byName[name]!.values
            if let problem = nonFiniteProblem(name: name, values: values) {
                return .invalid(problem)
            }
            var sum = 0.0
            var overCount = 0
            var firstOver: Int?
            for (index, value) in values.enumerated() {
                let magnitude = Double(abs(value))
                sum += magnitude * magnitude
                maxAbs = max(maxAbs, magnitude)
                if let bound = maxAbsValue, magnitude > bound {
                    overCount += 1
                    if firstOver == nil { firstOver = index }
                }
            }
            if let firstOver, let bound = maxAbsValue {
                return .invalid(.maxAbsValueExceeded(name: name, firstIndex: firstOver, count: overCount, bound: bound))
            }
            squares.append((name, sum))
        }

        // 5) L2 norm over the whole update.
        let norm = squares.reduce(0) { $0 + $1.sum }.squareRoot()
        if let bound = maxL2Norm, norm > bound {
            let largest = squares.max { $0.sum < $1.sum }!.name
            return .invalid(.l2NormExceeded(norm: norm, bound: bound, largestTensor: largest))
        }
        return .valid(l2Norm: norm, maxAbsValue: maxAbs)
    }

    private func nonFiniteProblem(name: String, values: [Float]) -> UpdateProblem? {
        var count = 0
        var first: (index: Int, kind: NonFiniteKind)?
        for (index, value) in values.enumerated() where !value.isFinite {
            count += 1
            if first == nil {
                let kind: NonFiniteKind = value.isNaN ? .nan : (value > 0 ? .positiveInfinity : .negativeInfinity)
                first = (index, kind)
            }
        }
        guard let first else { return nil }
        return .nonFiniteValue(name: name, kind: first.kind, firstIndex: first.index, count: count)
    }
}

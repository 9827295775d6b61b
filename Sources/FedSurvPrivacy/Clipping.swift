/// Per-example clipping: the scale factors that bring each example's
/// gradient of one parameter group to norm at most C.
///
/// Clipping in L1 norm bounds the L1 sensitivity of the group's summed
/// gradient by C, as the Laplace mechanism needs. Clipping in L2 norm bounds
/// the L2 sensitivity by C, as the Gaussian mechanism needs. Under
/// add/remove-one-patient adjacency, one patient contributes one clipped
/// term to the sum, so the sum moves by at most C in that norm.
public enum Clipping {
    /// The norm a group is clipped in.
    public enum Norm: String, Codable, Sendable, CaseIterable {
        case l1, l2
    }

    /// Computes the scale factor min(1, C / norm) of each example.
    ///
    /// An example of norm 0 gets factor 1.
    ///
    /// - Parameters:
    ///   - norms: the per-example gradient norms of one group, in the norm it is clipped in.
    ///   - clipBound: C > 0.
    /// - Throws: `PrivacyError.invalidClipBound` for C that is not positive and finite,
    ///   `PrivacyError.invalidNorm` for a negative, NaN or infinite norm.
    public static func scaleFactors(norms: [Double], clipBound: Double) throws(PrivacyError) -> [Double] {
        guard clipBound.isFinite, clipBound > 0 else { throw .invalidClipBound(clipBound) }
        var factors = [Double]()
        factors.reserveCapacity(norms.count)
        for (index, norm) in norms.enumerated() {
            guard norm.isFinite, norm >= 0 else { throw .invalidNorm(index: index) }
            factors.append(norm <= clipBound ? 1 : clipBound / norm)
        }
        return factors
    }

    /// Computes the L1 or L2 norm of a vector.
    public static func norm(_ vector: [Double], _ kind: Norm) -> Double {
        switch kind {
        case .l1:
            return vector.reduce(0) { $0 + abs($1) }
        case .l2:
            return vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
    }

    /// Computes the norm of a linear layer's per-example weight gradient
    /// delta x^T without forming it.
    ///
    /// Both norms factor over an outer product: ||delta x^T||_1 =
    /// ||x||_1 ||delta||_1 and ||delta x^T||_2 (Frobenius) = ||x||_2 ||delta||_2.
    public static func outerProductNorm(input: [Double], outputGradient: [Double], _ kind: Norm) -> Double {
        norm(input, kind) * norm(outputGradient, kind)
    }
}

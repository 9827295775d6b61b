/// The noise distribution of a parameter group.
public enum MechanismKind: String, Codable, Sendable, CaseIterable {
    /// Discrete Laplace noise calibrated to the L1 clip bound; pure epsilon-DP.
    case laplace
    /// Discrete Gaussian noise calibrated to the L2 clip bound; accounted in (epsilon, delta).
    case gaussian
}

/// The mechanism applied to one parameter group's clipped, summed gradient,
/// as a ledger records it.
///
/// Laplace: per-example gradients clipped to L1 norm `clipBound`, noise
/// scale b = sensitivity_L1 / `epsilon`. Gaussian: clipped to L2 norm
/// `clipBound`, noise standard deviation sigma = `noiseMultiplier` *
/// sensitivity_L2. Noise lives on the grid of granularity
/// 2^-`granularityExponent`. `NoiseMechanism` documents how the sensitivity
/// follows from the clip bound and the rounding to the grid.
public struct MechanismParameters: Codable, Sendable, Hashable {
    public var kind: MechanismKind
    /// Per-example clip bound C: an L1 bound for Laplace, an L2 bound for Gaussian.
    public var clipBound: Double
    /// Epsilon of one release of this group (Laplace only), before subsampling.
    public var epsilon: Double?
    /// sigma / sensitivity_L2 (Gaussian only).
    public var noiseMultiplier: Double?
    /// The exponent k of the grid granularity 2^-k.
    public var granularityExponent: Int

    /// Parameters of a Laplace group.
    public static func laplace(clipBound: Double, epsilon: Double, granularityExponent: Int) -> MechanismParameters {
        MechanismParameters(
            kind: .laplace, clipBound: clipBound, epsilon: epsilon, noiseMultiplier: nil,
            granularityExponent: granularityExponent)
    }

    /// Parameters of a Gaussian group.
    public static func gaussian(clipBound: Double, noiseMultiplier: Double, granularityExponent: Int)
        -> MechanismParameters
    {
        MechanismParameters(
            kind: .gaussian, clipBound: clipBound, epsilon: nil, noiseMultiplier: noiseMultiplier,
            granularityExponent: granularityExponent)
    }

    /// The norm the group's per-example gradients are clipped in.
    public var clipNorm: Clipping.Norm { kind == .laplace ? .l1 : .l2 }

    /// Returns the grid the noise lives on.
    public func grid() throws(PrivacyError) -> NoiseGrid { try NoiseGrid(exponent: granularityExponent) }

    /// Checks that every field is in range and matches `kind`.
    ///
    /// - Throws: the `PrivacyError` case that names the first invalid field.
    public func validate() throws(PrivacyError) {
        guard clipBound.isFinite, clipBound > 0 else { throw .invalidClipBound(clipBound) }
        _ = try grid()
        switch kind {
        case .laplace:
            guard noiseMultiplier == nil else {
                throw .inconsistentParameters("a Laplace group has an epsilon and no noise multiplier")
            }
            guard let epsilon else { throw .inconsistentParameters("a Laplace group needs an epsilon") }
            guard epsilon.isFinite, epsilon > 0 else { throw .invalidEpsilon(epsilon) }
        case .gaussian:
            guard epsilon == nil else {
                throw .inconsistentParameters("a Gaussian group has a noise multiplier and no epsilon")
            }
            guard let noiseMultiplier else {
                throw .inconsistentParameters("a Gaussian group needs a noise multiplier")
            }
            guard noiseMultiplier.isFinite, noiseMultiplier > 0 else { throw .invalidNoiseMultiplier(noiseMultiplier) }
        }
    }

    /// Returns the group in the accountant's terms: noise scale relative to the sensitivity.
    ///
    /// Laplace scale / sensitivity_L1 = 1 / epsilon; Gaussian sigma /
    /// sensitivity_L2 = noise multiplier. `NoiseMechanism` rounds the noise up,
    /// never down, so the released group is at least this private.
    ///
    /// - Throws: the validation error of `validate()`.
    public func accountingGroup() throws(PrivacyError) -> StepGroup {
        try validate()
        switch kind {
        case .laplace: return .laplace(scale: 1 / epsilon!)
        case .gaussian: return .gaussian(noiseMultiplier: noiseMultiplier!)
        }
    }
}

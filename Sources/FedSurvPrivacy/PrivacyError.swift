/// A rejected privacy parameter or a failed privacy primitive.
///
/// Messages name the offending parameter and its value, and state the
/// accepted range. They never contain gradient or patient values.
public enum PrivacyError: Error, CustomStringConvertible, Equatable {
    /// An epsilon that is zero, negative, NaN or infinite.
    case invalidEpsilon(Double)
    /// A delta outside the open interval (0, 1), or NaN.
    case invalidDelta(Double)
    /// A Poisson sampling rate outside (0, 1].
    case invalidSamplingRate(Double)
    /// A number of composed steps below 1.
    case invalidSteps(Int)
    /// A Gaussian noise multiplier that is not a positive finite number.
    case invalidNoiseMultiplier(Double)
    /// A Laplace scale (relative to the L1 sensitivity) that is not a positive finite number.
    case invalidLaplaceScale(Double)
    /// A clip bound that is not a positive finite number.
    case invalidClipBound(Double)
    /// A grid exponent k (granularity 2^-k) outside the supported range.
    case invalidGranularityExponent(Int)
    /// A noise scale that is too small or too large for the grid.
    case noiseScaleOutOfGridRange(scaleInGridUnits: Double, minimum: Double, maximum: Double)
    /// Mechanism parameters whose fields do not match their kind.
    case inconsistentParameters(String)
    /// A step with no parameter group.
    case emptyStep
    /// A discretisation interval or tail mass that is not a usable positive number.
    case invalidAccountingOption(name: String, value: Double)
    /// A loss range that needs more grid points than the accountant allows.
    case accountingGridTooLarge(points: Double, maximum: Int)
    /// A per-example norm that is negative, NaN or infinite.
    case invalidNorm(index: Int)
    /// A value to be noised that is NaN, infinite or too large for the grid.
    case valueOutOfGridRange(index: Int)
    /// OpenSSL's random generator reported a failure.
    case randomSourceFailed(String)

    public var description: String {
        switch self {
        case .invalidEpsilon(let value):
            "invalid epsilon \(value): expected a finite number greater than 0"
        case .invalidDelta(let value):
            "invalid delta \(value): expected a number strictly between 0 and 1"
        case .invalidSamplingRate(let value):
            "invalid sampling rate \(value): expected a number in (0, 1]"
        case .invalidSteps(let value):
            "invalid number of steps \(value): expected an integer of at least 1"
        case .invalidNoiseMultiplier(let value):
            "invalid noise multiplier \(value): expected a finite number greater than 0"
        case .invalidLaplaceScale(let value):
            "invalid Laplace scale \(value): expected a finite number greater than 0 (noise scale divided by the L1 sensitivity)"
        case .invalidClipBound(let value):
            "invalid clip bound \(value): expected a finite number greater than 0"
        case .invalidGranularityExponent(let value):
            "invalid granularity exponent \(value): expected k in 0...60 for a grid of 2^-k"
        case .noiseScaleOutOfGridRange(let scale, let minimum, let maximum):
            "noise scale of \(scale) grid units is outside [\(minimum), \(maximum)]: choose a finer grid (larger k) if it is too small, a coarser one if it is too large"
        case .inconsistentParameters(let detail):
            "inconsistent mechanism parameters: \(detail)"
        case .emptyStep:
            "a step needs at least one parameter group"
        case .invalidAccountingOption(let name, let value):
            "invalid accounting option \(name) = \(value): expected a finite number greater than 0 (and below 1 for a tail mass)"
        case .accountingGridTooLarge(let points, let maximum):
            "privacy loss distribution needs \(points) grid points, more than the maximum \(maximum): use a coarser discretization (for example 1e-3), fewer steps or more noise"
        case .invalidNorm(let index):
            "per-example norm at index \(index) is negative, NaN or infinite"
        case .valueOutOfGridRange(let index):
            "value at index \(index) is NaN, infinite or too large to round to the grid"
        case .randomSourceFailed(let detail):
            "secure random generator failed: \(detail)"
        }
    }
}

import FedSurvCore
import Foundation

/// One parameter group of a training step in the accountant's terms: the
/// noise scale relative to the group's sensitivity.
public enum StepGroup: Sendable, Hashable {
    /// Laplace noise of scale b = scale * sensitivity_L1, so epsilon = 1 / scale.
    case laplace(scale: Double)
    /// Gaussian noise of sigma = noiseMultiplier * sensitivity_L2.
    case gaussian(noiseMultiplier: Double)
}

/// Tight (epsilon, delta) accounting of Poisson-subsampled steps by privacy
/// loss distributions, under add/remove-one-patient adjacency.
///
/// 1) The step without subsampling. Gaussian groups with multipliers sigma_k
///    see the same patient in every group, so together they are one Gaussian
///    mechanism with multiplier (sum_k sigma_k^-2)^(-1/2). A single Laplace
///    group keeps its closed-form divergence. Any other mix is the
///    composition of the groups' connect-the-dots PLDs.
/// 2) Subsampling. All groups of a step use the same Poisson sample of rate
///    q, so the subsampled step is the mixture over the whole step, not a
///    composition of separately subsampled groups (that would understate
///    the loss). `SubsampledProfile` gives its divergence in each direction.
/// 3) Discretisation. The pessimistic connect-the-dots PLD (Doroshenko et
///    al. 2022) of each direction, on a grid of spacing `discretization`.
/// 4) Composition. T-fold self-convolution by FFT and repeated squaring,
///    each intermediate truncated pessimistically to `tailMass`.
/// 5) Queries. epsilon(delta) and delta(epsilon) take the worse of the two
///    directions, as Google's dp-accounting library does for Poisson subsampling.
///
/// Every step upper-bounds the true divergence, so the reported epsilon is
/// never below the one of the mechanism analysed, up to floating-point
/// rounding in the FFT (about 1e-16 times the largest mass per grid point).
///
/// NOTE: the mechanism analysed is continuous Laplace or Gaussian noise,
/// while `NoiseMechanism` draws their discrete versions on a fine grid.
/// Pure epsilon of the discrete Laplace is exact. For the (epsilon, delta)
/// figures the discrete-vs-continuous gap is assumed negligible at scales of
/// many grid units. A Laplace shift of L1 norm 1 spread over several
/// coordinates is assumed no worse than one on a single coordinate (as
/// dp-accounting's LaplaceDpEvent also assumes). Neither is proved here.
public struct PLDAccountant: Sendable {
    /// Default spacing of the loss grid; dp-accounting uses the same default.
    public static let defaultDiscretization = 1e-4
    /// Default mass cut from each tail per truncation.
    public static let defaultTailMass = 1e-15
    /// Largest number of loss grid points of one step, which bounds memory (about 2^24 points, 128 MiB per array).
    public static let maximumStepPoints = 1 << 24

    /// The composed PLD for the remove direction.
    public let remove: PrivacyLossDistribution
    /// The composed PLD for the add direction.
    public let add: PrivacyLossDistribution
    /// The number of composed steps.
    public let steps: Int

    /// Accounts `steps` Poisson-subsampled steps, each releasing all `groups`.
    ///
    /// - Parameters:
    ///   - groups: the step's parameter groups, with scales relative to their sensitivities.
    ///   - samplingRate: the Poisson sampling rate q in (0, 1].
    ///   - steps: T >= 1.
    ///   - discretization: the loss grid spacing h; smaller is tighter and slower.
    ///   - tailMass: the mass cut from each tail per truncation.
    /// - Throws: `PrivacyError` naming the first invalid parameter, or
    ///   `PrivacyError.accountingGridTooLarge` when the grid would outgrow its memory limits.
    public init(
        groups: [StepGroup], samplingRate: Double, steps: Int,
        discretization: Double = defaultDiscretization, tailMass: Double = defaultTailMass
    ) throws(PrivacyError) {
        guard samplingRate.isFinite, samplingRate > 0, samplingRate <= 1 else {
            throw .invalidSamplingRate(samplingRate)
        }
        guard steps >= 1 else { throw .invalidSteps(steps) }
        guard discretization.isFinite, discretization > 0, discretization <= 1 else {
            throw .invalidAccountingOption(name: "discretization", value: discretization)
        }
        guard tailMass.isFinite, tailMass > 0, tailMass < 1e-3 else {
            throw .invalidAccountingOption(name: "tail mass", value: tailMass)
        }
        let base = try Self.baseProfile(groups: groups, discretization: discretization, tailMass: tailMass)

        func composedPLD(_ direction: AdjacencyDirection) throws(PrivacyError) -> PrivacyLossDistribution {
            let profile = SubsampledProfile(base: base, samplingRate: samplingRate, direction: direction)
            let range = profile.lossRange(tailMass: tailMass)
            try Self.checkGridSize(lower: range.lower, upper: range.upper, discretization: discretization)
            let step = PrivacyLossDistribution.connectTheDots(
                delta: profile.delta, lowerLoss: range.lower, upperLoss: range.upper, discretization: discretization)
            return try step.selfComposed(steps, tailMass: tailMass)
        }
        remove = try composedPLD(.remove)
        // Without subsampling both directions are the symmetric base pair, so one PLD serves both.
        add = samplingRate == 1 ? remove : try composedPLD(.add)
        self.steps = steps
        Logger(label: "fedsurv.privacy").debug(
            "PLD accounting composed",
            [
                "dp.steps": steps, "dp.sampling_rate": samplingRate, "dp.groups": groups.count,
                "pld.remove_points": remove.masses.count, "pld.add_points": add.masses.count,
            ])
    }

    private init(remove: PrivacyLossDistribution, add: PrivacyLossDistribution, steps: Int) {
        self.remove = remove
        self.add = add
        self.steps = steps
    }

    /// Returns the accountant of these steps followed by `other`'s, for
    /// training whose steps differ in parameters (later rounds, other rates).
    ///
    /// - Throws: `PrivacyError.invalidAccountingOption` when the two use different discretisations.
    public func composed(with other: PLDAccountant, tailMass: Double = defaultTailMass) throws(PrivacyError)
        -> PLDAccountant
    {
        guard remove.discretization == other.remove.discretization else {
            throw .invalidAccountingOption(name: "discretization", value: other.remove.discretization)
        }
        return PLDAccountant(
            remove: try remove.composed(with: other.remove, tailMass: tailMass),
            add: try add.composed(with: other.add, tailMass: tailMass), steps: steps + other.steps)
    }

    /// Accounts steps that release groups with the given recorded parameters.
    ///
    /// - Throws: the validation errors of `MechanismParameters`, and those of the main initialiser.
    public init(
        parameters: [MechanismParameters], samplingRate: Double, steps: Int,
        discretization: Double = defaultDiscretization, tailMass: Double = defaultTailMass
    ) throws(PrivacyError) {
        var groups = [StepGroup]()
        for group in parameters { groups.append(try group.accountingGroup()) }
        try self.init(
            groups: groups, samplingRate: samplingRate, steps: steps, discretization: discretization,
            tailMass: tailMass)
    }

    /// Returns the smallest epsilon >= 0 such that the composition is (epsilon, delta)-DP.
    ///
    /// - Throws: `PrivacyError.invalidDelta` unless 0 < delta < 1.
    public func epsilon(delta: Double) throws(PrivacyError) -> Double {
        guard delta.isFinite, delta > 0, delta < 1 else { throw .invalidDelta(delta) }
        let worst = max(remove.epsilon(delta: delta), add.epsilon(delta: delta))
        return max(0, worst)
    }

    /// Returns the smallest delta such that the composition is (epsilon, delta)-DP.
    ///
    /// - Throws: `PrivacyError.invalidEpsilon` unless epsilon is finite and > 0.
    public func delta(epsilon: Double) throws(PrivacyError) -> Double {
        guard epsilon.isFinite, epsilon > 0 else { throw .invalidEpsilon(epsilon) }
        return max(remove.delta(epsilon: epsilon), add.delta(epsilon: epsilon))
    }

    /// Rejects a loss range that would need more than `maximumStepPoints` grid points.
    static func checkGridSize(lower: Double, upper: Double, discretization: Double) throws(PrivacyError) {
        let points = (upper - lower) / discretization + 2
        guard points.isFinite, points <= Double(maximumStepPoints) else {
            throw .accountingGridTooLarge(points: points, maximum: maximumStepPoints)
        }
    }

    // MARK: - The step without subsampling

    static func baseProfile(groups: [StepGroup], discretization: Double, tailMass: Double) throws(PrivacyError)
        -> BaseProfile
    {
        guard !groups.isEmpty else { throw .emptyStep }
        var inverseVarianceSum = 0.0
        var laplaceScales = [Double]()
        for group in groups {
            switch group {
            case .gaussian(let multiplier):
                guard multiplier.isFinite, multiplier > 0 else { throw .invalidNoiseMultiplier(multiplier) }
                inverseVarianceSum += 1 / (multiplier * multiplier)
            case .laplace(let scale):
                guard scale.isFinite, scale > 0 else { throw .invalidLaplaceScale(scale) }
                laplaceScales.append(scale)
            }
        }

        var parts = [BaseProfile]()
        if inverseVarianceSum > 0 { parts.append(.gaussian(sigma: 1 / inverseVarianceSum.squareRoot())) }
        parts += laplaceScales.map { .laplace(scale: $0) }
        if parts.count == 1 { return parts[0] }

        // Several parts: compose their PLDs. The base pair is symmetric, so one PLD serves both directions.
        var composed = PrivacyLossDistribution.identity(discretization: discretization)
        for part in parts {
            let range = part.lossRange(tailMass: tailMass)
            try checkGridSize(lower: range.lower, upper: range.upper, discretization: discretization)
            let pld = PrivacyLossDistribution.connectTheDots(
                delta: part.delta, lowerLoss: range.lower, upperLoss: range.upper, discretization: discretization)
            composed = try composed.composed(with: pld, tailMass: tailMass)
        }
        return .numeric(composed)
    }
}

import Foundation

/// A discretised privacy loss distribution (PLD): probability masses on the
/// losses i * h for consecutive integers i, plus a mass at +infinity.
///
/// For a pair of output distributions (P, Q) the privacy loss of an output
/// x is L(x) = ln(P(x) / Q(x)) with x drawn from P, and the pair's
/// hockey-stick divergence is
///
/// ```
/// delta(epsilon) = E[(1 - e^(epsilon - L))_+] + mass at +infinity.
/// ```
///
/// Independent mechanisms compose by convolving their PLDs (Koskela, Jälkö
/// and Honkela 2020; Meiser and Mohammadi 2018). Every operation here moves
/// mass only toward larger losses, which can only raise delta(epsilon), so a
/// PLD that upper-bounds a mechanism's still does after composition and
/// truncation.
public struct PrivacyLossDistribution: Sendable {
    /// The spacing h of the loss grid.
    public let discretization: Double
    /// The grid index of `masses[0]`: its loss is `lowestIndex * discretization`.
    public let lowestIndex: Int
    /// Masses on consecutive grid losses, starting at `lowestIndex`.
    public let masses: [Double]
    /// The mass at loss +infinity (outputs that identify the patient outright).
    public let infinityMass: Double

    init(discretization: Double, lowestIndex: Int, masses: [Double], infinityMass: Double) {
        precondition(!masses.isEmpty, "a PLD needs at least one finite loss")
        self.discretization = discretization
        self.lowestIndex = lowestIndex
        self.masses = masses
        self.infinityMass = infinityMass
    }

    /// Returns the PLD of a mechanism that reveals nothing: all mass on loss 0.
    static func identity(discretization: Double) -> PrivacyLossDistribution {
        PrivacyLossDistribution(discretization: discretization, lowestIndex: 0, masses: [1], infinityMass: 0)
    }

    /// The largest finite loss that carries mass.
    public var highestLoss: Double { Double(lowestIndex + masses.count - 1) * discretization }
    /// The smallest finite loss that carries mass.
    public var lowestLoss: Double { Double(lowestIndex) * discretization }

    // MARK: - Construction by connect-the-dots

    /// Builds the pessimistic connect-the-dots PLD of a mechanism from its
    /// hockey-stick divergence (Doroshenko, Ghazi, Kamath, Kumar and
    /// Manurangsi 2022, Algorithm 1).
    ///
    /// With epsilon_i = i h for i = lower ... upper and delta_i = delta(epsilon_i),
    /// the masses are
    ///
    /// ```
    /// p_lower = 1 - delta_lower + (delta_{lower+1} - delta_lower) / (e^h - 1)
    /// p_i     = ((delta_{i+1} - delta_i) - e^h (delta_i - delta_{i-1})) / (e^h - 1)
    /// p_upper = (delta_upper - delta_{upper-1}) / (e^-h - 1)
    /// p_inf   = delta_upper
    /// ```
    ///
    /// The result's delta(epsilon) interpolates the true one linearly in
    /// e^epsilon between grid points. That upper-bounds it because delta is
    /// convex in e^epsilon. Mass below `lowerLoss` sits on the lowest point and
    /// mass above `upperLoss` on +infinity, which is pessimistic too. Negative
    /// masses from floating-point error are set to 0.
    ///
    /// - Parameters:
    ///   - delta: the mechanism's hockey-stick divergence as a function of epsilon.
    ///   - lowerLoss, upperLoss: the loss range to discretise; rounded outward to the grid.
    static func connectTheDots(
        delta: (Double) -> Double, lowerLoss: Double, upperLoss: Double, discretization h: Double
    ) -> PrivacyLossDistribution {
        let lower = Int((lowerLoss / h).rounded(.down))
        let upper = max(lower, Int((upperLoss / h).rounded(.up)))
        var deltas = (lower...upper).map { min(1, max(0, delta(Double($0) * h))) }
        for i in deltas.indices.dropFirst() where deltas[i] > deltas[i - 1] {
            deltas[i] = deltas[i - 1]
        }
        if lower == upper {
            return PrivacyLossDistribution(discretization: h, lowestIndex: lower, masses: [1 - deltas[0]], infinityMass: deltas[0])
        }

        let expH = exp(h)
        let expm1H = expm1(h)
        var masses = [Double](repeating: 0, count: deltas.count)
        masses[0] = 1 - deltas[0] + (deltas[1] - deltas[0]) / expm1H
        for i in 1..<(deltas.count - 1) {
            masses[i] = ((deltas[i + 1] - deltas[i]) - expH * (deltas[i] - deltas[i - 1])) / expm1H
        }
        masses[deltas.count - 1] = (deltas[deltas.count - 1] - deltas[deltas.count - 2]) / expm1(-h)
        for i in masses.indices where masses[i] < 0 { masses[i] = 0 }
        return PrivacyLossDistribution(discretization: h, lowestIndex: lower, masses: masses, infinityMass: deltas.last!)
    }

    // MARK: - Composition

    /// Largest number of grid points of a convolution's output (2^23), which
    /// bounds the FFT's memory to about 512 MiB.
    public static let maximumCompositionPoints = 1 << 23

    /// Returns the PLD of running both mechanisms independently, truncated to `tailMass`.
    ///
    /// The finite parts are convolved by FFT, and the infinity masses combine as
    /// 1 - (1 - w1)(1 - w2). Negative values from FFT rounding are set to 0.
    ///
    /// - Precondition: both PLDs use the same discretisation.
    /// - Throws: `PrivacyError.accountingGridTooLarge` when the output would
    ///   exceed `maximumCompositionPoints`.
    public func composed(with other: PrivacyLossDistribution, tailMass: Double) throws(PrivacyError)
        -> PrivacyLossDistribution
    {
        precondition(discretization == other.discretization, "cannot compose PLDs on different grids")
        let outputPoints = masses.count + other.masses.count - 1
        guard outputPoints <= Self.maximumCompositionPoints else {
            throw .accountingGridTooLarge(points: Double(outputPoints), maximum: Self.maximumCompositionPoints)
        }
        var convolved = FFT.convolve(masses, other.masses)
        for i in convolved.indices where convolved[i] < 0 { convolved[i] = 0 }
        let infinity = 1 - (1 - infinityMass) * (1 - other.infinityMass)
        return PrivacyLossDistribution(
            discretization: discretization, lowestIndex: lowestIndex + other.lowestIndex,
            masses: convolved, infinityMass: infinity
        ).truncated(tailMass: tailMass)
    }

    /// Returns the PLD of `times` independent runs, by repeated squaring.
    ///
    /// Each of the about 2 log2(times) convolutions is truncated to `tailMass`.
    ///
    /// - Precondition: `times >= 1`.
    /// - Throws: `PrivacyError.accountingGridTooLarge` as `composed(with:tailMass:)` does.
    public func selfComposed(_ times: Int, tailMass: Double) throws(PrivacyError) -> PrivacyLossDistribution {
        precondition(times >= 1, "self-composition needs at least one run")
        var result: PrivacyLossDistribution?
        var power = self
        var remaining = times
        while true {
            if remaining & 1 == 1 {
                if let partial = result {
                    result = try partial.composed(with: power, tailMass: tailMass)
                } else {
                    result = power
                }
            }
            remaining >>= 1
            if remaining == 0 { break }
            power = try power.composed(with: power, tailMass: tailMass)
        }
        return result!
    }

    /// Returns a PLD with at most `tailMass` cut from each end, pessimistically.
    ///
    /// The highest losses whose total mass is at most `tailMass` move to
    /// +infinity. The lowest ones whose total is at most `tailMass` move up
    /// to the lowest loss kept. Both moves raise losses, so delta(epsilon)
    /// can only grow.
    func truncated(tailMass: Double) -> PrivacyLossDistribution {
        var top = masses.count - 1
        var cutTop = 0.0
        while top > 0 && cutTop + masses[top] <= tailMass {
            cutTop += masses[top]
            top -= 1
        }
        var bottom = 0
        var cutBottom = 0.0
        while bottom < top && cutBottom + masses[bottom] <= tailMass {
            cutBottom += masses[bottom]
            bottom += 1
        }
        if bottom == 0 && top == masses.count - 1 { return self }
        var kept = Array(masses[bottom...top])
        kept[0] += cutBottom
        return PrivacyLossDistribution(
            discretization: discretization, lowestIndex: lowestIndex + bottom, masses: kept,
            infinityMass: infinityMass + cutTop)
    }

    // MARK: - Queries

    /// Returns delta(epsilon) = sum over losses l > epsilon of p_l (1 - e^(epsilon - l)), plus the infinity mass.
    public func delta(epsilon: Double) -> Double {
        var total = infinityMass
        var index = masses.count - 1
        while index >= 0 {
            let loss = Double(lowestIndex + index) * discretization
            if loss <= epsilon { break }
            total += masses[index] * -expm1(epsilon - loss)
            index -= 1
        }
        return min(1, total)
    }

    /// Returns the smallest epsilon with delta(epsilon) <= `delta`, or +infinity
    /// when the infinity mass alone exceeds `delta`.
    ///
    /// One pass from the highest loss down. Between grid losses l_{j-1} and
    /// l_j, delta(epsilon) = S_j - e^(epsilon - l_j) R_j with
    /// S_j = infinity mass + sum_{k >= j} p_k and R_j = sum_{k >= j} p_k e^(l_j - l_k),
    /// which is solved for epsilon in closed form. The result may be negative
    /// for a large `delta`.
    public func epsilon(delta target: Double) -> Double {
        if infinityMass > target { return .infinity }
        let expMinusH = exp(-discretization)
        var tail = infinityMass  // S_j
        var weighted = 0.0  // R_j
        var j = masses.count - 1
        while j >= 0 {
            tail += masses[j]
            weighted = masses[j] + expMinusH * weighted
            let loss = Double(lowestIndex + j) * discretization
            // delta at the next lower grid loss l_{j-1} = l_j - h.
            let deltaBelow = tail - expMinusH * weighted
            if deltaBelow > target || j == 0 {
                guard weighted > 0 else { return loss }
                let ratio = (tail - target) / weighted
                if ratio <= 0 { return loss }
                return loss + log(ratio)
            }
            j -= 1
        }
        return lowestLoss
    }
}

import Foundation

/// The hockey-stick divergence delta(epsilon) = sup_S P(S) - e^epsilon Q(S)
/// of the pair (A, B) of one step without subsampling, where A is the
/// output distribution with the patient and B without, and the loss range
/// outside which the mass of A and of B is at most the tail mass.
///
/// Every mechanism here adds noise symmetric about the query value, so
/// reflecting the output about sensitivity / 2 swaps A and B and
/// delta_{A,B} = delta_{B,A}.
enum BaseProfile {
    /// Gaussian of standard deviation sigma relative to an L2 sensitivity of 1.
    case gaussian(sigma: Double)
    /// Laplace of scale b relative to an L1 sensitivity of 1.
    case laplace(scale: Double)
    /// A composition of several groups, as a discretised PLD.
    case numeric(PrivacyLossDistribution, suffix: SuffixSums)

    /// Precomputed tails of a PLD that evaluate delta(epsilon) in constant time.
    ///
    /// For epsilon in [l_{j-1}, l_j), delta(epsilon) = S_j - e^(epsilon - l_j) R_j
    /// with S_j = infinity mass + sum_{k >= j} p_k and R_j = sum_{k >= j} p_k e^(l_j - l_k).
    struct SuffixSums {
        let tail: [Double]
        let weighted: [Double]

        init(_ pld: PrivacyLossDistribution) {
            let count = pld.masses.count
            var tail = [Double](repeating: 0, count: count)
            var weighted = [Double](repeating: 0, count: count)
            let expMinusH = exp(-pld.discretization)
            var runningTail = pld.infinityMass
            var runningWeighted = 0.0
            for j in stride(from: count - 1, through: 0, by: -1) {
                runningTail += pld.masses[j]
                runningWeighted = pld.masses[j] + expMinusH * runningWeighted
                tail[j] = runningTail
                weighted[j] = runningWeighted
            }
            self.tail = tail
            self.weighted = weighted
        }
    }

    static func numeric(_ pld: PrivacyLossDistribution) -> BaseProfile {
        .numeric(pld, suffix: SuffixSums(pld))
    }

    func delta(_ epsilon: Double) -> Double {
        switch self {
        case .gaussian(let sigma):
            // Balle and Wang (2018), analytic Gaussian mechanism: Phi(1/(2 sigma) - epsilon sigma) - e^epsilon Phi(-1/(2 sigma) - epsilon sigma).
            let first = standardNormalCDF(0.5 / sigma - epsilon * sigma)
            let second = exp(epsilon + log(standardNormalCDF(-0.5 / sigma - epsilon * sigma)))
            return max(0, first - second)
        case .laplace(let scale):
            let maximumLoss = 1 / scale
            if epsilon >= maximumLoss { return 0 }
            if epsilon >= -maximumLoss { return -expm1((epsilon - maximumLoss) / 2) }
            return -expm1(epsilon)
        case .numeric(let pld, let suffix):
            let position = (epsilon - pld.lowestLoss) / pld.discretization
            if position >= Double(pld.masses.count - 1) { return pld.infinityMass }
            // j is the first grid index whose loss exceeds epsilon.
            let j = position < 0 ? 0 : Int(position.rounded(.down)) + 1
            let loss = Double(pld.lowestIndex + j) * pld.discretization
            return min(1, max(0, suffix.tail[j] - exp(epsilon - loss) * suffix.weighted[j]))
        }
    }

    /// Returns the base loss range [lower, upper] outside which A and B each have at most `tailMass`.
    func lossRange(tailMass: Double) -> (lower: Double, upper: Double) {
        switch self {
        case .gaussian(let sigma):
            // A = N(1, sigma^2), B = N(0, sigma^2), L(x) = (2x - 1) / (2 sigma^2);
            // x in [-z sigma, 1 + z sigma] contains all but tailMass / 2 of each side.
            let z = standardNormalUpperQuantile(tailMass / 2)
            let bound = (z * sigma + 0.5) / (sigma * sigma)
            return (-bound, bound)
        case .laplace(let scale):
            return (-1 / scale, 1 / scale)
        case .numeric(let pld, _):
            return (pld.lowestLoss, pld.highestLoss)
        }
    }
}

/// The two directions of add/remove adjacency for a Poisson-subsampled step.
public enum AdjacencyDirection: String, Sendable, CaseIterable {
    /// The neighbour has one patient fewer: pair ((1 - q) B + q A, B).
    case remove
    /// The neighbour has one patient more: pair (B, (1 - q) B + q A),
    /// equivalent by symmetry to (A, (1 - q) A + q B).
    case add
}

/// The hockey-stick divergence of the Poisson-subsampled step in one direction.
///
/// With alpha = e^epsilon and the base divergence delta_0 of (A, B), the
/// remove case follows from integrating ((1 - q) b + q a - alpha b)_+ =
/// q (a - alpha' b)_+ with alpha' = (alpha - 1 + q) / q, and the add case
/// likewise from ((1 - alpha (1 - q)) a - alpha q b)_+ on the reflected pair.
/// These are the pairs dp-accounting 0.6.0 uses for Poisson subsampling:
///
/// ```
/// remove: delta(eps) = q delta_0(ln(1 + (alpha - 1) / q))                    if alpha > 1 - q
///                    = 1 - alpha                                             otherwise
/// add:    delta(eps) = (1 - alpha (1 - q)) delta_0(ln(alpha q / (1 - alpha (1 - q))))   if alpha (1 - q) < 1
///                    = 0                                                     otherwise
/// ```
///
/// Both are increasing in delta_0, so an upper bound on the base divergence
/// gives an upper bound here.
struct SubsampledProfile {
    let base: BaseProfile
    let samplingRate: Double
    let direction: AdjacencyDirection

    func delta(_ epsilon: Double) -> Double {
        let q = samplingRate
        if q == 1 { return base.delta(epsilon) }
        switch direction {
        case .remove:
            if epsilon <= log1p(-q) { return -expm1(epsilon) }
            return q * base.delta(log1p(expm1(epsilon) / q))
        case .add:
            if epsilon >= -log1p(-q) { return 0 }
            let weight = -expm1(epsilon + log1p(-q))
            return weight * base.delta(epsilon + log(q) - log(weight))
        }
    }

    /// Maps the base loss range to the subsampled pair's range.
    ///
    /// remove: l -> ln(1 - q + q e^l); add: l -> -ln(1 - q + q e^l), which reverses the order.
    func lossRange(tailMass: Double) -> (lower: Double, upper: Double) {
        let (lower, upper) = base.lossRange(tailMass: tailMass)
        switch direction {
        case .remove:
            return (mixtureLoss(lower), mixtureLoss(upper))
        case .add:
            return (-mixtureLoss(upper), -mixtureLoss(lower))
        }
    }

    /// Returns ln(1 - q + q e^l) without overflow.
    private func mixtureLoss(_ loss: Double) -> Double {
        let q = samplingRate
        if loss > 30 { return loss + log(q + (1 - q) * exp(-loss)) }
        return log1p(q * expm1(loss))
    }
}

// MARK: - Normal distribution helpers

/// Phi(x), accurate in both tails through erfc.
func standardNormalCDF(_ x: Double) -> Double {
    0.5 * erfc(-x / 2.0.squareRoot())
}

/// Returns z with 1 - Phi(z) = tail, for 0 < tail < 1/2, by bisection on erfc.
func standardNormalUpperQuantile(_ tail: Double) -> Double {
    var low = 0.0
    var high = 40.0
    for _ in 0..<200 {
        let middle = (low + high) / 2
        if standardNormalCDF(-middle) > tail { low = middle } else { high = middle }
    }
    return high
}

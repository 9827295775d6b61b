import Foundation

/// Pure epsilon-DP accounting of Laplace groups by basic composition,
/// under add/remove-one-patient adjacency.
///
/// ```
/// epsilon_step      = sum_k epsilon_k                   (groups of one step)
/// epsilon_amplified = ln(1 + q (e^epsilon_step - 1))    (Poisson subsampling, rate q)
/// epsilon_total     = T * epsilon_amplified             (T steps)
/// ```
///
/// Groups of one step compose by summation because each is an independent
/// epsilon_k-DP release of the same batch. The amplification bound holds for
/// Poisson subsampling under add/remove adjacency (Balle, Barthe and
/// Gaboardi 2018, "Privacy Amplification by Subsampling"). Steps, local
/// epochs and rounds compose by summation (the basic composition theorem, Dwork and Roth 2014).
public enum PureEpsilonAccountant {
    /// Returns the epsilon of one step: the sum of its groups' epsilons.
    ///
    /// - Throws: `PrivacyError.emptyStep` for no groups, `PrivacyError.invalidEpsilon` for an invalid one.
    public static func stepEpsilon(groupEpsilons: [Double]) throws(PrivacyError) -> Double {
        guard !groupEpsilons.isEmpty else { throw .emptyStep }
        for epsilon in groupEpsilons {
            guard epsilon.isFinite, epsilon > 0 else { throw .invalidEpsilon(epsilon) }
        }
        return groupEpsilons.reduce(0, +)
    }

    /// Returns ln(1 + q (e^epsilon - 1)), the epsilon of the step run on a Poisson sample of rate q.
    ///
    /// - Throws: `PrivacyError.invalidEpsilon` or `PrivacyError.invalidSamplingRate`.
    public static func amplified(epsilon: Double, samplingRate q: Double) throws(PrivacyError) -> Double {
        guard epsilon.isFinite, epsilon > 0 else { throw .invalidEpsilon(epsilon) }
        guard q.isFinite, q > 0, q <= 1 else { throw .invalidSamplingRate(q) }
        if q == 1 { return epsilon }
        // For large epsilon, e^epsilon overflows: ln(1 + q(e^e - 1)) = e + ln(q + (1 - q) e^-e).
        if epsilon > 30 { return epsilon + Foundation.log(q + (1 - q) * Foundation.exp(-epsilon)) }
        return Foundation.log1p(q * Foundation.expm1(epsilon))
    }

    /// Returns the epsilon of `steps` Poisson-subsampled steps of the given groups.
    ///
    /// - Throws: the errors of `stepEpsilon` and `amplified`, or `PrivacyError.invalidSteps`.
    public static func totalEpsilon(groupEpsilons: [Double], samplingRate: Double, steps: Int) throws(PrivacyError)
        -> Double
    {
        guard steps >= 1 else { throw .invalidSteps(steps) }
        let step = try stepEpsilon(groupEpsilons: groupEpsilons)
        return Double(steps) * (try amplified(epsilon: step, samplingRate: samplingRate))
    }
}

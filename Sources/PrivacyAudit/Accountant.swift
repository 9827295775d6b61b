import FedSurvAudit
import FedSurvLedger
import Foundation

/// Returns the accountant every `privacy-audit` command re-derives epsilons with.
///
/// NOTE: Laplace only, by basic composition; the PLD accountant of FedSurvPrivacy replaces this one here.
func makeAuditAccountant() -> any LedgerAccountant {
    BasicCompositionAccountant()
}

/// Pure epsilon-DP accounting of Laplace releases by basic composition,
/// under add/remove-one-patient adjacency.
///
/// ```
/// epsilon_step    = sum_k epsilon_k                          (groups of one step)
/// epsilon_release = T * ln(1 + q (e^epsilon_step - 1))       (T steps, Poisson rate q)
/// epsilon_total   = sum of epsilon_release over the releases  (basic composition)
/// ```
///
/// The amplification bound holds for Poisson subsampling (Balle, Barthe and
/// Gaboardi 2018); composition by summation is Dwork and Roth 2014, Theorem
/// 3.16. A pure epsilon-DP release is (epsilon, delta)-DP for every delta, so
/// the figure at delta equals the pure one. PLD accounting gives a smaller,
/// still valid figure.
struct BasicCompositionAccountant: LedgerAccountant {
    func epsilon(mechanism: String, parameters: String, delta: Double) throws -> ReleaseEpsilon {
        guard mechanism == "laplace" else {
            throw AccountantError.unsupportedMechanism(mechanism)
        }
        let release = try ReleaseParameters(json: parameters)
        var step = 0.0
        for group in release.groups {
            guard let epsilon = group.epsilon else { throw AccountantError.laplaceGroupWithoutEpsilon(group.name) }
            step += epsilon
        }
        let epsilon = Double(release.steps) * amplified(step, samplingRate: release.samplingRate)
        return ReleaseEpsilon(pure: epsilon, epsilon: epsilon)
    }

    func totalEpsilon(of releases: [(mechanism: String, parameters: String)], delta: Double) throws -> Double {
        var total = 0.0
        for release in releases {
            total += try epsilon(mechanism: release.mechanism, parameters: release.parameters, delta: delta).epsilon
        }
        return total
    }

    /// ln(1 + q (e^epsilon - 1)), computed as log1p(q expm1(epsilon)) to keep precision for small epsilon.
    private func amplified(_ epsilon: Double, samplingRate q: Double) -> Double {
        if q == 1 { return epsilon }
        // For large epsilon e^epsilon overflows; ln(1 + q (e^e - 1)) = e + ln(q + (1 - q) e^-e).
        if epsilon > 30 { return epsilon + log(q + (1 - q) * exp(-epsilon)) }
        return log1p(q * expm1(epsilon))
    }
}

enum AccountantError: Error, CustomStringConvertible {
    case unsupportedMechanism(String)
    case laplaceGroupWithoutEpsilon(String)

    var description: String {
        switch self {
        case .unsupportedMechanism(let mechanism):
            "no accountant for mechanism \(mechanism) in this build; it accounts laplace releases only"
        case .laplaceGroupWithoutEpsilon(let group):
            "the laplace release's group '\(group)' has no epsilon; a laplace group records its epsilon"
        }
    }
}

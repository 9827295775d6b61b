import FedSurvLedger
import FedSurvPrivacy

/// Finds the noise level of a private run from a target (epsilon, delta).
///
/// The run's releases (`PrivateTrainer.planReleases`) compose to an epsilon
/// that decreases monotonically as the noise grows, so a bisection on
/// log(noise) finds the smallest noise whose composed epsilon is at most the
/// target. The search uses a coarse accounting grid (1e-3) for speed; the
/// result is then re-derived with `PLDLedgerAccountant`, exactly as the ledger
/// will, and the noise is raised by 1% until that figure is within the target.
public enum NoiseCalibration {
    /// Returns `plan` with `stepEpsilon` (Laplace) or `noiseMultiplier` (Gaussian) set, and the achieved epsilon.
    ///
    /// - Throws: `PrivateTrainingError.targetUnreachable` when even very large noise
    ///   exceeds the target (for example when the relevance release alone does).
    public static func calibrate(
        plan: PrivateTrainingPlan, model: BilayerAttentionModel, targetEpsilon: Double, delta: Double
    ) throws -> (plan: PrivateTrainingPlan, epsilon: Double) {
        guard targetEpsilon.isFinite, targetEpsilon > 0 else { throw PrivacyError.invalidEpsilon(targetEpsilon) }
        guard delta.isFinite, delta > 0, delta < 1 else { throw PrivacyError.invalidDelta(delta) }
        var plan = plan
        if plan.allocation == .adaptive, plan.intervalWeights == nil {
            var generator = try SecureRandomSource()
            plan.intervalWeights = BudgetAllocation.intervalWeights(plan: plan, using: &generator)
        }

        // Noise level x: Laplace epsilon per step = 1 / x, Gaussian multiplier = x.
        func withNoise(_ x: Double) -> PrivateTrainingPlan {
            var candidate = plan
            switch plan.mechanism {
            case .laplace: candidate.stepEpsilon = 1 / x
            case .gaussian: candidate.noiseMultiplier = x
            }
            return candidate
        }
        func epsilon(_ x: Double, discretization: Double?) throws -> Double {
            var generator = SeededRandomSource(seed: 0)
            let releases = PrivateTrainer<SeededRandomSource>.planReleases(
                model: model, plan: withNoise(x), using: &generator)
            if discretization == nil {
                let parameters = try releases.map { ($0.record.mechanism, try $0.record.canonicalJSON()) }
                return try PLDLedgerAccountant().totalEpsilon(
                    of: parameters.map { (mechanism: $0.0, parameters: $0.1) }, delta: delta)
            }
            var composed: PLDAccountant?
            for release in releases {
                let next = try PLDAccountant(
                    parameters: release.record.groups.map(\.parameters), samplingRate: release.record.samplingRate,
                    steps: release.record.steps, discretization: discretization!)
                composed = try composed.map { try $0.composed(with: next) } ?? next
            }
            return try composed!.epsilon(delta: delta)
        }

        // 1) Bracket: low noise exceeds the target, high noise meets it.
        var low = plan.mechanism == .laplace ? 0.05 : 0.3
        var high = plan.mechanism == .laplace ? 1e4 : 200.0
        guard try epsilon(high, discretization: 1e-3) <= targetEpsilon else {
            throw PrivateTrainingError.targetUnreachable(
                target: targetEpsilon, delta: delta,
                reason: "even noise level \(high) exceeds it; lower the relevance epsilon or the number of steps")
        }
        if try epsilon(low, discretization: 1e-3) <= targetEpsilon { high = low }

        // 2) Bisection on log(noise).
        for _ in 0..<18 where high / low > 1.01 {
            let middle = (low * high).squareRoot()
            if try epsilon(middle, discretization: 1e-3) <= targetEpsilon { high = middle } else { low = middle }
        }

        // 3) Confirm with the ledger's accountant.
        var noise = high
        var achieved = try epsilon(noise, discretization: nil)
        while achieved > targetEpsilon {
            noise *= 1.01
            achieved = try epsilon(noise, discretization: nil)
        }
        return (withNoise(noise), achieved)
    }
}

import FedSurvPrivacy

/// The relevance-guided split of one step's privacy budget across parameter groups.
///
/// Following Chen et al. 2026, interval T_k (k = 1 most relevant) gets the weight
///
///     w_k = epsilon_max - (epsilon_max - epsilon_min) (k - 1) / (n - 1) + u_k,   u_k ~ U(-eta, eta),
///
/// a strictly decreasing map between epsilon_max and epsilon_min because
/// eta is below half the gap between neighbours (`PrivateTrainingPlan.validate`).
/// The group `rest` (every parameter outside the genomic first layers) gets
/// w_1 without perturbation. The weights are then rescaled to the step's budget:
///
///     Laplace:  epsilon_g = epsilon_step * w_g / sum_h w_h, so sum_g epsilon_g = epsilon_step;
///     Gaussian: sigma_g = sigma * sqrt(sum_h w_h / w_g), so (sum_g sigma_g^-2)^(-1/2) = sigma.
///
/// The perturbation is drawn from a public seed-independent generator and
/// uses no data, so it changes no privacy figure; only the weights' ratios matter.
public enum BudgetAllocation {
    /// Returns the unscaled weights w_1..w_n of the intervals.
    public static func intervalWeights(
        plan: PrivateTrainingPlan, using generator: inout some RandomNumberGenerator
    ) -> [Double] {
        let n = plan.intervals
        return (0..<n).map { k in
            let base =
                n == 1
                ? plan.epsilonMax
                : plan.epsilonMax - (plan.epsilonMax - plan.epsilonMin) * Double(k) / Double(n - 1)
            let noise = plan.perturbation > 0 ? Double.random(in: -plan.perturbation...plan.perturbation, using: &generator) : 0
            return base + noise
        }
    }

    /// Returns each group's mechanism parameters for weights `weights` (keyed by group name).
    public static func mechanisms(
        weights: [(name: String, weight: Double)], plan: PrivateTrainingPlan, granularityExponents: [String: Int]
    ) -> [(name: String, parameters: MechanismParameters)] {
        let total = weights.reduce(0) { $0 + $1.weight }
        return weights.map { group in
            let exponent = granularityExponents[group.name] ?? 30
            switch plan.mechanism {
            case .laplace:
                let epsilon = plan.stepEpsilon! * group.weight / total
                return (
                    group.name,
                    .laplace(clipBound: plan.clipBound, epsilon: epsilon, granularityExponent: exponent)
                )
            case .gaussian:
                let sigma = plan.noiseMultiplier! * (total / group.weight).squareRoot()
                return (
                    group.name,
                    .gaussian(clipBound: plan.clipBound, noiseMultiplier: sigma, granularityExponent: exponent)
                )
            }
        }
    }

    /// Chooses the grid exponent k (granularity 2^-k) for a group: the finest grid
    /// whose noise scale stays a factor 16 below the exact sampler's limit, so
    /// rounding the clipped sum to the grid adds a negligible allowance to the sensitivity.
    public static func granularityExponent(for parameters: MechanismParameters) -> Int {
        let scale: Double
        let limitUnits: Double
        switch parameters.kind {
        case .laplace:
            scale = parameters.clipBound / parameters.epsilon!
            limitUnits = Double(ExactSampler.maximumLaplaceScale)
        case .gaussian:
            scale = parameters.clipBound * parameters.noiseMultiplier!
            limitUnits = Double(ExactSampler.maximumGaussianVariance).squareRoot()
        }
        let exponent = Int((log2(limitUnits / 16 / scale)).rounded(.down))
        return max(4, min(40, exponent))
    }
}

import Foundation

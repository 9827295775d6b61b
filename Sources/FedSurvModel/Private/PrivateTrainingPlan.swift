import FedSurvPrivacy

/// The settings of a differentially private training run.
///
/// Unit of privacy: one patient of the training data (add/remove adjacency).
/// Every step draws a Poisson sample with rate `samplingRate`, clips each
/// sampled patient's gradient per parameter group, adds noise to each group's
/// clipped sum and takes an Adam step on the noised sum divided by the
/// expected batch size `samplingRate * n` (a public number, unlike the
/// sampled batch's size).
public struct PrivateTrainingPlan: Codable, Sendable, Equatable {
    /// How the step's budget is split across parameter groups.
    public enum Allocation: String, Codable, Sendable, CaseIterable {
        /// Relevance-guided: the genomic input features' first-layer weights
        /// form one group per relevance interval and get more budget the more
        /// relevant they are; everything else forms the group `rest`.
        case adaptive
        /// One group holding every parameter (with Gaussian noise this is DP-SGD).
        case uniform
    }

    public var mechanism: MechanismKind
    public var allocation: Allocation
    /// Per-example clip bound of every group: an L1 bound for Laplace, an L2 bound for Gaussian.
    public var clipBound: Double
    /// Poisson sampling rate q of each step.
    public var samplingRate: Double
    /// Number of noisy steps.
    public var steps: Int
    /// Laplace: the pure epsilon of one step before subsampling, split across groups.
    public var stepEpsilon: Double?
    /// Gaussian: the effective noise multiplier of one step, (sum_k sigma_k^-2)^(-1/2).
    public var noiseMultiplier: Double?
    public var learningRate: Float
    /// Relevance intervals T1..Tn per genomic modality (adaptive only).
    public var intervals: Int
    /// Budget weights of the most and least relevant interval before rescaling.
    public var epsilonMax: Double
    public var epsilonMin: Double
    /// Half-width of the uniform perturbation added to each interval's weight.
    public var perturbation: Double
    /// Pure epsilon of the one-off release of relevance scores (adaptive only).
    public var relevanceEpsilon: Double
    /// Fraction of the steps trained with the uniform allocation before relevance is released.
    public var warmupFraction: Double
    /// The perturbed interval weights w_1..w_n, drawn once (`BudgetAllocation.intervalWeights`)
    /// so that calibration and training account the same split; nil draws them when training starts.
    public var intervalWeights: [Double]?

    public init(
        mechanism: MechanismKind, allocation: Allocation, clipBound: Double = 1, samplingRate: Double,
        steps: Int, stepEpsilon: Double? = nil, noiseMultiplier: Double? = nil, learningRate: Float = 0.001,
        intervals: Int = 4, epsilonMax: Double = 0.5, epsilonMin: Double = 0.1, perturbation: Double = 0.02,
        relevanceEpsilon: Double = 0.1, warmupFraction: Double = 0.3, intervalWeights: [Double]? = nil
    ) {
        self.mechanism = mechanism
        self.allocation = allocation
        self.clipBound = clipBound
        self.samplingRate = samplingRate
        self.steps = steps
        self.stepEpsilon = stepEpsilon
        self.noiseMultiplier = noiseMultiplier
        self.learningRate = learningRate
        self.intervals = intervals
        self.epsilonMax = epsilonMax
        self.epsilonMin = epsilonMin
        self.perturbation = perturbation
        self.relevanceEpsilon = relevanceEpsilon
        self.warmupFraction = warmupFraction
        self.intervalWeights = intervalWeights
    }

    /// Steps trained with the uniform allocation before the relevance release.
    public var warmupSteps: Int {
        allocation == .uniform ? steps : max(1, min(steps - 1, Int((Double(steps) * warmupFraction).rounded())))
    }

    /// Checks ranges; messages name the field and the accepted range.
    public func validate() throws(PrivateTrainingError) {
        func fail(_ field: String, _ reason: String) -> PrivateTrainingError { .invalidPlan(field: field, reason: reason) }
        guard clipBound.isFinite, clipBound > 0 else { throw fail("clipBound", "must be positive, got \(clipBound)") }
        guard samplingRate > 0, samplingRate <= 1 else {
            throw fail("samplingRate", "must be in (0, 1], got \(samplingRate)")
        }
        guard steps >= 1 else { throw fail("steps", "must be at least 1, got \(steps)") }
        switch mechanism {
        case .laplace:
            guard let stepEpsilon, stepEpsilon.isFinite, stepEpsilon > 0 else {
                throw fail("stepEpsilon", "a Laplace run needs a positive epsilon per step")
            }
        case .gaussian:
            guard let noiseMultiplier, noiseMultiplier.isFinite, noiseMultiplier > 0 else {
                throw fail("noiseMultiplier", "a Gaussian run needs a positive noise multiplier")
            }
        }
        guard learningRate > 0, learningRate.isFinite else { throw fail("learningRate", "must be positive") }
        if allocation == .adaptive {
            guard steps >= 2 else { throw fail("steps", "an adaptive run needs a warm-up step and a later step") }
            guard intervals >= 1 else { throw fail("intervals", "must be at least 1, got \(intervals)") }
            guard epsilonMax > epsilonMin, epsilonMin > 0 else {
                throw fail("epsilonMax", "must exceed epsilonMin, and both must be positive")
            }
            let gap = intervals > 1 ? (epsilonMax - epsilonMin) / Double(intervals - 1) : epsilonMax
            guard perturbation >= 0, perturbation < gap / 2, perturbation < epsilonMin else {
                throw fail(
                    "perturbation",
                    "must be below half the gap between intervals (\(gap / 2)) so that the map stays strictly decreasing")
            }
            guard relevanceEpsilon.isFinite, relevanceEpsilon > 0 else {
                throw fail("relevanceEpsilon", "must be positive, got \(relevanceEpsilon)")
            }
            guard warmupFraction > 0, warmupFraction < 1 else {
                throw fail("warmupFraction", "must be in (0, 1), got \(warmupFraction)")
            }
            if let intervalWeights {
                guard intervalWeights.count == intervals, intervalWeights.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                    throw fail("intervalWeights", "must hold \(intervals) positive weights")
                }
            }
        }
    }
}

/// An error from planning or running private training.
public enum PrivateTrainingError: Error, CustomStringConvertible, Equatable {
    case invalidPlan(field: String, reason: String)
    case batchNormalization
    case targetUnreachable(target: Double, delta: Double, reason: String)

    public var description: String {
        switch self {
        case let .invalidPlan(field, reason):
            "invalid private training plan: \(field) \(reason)"
        case .batchNormalization:
            "private training needs layer normalisation: batch normalisation mixes the examples of a batch, "
                + "so no per-example sensitivity exists; build the model with normalization .layer"
        case let .targetUnreachable(target, delta, reason):
            "no noise level reaches epsilon \(target) at delta \(delta): \(reason)"
        }
    }
}

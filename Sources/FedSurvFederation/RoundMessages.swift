import Foundation

// The JSON and safetensors-metadata messages between the coordinator and the
// site agents (API version 1). Both ends import this file, so a field renamed
// here changes both sides at once.

/// The training and noise settings of one round, as the coordinator announces them.
///
/// One release is `localSteps` noisy steps, each on a Poisson sample of rate
/// `samplingRate`. Gradients are clipped to `clip` per example (L1 norm for
/// Laplace, L2 norm for Gaussian) before noise. Laplace steps spend
/// `stepEpsilon` in total per step, split over the trainer's parameter groups;
/// Gaussian steps add noise of standard deviation `noiseMultiplier * clip`.
public struct TrainingSettings: Codable, Sendable, Equatable {
    /// `laplace` or `gaussian`.
    public var mechanism: String
    /// Pure epsilon per step (Laplace only), summed over parameter groups.
    public var stepEpsilon: Double?
    /// Noise standard deviation divided by the clip bound (Gaussian only).
    public var noiseMultiplier: Double?
    /// Per-example clip bound of the gradient norm.
    public var clip: Double
    public var localSteps: Int
    /// Poisson sampling rate q of each step, in (0, 1].
    public var samplingRate: Double
    /// Noise is drawn on the grid 2^-granularityExponent (Mironov 2012).
    public var granularityExponent: Int
    public var learningRate: Double
    /// Number of relevance intervals T1..Tn over which the trainer splits `stepEpsilon`; 1 disables relevance.
    public var relevanceIntervals: Int
    /// Ratio epsilon_max / epsilon_min of the relevance allocation, at least 1.
    public var relevanceRatio: Double

    enum CodingKeys: String, CodingKey {
        case mechanism, clip
        case stepEpsilon = "step_epsilon"
        case noiseMultiplier = "noise_multiplier"
        case localSteps = "local_steps"
        case samplingRate = "sampling_rate"
        case granularityExponent = "granularity_exponent"
        case learningRate = "learning_rate"
        case relevanceIntervals = "relevance_intervals"
        case relevanceRatio = "relevance_ratio"
    }

    public init(
        mechanism: String, stepEpsilon: Double?, noiseMultiplier: Double?, clip: Double, localSteps: Int,
        samplingRate: Double, granularityExponent: Int = 20, learningRate: Double = 1e-3,
        relevanceIntervals: Int = 1, relevanceRatio: Double = 1
    ) {
        self.mechanism = mechanism
        self.stepEpsilon = stepEpsilon
        self.noiseMultiplier = noiseMultiplier
        self.clip = clip
        self.localSteps = localSteps
        self.samplingRate = samplingRate
        self.granularityExponent = granularityExponent
        self.learningRate = learningRate
        self.relevanceIntervals = relevanceIntervals
        self.relevanceRatio = relevanceRatio
    }
}

/// The reply to `GET /v1/round`: the current round from the calling site's point of view.
public struct RoundAssignment: Codable, Sendable, Equatable {
    /// `open` while the round collects updates, `closed` between rounds, `finished` when no round will follow.
    public enum Status: String, Codable, Sendable {
        case open, closed, finished
    }

    public var status: Status
    /// The current round number, or nil before the first round.
    public var round: Int?
    /// Whether the calling site is selected for the current round and has not submitted or dropped out.
    public var selected: Bool
    /// Whether the coordinator has already stored this site's update for the round.
    public var submitted: Bool
    /// The round's deadline, ISO 8601 in UTC.
    public var deadline: String?
    public var settings: TrainingSettings
    /// Epsilon at `delta` of one release under `settings`, as the coordinator's accountant derives it.
    public var epsilonCost: Double
    /// The delta at which the coordinator's ledger states every epsilon.
    public var delta: Double
    /// `equal` or `rounded:<g>`; see `SampleCountPolicy`.
    public var sampleCounts: String
    /// The reason the site is not selected, or the reason the run finished.
    public var message: String?

    enum CodingKeys: String, CodingKey {
        case status, round, selected, submitted, deadline, settings, delta, message
        case epsilonCost = "epsilon_cost"
        case sampleCounts = "sample_counts"
    }

    public init(
        status: Status, round: Int?, selected: Bool, submitted: Bool, deadline: String?, settings: TrainingSettings,
        epsilonCost: Double, delta: Double, sampleCounts: String, message: String?
    ) {
        self.status = status
        self.round = round
        self.selected = selected
        self.submitted = submitted
        self.deadline = deadline
        self.settings = settings
        self.epsilonCost = epsilonCost
        self.delta = delta
        self.sampleCounts = sampleCounts
        self.message = message
    }
}

/// The reply to an accepted or resubmitted update.
public struct UpdateReceipt: Codable, Sendable, Equatable {
    public var round: Int
    public var site: String
    /// SHA-256 of the uploaded body, hexadecimal.
    public var updateSHA256: String
    /// True when the coordinator already held this exact update, so nothing was stored or charged again.
    public var duplicate: Bool
    /// Epsilon at the coordinator's delta of this release, re-derived from its record.
    public var epsilon: Double

    enum CodingKeys: String, CodingKey {
        case round, site, duplicate, epsilon
        case updateSHA256 = "update_sha256"
    }

    public init(round: Int, site: String, updateSHA256: String, duplicate: Bool, epsilon: Double) {
        self.round = round
        self.site = site
        self.updateSHA256 = updateSHA256
        self.duplicate = duplicate
        self.epsilon = epsilon
    }
}

/// Metadata keys of the safetensors files the two ends exchange.
public enum FederationMetadataKey {
    /// In an update: the release record's canonical JSON.
    public static let releaseRecord = "fedsurv.release_record"
    /// In an update: the reported sample count, a decimal integer.
    public static let sampleCount = "fedsurv.sample_count"
    /// In an update: the round number, a decimal integer.
    public static let round = "fedsurv.round"
    /// In a global model: the preprocessing JSON that every site applies unchanged.
    public static let preprocessing = "fedsurv.preprocessing"
    /// In a global model: the round whose aggregation produced it, 0 for the initial model.
    public static let modelRound = "fedsurv.model_round"
}

extension SampleCountPolicy {
    /// Parses `equal` or `rounded:<g>`, the form `RoundAssignment.sampleCounts` carries.
    public init?(wireName: String) {
        if wireName == "equal" {
            self = .equalWeights
            return
        }
        guard wireName.hasPrefix("rounded:"), let granularity = Int(wireName.dropFirst("rounded:".count)),
            granularity >= 1
        else { return nil }
        self = .rounded(to: granularity)
    }

    /// `equal` or `rounded:<g>`.
    public var wireName: String {
        switch self {
        case .equalWeights: "equal"
        case .rounded(let granularity): "rounded:\(granularity)"
        }
    }
}

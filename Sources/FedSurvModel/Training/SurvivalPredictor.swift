import FedSurvNN

/// How model outputs become survival curves.
public enum SurvivalHead: Sendable, Equatable {
    /// One log-risk output `eta`; `S(t | x) = exp(-H_0(t) exp(eta))` with the
    /// Breslow (1972) baseline fitted on the training patients' outputs.
    case cox(BreslowBaselineHazard)
    /// One hazard logit per interval of `DiscreteTimeSurvival.breaks`.
    case discrete(DiscreteTimeSurvival)

    public var loss: SurvivalLossKind {
        switch self {
        case .cox: .cox
        case .discrete: .discrete
        }
    }
}

/// A trained model with what turns its outputs into risks and survival curves.
public struct SurvivalPredictor {
    public let model: BilayerAttentionModel
    public let head: SurvivalHead
    /// Survival-status horizon `t*` in days: the median observed time of the training patients.
    public let statusHorizon: Double

    public init(model: BilayerAttentionModel, head: SurvivalHead, statusHorizon: Double) {
        self.model = model
        self.head = head
        self.statusHorizon = statusHorizon
    }

    /// Returns one risk score per patient, higher meaning earlier death.
    ///
    /// Cox: the log-risk `eta`. Discrete: the negative restricted mean survival
    /// time up to the last break, `-integral_0^{t_K} S(t) dt`
    /// (`DiscreteTimeRiskScore.negativeRestrictedMeanSurvival`).
    public func riskScores(_ input: ModelInput) throws -> [Double] {
        try Self.riskScores(outputs: model.predict(input), head: head.loss, discrete: discreteModel)
    }

    /// Returns `S(t | x)` for every patient (rows) at every time of `times` (columns).
    public func survivalCurves(_ input: ModelInput, at times: [Double]) throws -> [[Double]] {
        let outputs = model.predict(input)
        switch head {
        case .cox(let baseline):
            return try baseline.survivalCurves(logRisks: outputs.storage.map(Double.init), at: times)
        case .discrete(let discrete):
            return try discrete.survivalCurves(logits: outputs.storage.map(Double.init), at: times)
        }
    }

    private var discreteModel: DiscreteTimeSurvival? {
        if case .discrete(let discrete) = head { return discrete }
        return nil
    }

    /// Converts model outputs (`n x outputSize`) to risk scores, as `riskScores(_:)` documents.
    ///
    /// - Throws: `SurvivalError` when an output is NaN or infinite.
    static func riskScores(outputs: Matrix, head: SurvivalLossKind, discrete: DiscreteTimeSurvival?) throws -> [Double]
    {
        let values = outputs.storage.map(Double.init)
        switch head {
        case .cox:
            try SurvivalInput.checkFinite(values, "logRisks")
            return values
        case .discrete:
            return try discrete!.riskScores(logits: values)
        }
    }
}

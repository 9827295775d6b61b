import Foundation

/// The rule that turns a survival curve into one risk number for a concordance index.
public enum DiscreteTimeRiskScore: Sendable, Equatable {
    /// `-RMST`, minus the restricted mean survival time `integral_{0}^{b_K} S(t) dt`
    /// of the interpolated curve, in days. Uses the whole curve; the default.
    case negativeRestrictedMeanSurvival
    /// `1 - S(horizon)`, the predicted probability of death by `horizon` days.
    case failureProbability(horizon: Double)
}

extension DiscreteTimeSurvival {
    /// Computes the survival curve at the breaks, `S(b_0) = 1` and
    /// `S(b_{k+1}) = prod_{i <= k} (1 - h_i)`, from one patient's K logits.
    ///
    /// The product is summed in log space with `log(1 - h) = logSigmoid(-z)`,
    /// so it is exact for hazards near 0 or 1.
    ///
    /// - Precondition: `logits.count == intervalCount`.
    public func survivalAtBreaks(logits: ArraySlice<Double>) -> [Double] {
        precondition(logits.count == intervalCount, "expected \(intervalCount) logits, got \(logits.count)")
        var curve: [Double] = [1]
        curve.reserveCapacity(intervalCount + 1)
        var logSurvival = 0.0
        for z in logits {
            logSurvival += StableMath.logSigmoid(-z)
            curve.append(exp(logSurvival))
        }
        return curve
    }

    /// Evaluates one patient's survival at arbitrary times in days.
    ///
    /// Between breaks the curve is linear, which assumes a constant death
    /// density within each interval (the "CDI" interpolation of Kvamme &
    /// Borgan 2021, Lifetime Data Analysis). Before `b_0` it is 1;
    /// after `b_K` it stays at `S(b_K)`.
    ///
    /// - Precondition: `logits.count == intervalCount`.
    public func survival(logits: ArraySlice<Double>, at times: [Double]) -> [Double] {
        let curve = survivalAtBreaks(logits: logits)
        return times.map { interpolate(curve: curve, at: $0) }
    }

    /// Computes survival curves for a batch at the given times.
    ///
    /// - Parameter logits: row-major `n x K` model outputs.
    /// - Returns: `n` rows, each with one survival probability per entry of `times`.
    /// - Throws: ``SurvivalError`` when `logits` is not a multiple of K or contains NaN or infinity.
    public func survivalCurves(logits: [Double], at times: [Double]) throws -> [[Double]] {
        let n = try batchSize(logits)
        let k = intervalCount
        return (0..<n).map { i in survival(logits: logits[(i * k)..<((i + 1) * k)], at: times) }
    }

    /// Computes one risk number per patient, higher meaning shorter predicted survival.
    ///
    /// - Parameter logits: row-major `n x K` model outputs.
    /// - Throws: ``SurvivalError`` on a bad shape, NaN or infinity, or a negative horizon.
    public func riskScores(
        logits: [Double], score: DiscreteTimeRiskScore = .negativeRestrictedMeanSurvival
    ) throws -> [Double] {
        let n = try batchSize(logits)
        if case .failureProbability(let horizon) = score, !(horizon >= 0 && horizon.isFinite) {
            throw SurvivalError.invalidParameter(name: "horizon", reason: "must be a finite number of days >= 0")
        }
        let k = intervalCount
        return (0..<n).map { i in
            let curve = survivalAtBreaks(logits: logits[(i * k)..<((i + 1) * k)])
            switch score {
            case .negativeRestrictedMeanSurvival:
                return -restrictedMean(curve: curve)
            case .failureProbability(let horizon):
                return 1 - interpolate(curve: curve, at: horizon)
            }
        }
    }

    /// Computes the area under the piecewise-linear curve from 0 to `b_K` (S = 1 before `b_0`).
    func restrictedMean(curve: [Double]) -> Double {
        var area = breaks[0]
        for k in 0..<intervalCount {
            area += (breaks[k + 1] - breaks[k]) * 0.5 * (curve[k] + curve[k + 1])
        }
        return area
    }

    func interpolate(curve: [Double], at time: Double) -> Double {
        if time <= breaks[0] { return 1 }
        if time >= breaks[intervalCount] { return curve[intervalCount] }
        var k = 0
        while breaks[k + 1] < time { k += 1 }
        let fraction = (time - breaks[k]) / (breaks[k + 1] - breaks[k])
        return curve[k] + fraction * (curve[k + 1] - curve[k])
    }

    private func batchSize(_ logits: [Double]) throws -> Int {
        guard !logits.isEmpty, logits.count % intervalCount == 0 else {
            throw SurvivalError.lengthMismatch(
                argument: "logits", expected: max(1, logits.count / intervalCount) * intervalCount, actual: logits.count)
        }
        try SurvivalInput.checkFinite(logits, "logits")
        return logits.count / intervalCount
    }
}

import Foundation
import Testing

@testable import FedSurvModel

// MARK: - Direct references

/// Computes the Cox negative log partial likelihood per event by the textbook O(n^2) formula.
private func directCoxLoss(_ eta: [Double], _ times: [Double], _ events: [Bool], efron: Bool) -> Double {
    var logLikelihood = 0.0
    for t in Set(zip(times, events).filter { $0.1 }.map(\.0)) {
        let dead = times.indices.filter { times[$0] == t && events[$0] }
        let total = times.indices.filter { times[$0] >= t }.reduce(0.0) { $0 + exp(eta[$1]) }
        let tied = dead.reduce(0.0) { $0 + exp(eta[$1]) }
        for l in 0..<dead.count {
            let fraction = efron ? Double(l) / Double(dead.count) : 0
            logLikelihood -= log(total - fraction * tied)
        }
        logLikelihood += dead.reduce(0.0) { $0 + eta[$1] }
    }
    return -logLikelihood / Double(events.filter { $0 }.count)
}

/// Central finite differences of `f` at `x`, step `h`.
private func numericalGradient(_ x: [Double], h: Double = 1e-5, _ f: ([Double]) throws -> Double) rethrows -> [Double] {
    try x.indices.map { i in
        var plus = x
        var minus = x
        plus[i] += h
        minus[i] -= h
        return (try f(plus) - f(minus)) / (2 * h)
    }
}

/// A seeded generator so the random cases are the same on every run.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Stable math

@Suite struct SurvivalStableMathTests {
    @Test("sigmoid at extremes") func sigmoidExtremes() {
        #expect(StableMath.sigmoid(0) == 0.5)
        #expect(StableMath.sigmoid(800) == 1)
        #expect(StableMath.sigmoid(-800) >= 0)
        #expect(StableMath.sigmoid(-30) > 0)
        #expect(isClose(StableMath.sigmoid(-30), exp(-30) / (1 + exp(-30)), absolute: 0, relative: 1e-14))
    }

    @Test("logSigmoid matches log of sigmoid", arguments: [-20.0, -3.5, -0.1, 0, 0.7, 4, 25])
    func logSigmoidValues(x: Double) {
        #expect(isClose(StableMath.logSigmoid(x), log(1 / (1 + exp(-x))), absolute: 1e-15, relative: 1e-13))
    }

    @Test("logSigmoid stays finite far out") func logSigmoidFinite() {
        #expect(StableMath.logSigmoid(-1000) == -1000)
        #expect(StableMath.logSigmoid(1000) == 0)
    }

    @Test("logSumExp shifts by the maximum") func logSumExp() {
        #expect(isClose(StableMath.logSumExp([1000, 1000]), 1000 + log(2.0), absolute: 0, relative: 1e-15))
        #expect(isClose(StableMath.logSumExp([0.5, -1, 2]), log(exp(0.5) + exp(-1) + exp(2)), relative: 1e-14))
        #expect(StableMath.logSumExp([]) == -.infinity)
        #expect(isClose(StableMath.logAddExp(-.infinity, 3), 3))
    }
}

// MARK: - Cox partial likelihood

@Suite struct SurvivalCoxLossTests {
    let reference: SurvivalReference.Cox

    init() throws { reference = try SurvivalReference.load().cox }

    @Test("Efron matches numpy and lifelines") func efronReference() throws {
        let result = try CoxPartialLikelihoodLoss(ties: .efron)
            .evaluate(logRisks: reference.logRisks, times: reference.times, events: reference.events)
        let eventCount = Double(reference.events.filter { $0 }.count)

        #expect(isClose(result.value, reference.efronLoss))
        #expect(isClose(-result.value * eventCount, reference.lifelinesEfronLogLikelihood, relative: 1e-10))
        // lifelines' d log L / d beta at beta = 1 with X = eta is -D * eta . gradient.
        let projected = -eventCount * zip(reference.logRisks, result.gradient).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(isClose(projected, reference.lifelinesEfronBetaGradient, relative: 1e-9))
        for (actual, expected) in zip(result.gradient, reference.efronGradient) {
            #expect(isClose(actual, expected, absolute: 1e-12, relative: 1e-9))
        }
    }

    @Test("Breslow matches numpy") func breslowReference() throws {
        let result = try CoxPartialLikelihoodLoss(ties: .breslow)
            .evaluate(logRisks: reference.logRisks, times: reference.times, events: reference.events)

        #expect(isClose(result.value, reference.breslowLoss))
        for (actual, expected) in zip(result.gradient, reference.breslowGradient) {
            #expect(isClose(actual, expected, absolute: 1e-12, relative: 1e-9))
        }
    }

    @Test("loss matches direct formula", arguments: CoxPartialLikelihoodLoss.Ties.allCases)
    func directFormula(ties: CoxPartialLikelihoodLoss.Ties) throws {
        var generator = SplitMix64(state: 7)
        let n = 60
        let eta = (0..<n).map { _ in Double.random(in: -3...3, using: &generator) }
        let times = (0..<n).map { _ in Double(Int.random(in: 1...12, using: &generator)) }
        let events = (0..<n).map { _ in Double.random(in: 0..<1, using: &generator) < 0.6 }

        let result = try CoxPartialLikelihoodLoss(ties: ties).evaluate(logRisks: eta, times: times, events: events)

        #expect(isClose(result.value, directCoxLoss(eta, times, events, efron: ties == .efron), relative: 1e-12))
    }

    @Test("gradient matches finite differences", arguments: CoxPartialLikelihoodLoss.Ties.allCases)
    func finiteDifferences(ties: CoxPartialLikelihoodLoss.Ties) throws {
        let loss = CoxPartialLikelihoodLoss(ties: ties)
        let times = reference.times
        let events = reference.events
        let analytic = try loss.evaluate(logRisks: reference.logRisks, times: times, events: events).gradient
        let numeric = try numericalGradient(reference.logRisks) {
            try loss.evaluate(logRisks: $0, times: times, events: events).value
        }

        // Central differences with h = 1e-5 are accurate to about 1e-9 here.
        for (a, b) in zip(analytic, numeric) {
            #expect(abs(a - b) <= 1e-7)
        }
    }

    @Test("log-risks near 1000 stay finite", arguments: CoxPartialLikelihoodLoss.Ties.allCases)
    func largeLogRisks(ties: CoxPartialLikelihoodLoss.Ties) throws {
        let eta = [1000.0, 0, 999, -1000, 1000, 2]
        let times = [1.0, 2, 2, 3, 4, 4]
        let events = [true, true, true, false, true, true]

        let result = try CoxPartialLikelihoodLoss(ties: ties).evaluate(logRisks: eta, times: times, events: events)
        // Shifting every log-risk by a constant leaves the partial likelihood unchanged.
        let shifted = try CoxPartialLikelihoodLoss(ties: ties)
            .evaluate(logRisks: eta.map { $0 - 1000 }, times: times, events: events)

        #expect(result.value.isFinite)
        #expect(result.gradient.allSatisfy { $0.isFinite })
        #expect(isClose(result.value, shifted.value, absolute: 1e-9))
        for (a, b) in zip(result.gradient, shifted.gradient) {
            #expect(isClose(a, b, absolute: 1e-12))
        }
    }

    @Test("separated log-risks stay finite") func separatedLogRisks() throws {
        // The later risk set holds only exp(0) while the maximum is 1000.
        let result = try CoxPartialLikelihoodLoss()
            .evaluate(logRisks: [1000, 0], times: [1, 2], events: [true, true])

        #expect(isClose(result.value, 0, absolute: 1e-12))
        #expect(result.gradient.allSatisfy { $0.isFinite })
    }

    @Test("gradient sums to zero") func gradientSum() throws {
        let result = try CoxPartialLikelihoodLoss()
            .evaluate(logRisks: reference.logRisks, times: reference.times, events: reference.events)

        #expect(abs(result.gradient.reduce(0, +)) <= 1e-12)
    }

    @Test("batch without events is zero") func noEvents() throws {
        let result = try CoxPartialLikelihoodLoss()
            .evaluate(logRisks: [0.3, -2, 5], times: [1, 2, 3], events: [false, false, false])

        #expect(result.value == 0)
        #expect(result.gradient == [0, 0, 0])
    }

    @Test("invalid input is rejected") func invalidInput() {
        let loss = CoxPartialLikelihoodLoss()
        #expect(throws: SurvivalError.nonFinite(argument: "logRisks", index: 1)) {
            try loss.evaluate(logRisks: [0, .nan], times: [1, 2], events: [true, true])
        }
        #expect(throws: SurvivalError.lengthMismatch(argument: "times", expected: 2, actual: 1)) {
            try loss.evaluate(logRisks: [0, 1], times: [1], events: [true, true])
        }
        #expect(throws: SurvivalError.empty(argument: "logRisks")) {
            try loss.evaluate(logRisks: [], times: [], events: [])
        }
    }
}

// MARK: - Breslow baseline hazard

@Suite struct SurvivalBreslowTests {
    let reference: SurvivalReference.Breslow

    init() throws { reference = try SurvivalReference.load().breslow }

    @Test("cumulative hazard matches sksurv") func cumulativeHazard() throws {
        let baseline = try BreslowBaselineHazard(
            logRisks: reference.logRisks, times: reference.times, events: reference.events)

        for (time, expected) in zip(reference.uniqueTimes, reference.cumulativeHazard) {
            #expect(isClose(exp(baseline.logCumulativeHazard(at: time)), expected, relative: 1e-12), "t = \(time)")
        }
    }

    @Test("survival curves match sksurv") func survivalCurves() throws {
        let baseline = try BreslowBaselineHazard(
            logRisks: reference.logRisks, times: reference.times, events: reference.events)
        let curves = try baseline.survivalCurves(logRisks: reference.logRisks, at: reference.gridTimes)

        #expect(curves.count == reference.survival.count)
        for (row, expectedRow) in zip(curves, reference.survival) {
            for (actual, expected) in zip(row, expectedRow) {
                #expect(isClose(actual, expected, absolute: 1e-14, relative: 1e-11))
            }
        }
    }

    @Test("large log-risks stay finite") func largeLogRisks() throws {
        let baseline = try BreslowBaselineHazard(
            logRisks: [1000, 0, 999], times: [1, 2, 3], events: [true, true, false])
        let curves = try baseline.survivalCurves(logRisks: [1000, 0], at: [0.5, 1, 2, 3])

        #expect(baseline.logCumulativeHazard.allSatisfy { $0.isFinite })
        #expect(curves[1][0] == 1)
        // H_0(1) = 1 / (e^1000 + e^999 + 1), so S_1(1) = exp(-1 / (1 + e^-1)).
        #expect(isClose(curves[0][1], exp(-1 / (1 + exp(-1.0))), relative: 1e-12))
        // H_0(2) adds 1 / (e^999 + 1), so patient 0 has S(2) = exp(-(1 / (1 + e^-1) + e)).
        #expect(isClose(curves[0][2], exp(-(1 / (1 + exp(-1.0)) + exp(1.0))), relative: 1e-12))
    }
}

// MARK: - Discrete-time likelihood

@Suite struct SurvivalDiscreteTimeTests {
    let reference: SurvivalReference.DiscreteTime

    init() throws { reference = try SurvivalReference.load().discreteTime }

    @Test("quantile breaks match numpy") func quantileBreaks() throws {
        let model = try DiscreteTimeSurvival.quantileBreaks(
            times: reference.trainingTimes, events: reference.trainingEvents, intervalCount: 4)

        #expect(model.breaks.count == reference.quantileBreaks.count)
        for (actual, expected) in zip(model.breaks, reference.quantileBreaks) {
            #expect(isClose(actual, expected, relative: 1e-12))
        }
    }

    @Test("tied event times merge breaks") func tiedQuantiles() throws {
        let model = try DiscreteTimeSurvival.quantileBreaks(
            times: [5, 5, 5, 5, 9, 30], events: [true, true, true, true, true, false], intervalCount: 4)

        // numpy.quantile([5, 5, 5, 5, 9], [0.25, 0.5, 0.75, 1]) is [5, 5, 5, 9].
        #expect(model.breaks == [0, 5, 9])
        #expect(model.intervalCount == 2)
    }

    @Test("example losses match nnet-survival targets") func exampleLosses() throws {
        let model = try DiscreteTimeSurvival(breaks: reference.quantileBreaks)
        let terms = try model.exampleLosses(logits: reference.logits, times: reference.times, events: reference.events)

        #expect(terms.count == reference.exampleLosses.count)
        for (term, expected) in zip(terms, reference.exampleLosses) {
            #expect(isClose(term.value, expected, absolute: 1e-12, relative: 1e-10))
        }
    }

    @Test("mean loss and gradient") func meanLoss() throws {
        let model = try DiscreteTimeSurvival(breaks: reference.quantileBreaks)
        let result = try model.loss(logits: reference.logits, times: reference.times, events: reference.events)
        let numeric = try numericalGradient(reference.logits) {
            try model.loss(logits: $0, times: reference.times, events: reference.events).value
        }
        let expectedMean = reference.exampleLosses.reduce(0, +) / Double(reference.exampleLosses.count)

        #expect(isClose(result.value, expectedMean, relative: 1e-12))
        for (a, b) in zip(result.gradient, numeric) {
            #expect(abs(a - b) <= 1e-8)
        }
    }

    @Test("event at last break fails there") func eventAtLastBreak() throws {
        let model = try DiscreteTimeSurvival(breaks: [0, 10, 20])
        let term = model.exampleLoss(logits: [0.4, -1.2], time: 20, event: true)
        let survivedFirst = -StableMath.logSigmoid(-0.4)
        let diedSecond = -StableMath.logSigmoid(-1.2)

        #expect(model.eventInterval(20) == 1)
        #expect(model.eventInterval(20.5) == nil)
        #expect(isClose(term.value, survivedFirst + diedSecond, relative: 1e-14))
    }

    @Test("censoring midpoint rule") func censoringMidpoint() throws {
        let model = try DiscreteTimeSurvival(breaks: [0, 10, 20])
        let beforeMidpoint = model.exampleLoss(logits: [0.3, 0.3], time: 14.9, event: false)
        let atMidpoint = model.exampleLoss(logits: [0.3, 0.3], time: 15, event: false)
        let oneInterval = -StableMath.logSigmoid(-0.3)

        #expect(isClose(beforeMidpoint.value, oneInterval, relative: 1e-14))
        #expect(isClose(atMidpoint.value, 2 * oneInterval, relative: 1e-14))
        #expect(beforeMidpoint.gradient[1] == 0)
    }

    @Test("extreme logits stay finite") func extremeLogits() throws {
        let model = try DiscreteTimeSurvival(breaks: [0, 10, 20])
        let term = model.exampleLoss(logits: [800, -800], time: 15, event: true)

        #expect(isClose(term.value, 1600, relative: 1e-14))
        #expect(term.gradient == [1, -1])
    }

    @Test("survival curve and interpolation") func survivalCurve() throws {
        let model = try DiscreteTimeSurvival(breaks: [0, 10, 30])
        let logits: [Double] = [log(0.25 / 0.75), 0]  // hazards 0.25 and 0.5
        let curve = model.survivalAtBreaks(logits: logits[...])
        let between = model.survival(logits: logits[...], at: [-1, 5, 20, 40])

        #expect(isClose(curve[0], 1))
        #expect(isClose(curve[1], 0.75, relative: 1e-14))
        #expect(isClose(curve[2], 0.375, relative: 1e-14))
        #expect(isClose(between[0], 1))
        #expect(isClose(between[1], 0.875, relative: 1e-14))
        #expect(isClose(between[2], 0.5625, relative: 1e-14))
        #expect(isClose(between[3], 0.375, relative: 1e-14))
    }

    @Test("risk scores order patients") func riskScores() throws {
        let model = try DiscreteTimeSurvival(breaks: [0, 10, 30])
        let logits: [Double] = [log(0.25 / 0.75), 0, -3, -3]
        let rmst = try model.riskScores(logits: logits)
        let failure = try model.riskScores(logits: logits, score: .failureProbability(horizon: 10))

        // RMST of the first patient: 10 * (1 + 0.75) / 2 + 20 * (0.75 + 0.375) / 2 = 20.
        #expect(isClose(rmst[0], -20, relative: 1e-14))
        #expect(rmst[0] > rmst[1])
        #expect(isClose(failure[0], 0.25, relative: 1e-14))
        #expect(failure[0] > failure[1])
    }

    @Test("invalid breaks are rejected") func invalidBreaks() {
        #expect(throws: SurvivalError.notIncreasing(argument: "breaks", index: 2)) {
            try DiscreteTimeSurvival(breaks: [0, 5, 5])
        }
        #expect(throws: SurvivalError.negativeTime(argument: "breaks", index: 0)) {
            try DiscreteTimeSurvival(breaks: [-1, 5])
        }
        #expect(throws: (any Error).self) {
            try DiscreteTimeSurvival(breaks: [3])
        }
    }

    @Test("logit shape is checked") func logitShape() throws {
        let model = try DiscreteTimeSurvival(breaks: [0, 10, 30])
        #expect(throws: SurvivalError.lengthMismatch(argument: "logits", expected: 4, actual: 3)) {
            try model.loss(logits: [0, 0, 0], times: [1, 2], events: [true, false])
        }
    }
}

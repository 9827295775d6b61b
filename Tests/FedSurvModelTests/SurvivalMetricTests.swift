import Foundation
import Testing

@testable import FedSurvModel

/// Harrell's index by checking every ordered pair, with lifelines' tie rules.
private func bruteForceHarrell(_ risks: [Double], _ times: [Double], _ events: [Bool]) -> Double {
    var score = 0.0
    var comparable = 0
    for i in risks.indices where events[i] {
        for j in risks.indices where j != i {
            guard times[i] < times[j] || (times[i] == times[j] && !events[j]) else { continue }
            comparable += 1
            if risks[i] > risks[j] { score += 1 } else if risks[i] == risks[j] { score += 0.5 }
        }
    }
    return score / Double(comparable)
}

@Suite struct SurvivalConcordanceTests {
    let reference: SurvivalReference

    init() throws { reference = try SurvivalReference.load() }

    @Test("Harrell matches lifelines and sksurv") func harrellReference() throws {
        for fixture in reference.harrell {
            let result = try SurvivalMetrics.harrellConcordance(
                risks: fixture.risks, times: fixture.times, events: fixture.events)

            #expect(isClose(result.index, fixture.lifelines, relative: 1e-12), "\(fixture.name)")
            #expect(isClose(result.index, fixture.sksurv, relative: 1e-12), "\(fixture.name)")
            #expect(result.concordantPairs == fixture.sksurvConcordant, "\(fixture.name)")
            #expect(result.discordantPairs == fixture.sksurvDiscordant, "\(fixture.name)")
            #expect(result.tiedRiskPairs == fixture.sksurvTiedRisk, "\(fixture.name)")
        }
    }

    @Test("Harrell matches all-pairs count") func harrellBruteForce() throws {
        let fixture = reference.harrell.first { $0.name == "small" }!
        let result = try SurvivalMetrics.harrellConcordance(
            risks: fixture.risks, times: fixture.times, events: fixture.events)

        #expect(isClose(result.index, bruteForceHarrell(fixture.risks, fixture.times, fixture.events), relative: 1e-14))
    }

    @Test("Harrell tie rules by hand") func harrellTies() throws {
        // Pairs: (0,1) tied events, not comparable; (0,2) concordant; (0,3)
        // event before a censoring at the same time, tied risk; (1,2) discordant.
        let result = try SurvivalMetrics.harrellConcordance(
            risks: [2, 0, 1, 2], times: [1, 1, 2, 1], events: [true, true, false, false])

        #expect(result.comparablePairs == 4)
        #expect(result.concordantPairs == 1)
        #expect(result.discordantPairs == 2)
        #expect(result.tiedRiskPairs == 1)
        #expect(isClose(result.index, 1.5 / 4))
    }

    @Test("Harrell errors without comparable pairs") func harrellNoPairs() {
        #expect(throws: SurvivalError.noComparablePairs(patients: 3, events: 0)) {
            try SurvivalMetrics.harrellConcordance(risks: [1, 2, 3], times: [1, 2, 3], events: [false, false, false])
        }
        #expect(throws: SurvivalError.noComparablePairs(patients: 2, events: 2)) {
            try SurvivalMetrics.harrellConcordance(risks: [1, 2], times: [4, 4], events: [true, true])
        }
    }

    @Test("Harrell rejects NaN risk") func harrellNaN() {
        #expect(throws: SurvivalError.nonFinite(argument: "risks", index: 1)) {
            try SurvivalMetrics.harrellConcordance(risks: [1, .nan], times: [1, 2], events: [true, true])
        }
    }

    @Test("Antolini matches pycox") func antoliniReference() throws {
        let fixture = reference.antolini
        let value = try SurvivalMetrics.antoliniConcordance(
            survival: fixture.survival, gridTimes: fixture.gridTimes, times: fixture.times, events: fixture.events)

        #expect(isClose(value, fixture.pycox, relative: 1e-12))
    }

    @Test("Antolini equals Harrell for proportional curves") func antoliniProportional() throws {
        // With S_i(t) = exp(-t)^(exp(r_i)) and distinct risks every curve keeps the same order.
        let risks: [Double] = [0.3, -1.1, 2.0, 0.7, -0.2, 1.4]
        let times: [Double] = [3, 8, 1, 5, 8, 2]
        let events = [true, false, true, true, true, false]
        let grid: [Double] = [1, 2, 3, 5, 8]
        let survival = risks.map { r in grid.map { exp(-$0 * exp(r) / 10) } }

        let antolini = try SurvivalMetrics.antoliniConcordance(
            survival: survival, gridTimes: grid, times: times, events: events)
        let harrell = try SurvivalMetrics.harrellConcordance(risks: risks, times: times, events: events)

        #expect(isClose(antolini, harrell.index, relative: 1e-14))
    }

    @Test("Antolini checks shapes") func antoliniShapes() {
        #expect(throws: SurvivalError.lengthMismatch(argument: "survival[1]", expected: 2, actual: 1)) {
            try SurvivalMetrics.antoliniConcordance(
                survival: [[1, 0.5], [0.9]], gridTimes: [1, 2], times: [1, 2], events: [true, true])
        }
    }
}

@Suite struct SurvivalKaplanMeierTests {
    let reference: SurvivalReference.KaplanMeier

    init() throws { reference = try SurvivalReference.load().kaplanMeier }

    @Test("matches lifelines") func lifelines() throws {
        let estimate = try KaplanMeierEstimate(times: reference.times, events: reference.events)

        for (time, expected) in zip(reference.lifelinesTimeline, reference.lifelinesSurvival) {
            #expect(isClose(estimate.survival(at: time), expected, relative: 1e-12), "t = \(time)")
        }
    }

    @Test("censoring estimate matches sksurv") func censoring() throws {
        let estimate = try KaplanMeierEstimate.censoringDistribution(times: reference.times, events: reference.events)

        #expect(estimate.times == reference.censoringTimes)
        for (actual, expected) in zip(estimate.survival, reference.censoringSurvival) {
            #expect(isClose(actual, expected, relative: 1e-12))
        }
    }

    @Test("step function by hand") func byHand() throws {
        let estimate = try KaplanMeierEstimate(times: [2, 2, 3, 5, 5, 8], events: [true, false, true, true, true, false])

        // At 2: 1 - 1/6; at 3: * (1 - 1/4); at 5: * (1 - 2/3); at 8: no event.
        #expect(estimate.survival(at: 1.9) == 1)
        #expect(isClose(estimate.survival(at: 2), 5.0 / 6))
        #expect(isClose(estimate.survival(at: 4.5), 5.0 / 6 * 0.75))
        #expect(isClose(estimate.survival(at: 5), 5.0 / 6 * 0.75 / 3))
        #expect(isClose(estimate.survival(at: 100), 5.0 / 6 * 0.75 / 3))
        #expect(estimate.atRisk == [6, 4, 3, 1])
        #expect(estimate.eventCounts == [1, 1, 2, 0])
    }
}

@Suite struct SurvivalBrierScoreTests {
    let reference: SurvivalReference.Brier

    init() throws { reference = try SurvivalReference.load().brier }

    @Test("Brier scores match sksurv") func brierScores() throws {
        let scores = try SurvivalMetrics.brierScores(
            survival: reference.survival, gridTimes: reference.gridTimes, times: reference.times,
            events: reference.events, trainingTimes: reference.trainingTimes, trainingEvents: reference.trainingEvents)

        #expect(scores.count == reference.brierScores.count)
        for (actual, expected) in zip(scores, reference.brierScores) {
            #expect(isClose(actual, expected, relative: 1e-12))
        }
    }

    @Test("integrated Brier matches sksurv") func integrated() throws {
        let value = try SurvivalMetrics.integratedBrierScore(
            survival: reference.survival, gridTimes: reference.gridTimes, times: reference.times,
            events: reference.events, trainingTimes: reference.trainingTimes, trainingEvents: reference.trainingEvents)

        #expect(isClose(value, reference.integratedBrierScore, relative: 1e-12))
    }

    @Test("perfect prediction scores zero") func perfect() throws {
        // Without censoring every weight is 1 and a step curve at the death time is exact.
        let times: [Double] = [2, 4, 6]
        let grid: [Double] = [1, 3, 5]
        let survival = times.map { death in grid.map { $0 < death ? 1.0 : 0.0 } }
        let scores = try SurvivalMetrics.brierScores(
            survival: survival, gridTimes: grid, times: times, events: [true, true, true],
            trainingTimes: times, trainingEvents: [true, true, true])

        #expect(scores == [0, 0, 0])
    }

    @Test("time past follow-up is rejected") func beyondFollowUp() {
        #expect(throws: SurvivalError.beyondFollowUp(argument: "gridTimes", index: 1)) {
            try SurvivalMetrics.brierScores(
                survival: [[0.9, 0.5]], gridTimes: [1, 20], times: [3], events: [true],
                trainingTimes: [2, 5, 10], trainingEvents: [true, false, true])
        }
    }

    @Test("integration needs two times") func twoTimes() {
        #expect(throws: SurvivalError.invalidParameter(name: "gridTimes", reason: "1 times given; integration needs at least two")) {
            try SurvivalMetrics.integratedBrierScore(
                survival: [[0.9]], gridTimes: [1], times: [3], events: [true],
                trainingTimes: [2, 5], trainingEvents: [true, false])
        }
    }
}

@Suite struct SurvivalStatusAccuracyTests {
    @Test("labels and exclusions") func labels() throws {
        // Horizon 10: dead by 10 (0, 1), alive after (2, 3), censored at 10
        // counts as alive (4), censored before 10 is excluded (5).
        let result = try SurvivalMetrics.survivalStatusAccuracy(
            survivalAtHorizon: [0.2, 0.6, 0.9, 0.4, 0.5, 0.1],
            times: [4, 10, 12, 30, 10, 6],
            events: [true, true, false, true, false, false],
            horizon: 10)

        // Predictions: died (0.2), alive (0.6), alive (0.9), died (0.4), died (0.5 -> 1 - 0.5 >= 0.5).
        #expect(result.labelledPatients == 5)
        #expect(result.excludedPatients == 1)
        #expect(isClose(result.accuracy, 2.0 / 5))
    }

    @Test("all censored early is an error") func noLabels() {
        #expect(throws: SurvivalError.noLabelledPatients(patients: 2)) {
            try SurvivalMetrics.survivalStatusAccuracy(
                survivalAtHorizon: [0.5, 0.5], times: [1, 2], events: [false, false], horizon: 5)
        }
    }

    @Test("median observed time") func median() throws {
        #expect(try SurvivalMetrics.medianObservedTime([5, 1, 9]) == 5)
        #expect(try SurvivalMetrics.medianObservedTime([5, 1, 9, 3]) == 4)
    }
}

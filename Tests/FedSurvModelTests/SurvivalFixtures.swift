import Foundation

/// Reference values written by Fixtures/make_survival_fixtures.py from
/// lifelines 0.30.3, scikit-survival 0.28.0 and pycox 0.3.0.
struct SurvivalReference: Decodable {
    struct Harrell: Decodable {
        let name: String
        let times: [Double]
        let events: [Bool]
        let risks: [Double]
        let lifelines: Double
        let sksurv: Double
        let sksurvConcordant: Int
        let sksurvDiscordant: Int
        let sksurvTiedRisk: Int
    }

    struct KaplanMeier: Decodable {
        let times: [Double]
        let events: [Bool]
        let lifelinesTimeline: [Double]
        let lifelinesSurvival: [Double]
        let censoringTimes: [Double]
        let censoringSurvival: [Double]
    }

    struct Brier: Decodable {
        let trainingTimes: [Double]
        let trainingEvents: [Bool]
        let times: [Double]
        let events: [Bool]
        let gridTimes: [Double]
        let survival: [[Double]]
        let brierScores: [Double]
        let integratedBrierScore: Double
    }

    struct Antolini: Decodable {
        let times: [Double]
        let events: [Bool]
        let gridTimes: [Double]
        let survival: [[Double]]
        let pycox: Double
    }

    struct Cox: Decodable {
        let logRisks: [Double]
        let times: [Double]
        let events: [Bool]
        let lifelinesEfronLogLikelihood: Double
        let lifelinesEfronBetaGradient: Double
        let efronLoss: Double
        let efronGradient: [Double]
        let breslowLoss: Double
        let breslowGradient: [Double]
    }

    struct DiscreteTime: Decodable {
        let trainingTimes: [Double]
        let trainingEvents: [Bool]
        let quantileBreaks: [Double]
        let times: [Double]
        let events: [Bool]
        let logits: [Double]
        let exampleLosses: [Double]
    }

    struct Breslow: Decodable {
        let logRisks: [Double]
        let times: [Double]
        let events: [Bool]
        let gridTimes: [Double]
        let uniqueTimes: [Double]
        let cumulativeHazard: [Double]
        let survival: [[Double]]
    }

    let harrell: [Harrell]
    let kaplanMeier: KaplanMeier
    let brier: Brier
    let antolini: Antolini
    let cox: Cox
    let discreteTime: DiscreteTime
    let breslow: Breslow

    static func load() throws -> SurvivalReference {
        guard let url = Bundle.module.url(forResource: "Fixtures/survival_reference", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "Fixtures/survival_reference.json is missing from the test bundle"])
        }
        return try JSONDecoder().decode(SurvivalReference.self, from: Data(contentsOf: url))
    }
}

/// `|actual - expected| <= absolute + relative * |expected|`.
func isClose(_ actual: Double, _ expected: Double, absolute: Double = 1e-12, relative: Double = 1e-10) -> Bool {
    abs(actual - expected) <= absolute + relative * abs(expected)
}

import Testing

@testable import FedSurvFederation

/// Absolute tolerance for Float results of O(1) magnitude.
let tolerance: Float = 1e-6

func isClose(_ lhs: [Float]?, _ rhs: [Float], atol: Float = tolerance) -> Bool {
    guard let lhs, lhs.count == rhs.count else { return false }
    return zip(lhs, rhs).allSatisfy { abs($0 - $1) <= atol }
}

/// Global w = [1, 2]; site a (weight 1) Δ = [0.2, −0.4], site b (weight 3) Δ = [0.6, 0].
/// Weighted mean Δ = [(0.2 + 1.8) / 4, (−0.4 + 0) / 4] = [0.5, −0.1].
let global: [String: [Float]] = ["w": [1, 2]]
let twoSites = [
    SiteUpdate(site: "a", weight: 1, delta: ["w": [0.2, -0.4]]),
    SiteUpdate(site: "b", weight: 3, delta: ["w": [0.6, 0]]),
]

@Suite struct FedAvgTests {
    @Test("sample weights")
    func sampleWeighted() throws {
        var strategy = FedAvg()
        let result = try strategy.aggregate(global: global, updates: twoSites)
        #expect(isClose(result["w"], [1.5, 1.9]))
    }

    @Test("equal weights give plain mean")
    func equalWeights() throws {
        var strategy = FedAvg()
        let equal = twoSites.map { SiteUpdate(site: $0.site, weight: 1, delta: $0.delta) }
        let result = try strategy.aggregate(global: global, updates: equal)
        #expect(isClose(result["w"], [1.4, 1.8]))
    }

    @Test("input mismatches throw")
    func mismatches() {
        var strategy = FedAvg()
        #expect(throws: FederationError.noUpdates) { try strategy.aggregate(global: global, updates: []) }
        #expect(throws: FederationError.invalidWeight(site: "a")) {
            try strategy.aggregate(global: global, updates: [SiteUpdate(site: "a", weight: 0, delta: ["w": [0, 0]])])
        }
        #expect(throws: FederationError.self) {
            try strategy.aggregate(global: global, updates: [SiteUpdate(site: "a", weight: 1, delta: ["w": [0]])])
        }
        #expect(throws: FederationError.self) {
            try strategy.aggregate(
                global: global, updates: [SiteUpdate(site: "a", weight: 1, delta: ["w": [0, 0], "extra": [1]])])
        }
    }
}

@Suite struct FedAdamTests {
    let configuration = FedAdam.Configuration(learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 0.01)

    /// Hand computation, Δ = [0.5, −0.1], m₋₁ = 0, v₋₁ = τ² = 1e-4:
    /// m = 0.1 Δ = [0.05, −0.01]
    /// v = 0.99 · 1e-4 + 0.01 Δ² = [0.002599, 0.000199]
    /// x = w + 0.1 m / (√v + 0.01)
    ///   = [1 + 0.005 / 0.0609804, 2 − 0.001 / 0.0241067] = [1.0819936, 1.9585178]
    @Test("one step matches hand computation")
    func oneStep() throws {
        var strategy = try FedAdam(configuration: configuration)
        let result = try strategy.aggregate(global: global, updates: twoSites)
        #expect(isClose(result["w"], [1.0819936, 1.9585178]))
        #expect(isClose(strategy.serverState["m/w"], [0.05, -0.01]))
        #expect(isClose(strategy.serverState["v/w"], [0.002599, 0.000199], atol: 1e-9))
    }

    @Test("restored state continues identically")
    func restoredState() throws {
        var live = try FedAdam(configuration: configuration)
        let first = try live.aggregate(global: global, updates: twoSites)
        var restored = try FedAdam(configuration: configuration, state: live.serverState)

        let liveSecond = try live.aggregate(global: first, updates: twoSites)
        let restoredSecond = try restored.aggregate(global: first, updates: twoSites)
        #expect(liveSecond == restoredSecond)
        #expect(live.serverState == restored.serverState)
        // Second step by hand: m = 0.9 · 0.05 + 0.1 · 0.5 = 0.095, v = 0.99 · 0.002599 + 0.01 · 0.25 = 0.00507301.
        let expected = 1.0819936 + 0.1 * 0.095 / (0.00507301.squareRoot() + 0.01)
        #expect(isClose(liveSecond["w"].map { [$0[0]] }, [Float(expected)]))
    }

    @Test("invalid state rejected")
    func invalidState() {
        #expect(throws: FederationError.self) { try FedAdam(configuration: configuration, state: ["w": [0, 0]]) }
        #expect(throws: FederationError.self) { try FedAdam(configuration: configuration, state: ["m/w": [0, 0]]) }
        #expect(throws: FederationError.self) {
            try FedAdam(configuration: configuration, state: ["m/w": [0, 0], "v/w": [-1, 0]])
        }
        #expect(throws: FederationError.self) {
            try FedAdam(configuration: configuration, state: ["m/w": [.nan, 0], "v/w": [0, 0]])
        }
        #expect(throws: FederationError.self) {
            try FedAdam(configuration: FedAdam.Configuration(learningRate: 0.1, beta1: 1.0))
        }
    }

    @Test("state of another model rejected without change")
    func stateMismatch() throws {
        let state: [String: [Float]] = ["m/w": [0, 0, 0], "v/w": [1, 1, 1]]
        var strategy = try FedAdam(configuration: configuration, state: state)
        #expect(throws: FederationError.self) { try strategy.aggregate(global: global, updates: twoSites) }
        #expect(strategy.serverState == state)
    }
}

@Suite struct TrimmedMeanTests {
    /// Five sites: coordinate 0 has an outlier of +100, coordinate 1 one of −50.
    let updates = [
        SiteUpdate(site: "a", weight: 1, delta: ["w": [0.1, 0.3]]),
        SiteUpdate(site: "b", weight: 1, delta: ["w": [0.2, -50]]),
        SiteUpdate(site: "c", weight: 1, delta: ["w": [0.3, 0.1]]),
        SiteUpdate(site: "d", weight: 1, delta: ["w": [0.4, 0.2]]),
        SiteUpdate(site: "e", weight: 1000, delta: ["w": [100, 0.4]]),
    ]

    @Test("outlier trimmed")
    func outlierTrimmed() throws {
        var strategy = try TrimmedMean(trimFraction: 0.2)
        #expect(strategy.trimCount(updateCount: 5) == 1)
        let result = try strategy.aggregate(global: global, updates: updates)
        // Coordinate 0 keeps {0.2, 0.3, 0.4}, coordinate 1 keeps {0.1, 0.2, 0.3}.
        #expect(isClose(result["w"], [1.3, 2.2]))
    }

    @Test("small k trims nothing")
    func smallK() throws {
        var strategy = try TrimmedMean(trimFraction: 0.2)
        #expect(strategy.trimCount(updateCount: 4) == 0)
        let result = try strategy.aggregate(global: global, updates: Array(updates.prefix(3)))
        // Plain unweighted mean: [(0.1 + 0.2 + 0.3) / 3, (0.3 − 50 + 0.1) / 3].
        #expect(isClose(result["w"], [1.2, 2 - 49.6 / 3], atol: 1e-5))
    }

    @Test("trim fraction range checked")
    func fractionRange() {
        #expect(throws: FederationError.self) { try TrimmedMean(trimFraction: 0.5) }
        #expect(throws: FederationError.self) { try TrimmedMean(trimFraction: -0.1) }
    }
}

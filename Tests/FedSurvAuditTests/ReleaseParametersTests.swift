import FedSurvAudit
import Foundation
import Testing

@Suite struct ReleaseParametersTests {
    @Test("documented Laplace format parses")
    func laplace() throws {
        let parameters = try ReleaseParameters(json: laplaceParameters(round: 1))
        #expect(parameters.samplingRate == 0.02)
        #expect(parameters.steps == 50)
        #expect(parameters.groups.map(\.name) == ["mrna.T1", "mirna.T1", "cnv.T1", "rest"])
        #expect(parameters.groups[0] == ParameterGroup(name: "mrna.T1", clip: 1.0, epsilon: 0.022))
        #expect(parameters.otherFields.isEmpty)
    }

    @Test("Laplace shares follow group epsilons")
    func laplaceShares() throws {
        let parameters = try ReleaseParameters(
            json:
                #"{"sampling_rate": 1, "steps": 1, "groups": [{"name": "a", "clip": 1, "epsilon": 0.3}, {"name": "b", "clip": 2, "epsilon": 0.1}]}"#
        )
        let shares = try #require(parameters.groupShares)
        // Tolerance 1e-12: two divisions.
        #expect(abs(shares[0] - 0.75) < 1e-12)
        #expect(abs(shares[1] - 0.25) < 1e-12)
    }

    @Test("Gaussian shares follow inverse variance")
    func gaussianShares() throws {
        let parameters = try ReleaseParameters(
            json:
                #"{"sampling_rate": 0.1, "steps": 3, "groups": [{"name": "a", "clip": 1, "noise_multiplier": 1}, {"name": "b", "clip": 1, "noise_multiplier": 2}]}"#
        )
        let shares = try #require(parameters.groupShares)
        // sigma^-2 = 1 and 0.25, so the shares are 0.8 and 0.2; tolerance 1e-12.
        #expect(abs(shares[0] - 0.8) < 1e-12)
        #expect(abs(shares[1] - 0.2) < 1e-12)
    }

    @Test("unknown keys are kept for display")
    func otherFields() throws {
        let parameters = try ReleaseParameters(
            json:
                #"{"sampling_rate": 0.5, "steps": 2, "granularity_exponent": 20, "groups": [{"name": "a", "clip": 1, "epsilon": 1}]}"#
        )
        #expect(parameters.otherFields.map(\.key) == ["granularity_exponent"])
        #expect(parameters.otherFields.map(\.value) == ["20"])
    }

    @Test(
        "invalid parameters are rejected",
        arguments: [
            (#"[1, 2]"#, "not a JSON object"),
            (#"{"steps": 1, "groups": [{"name": "a", "clip": 1, "epsilon": 1}]}"#, "sampling_rate"),
            (
                #"{"sampling_rate": 1.5, "steps": 1, "groups": [{"name": "a", "clip": 1, "epsilon": 1}]}"#,
                "sampling_rate"
            ),
            (
                #"{"sampling_rate": true, "steps": 1, "groups": [{"name": "a", "clip": 1, "epsilon": 1}]}"#,
                "sampling_rate"
            ),
            (#"{"sampling_rate": 0.1, "steps": 2.5, "groups": [{"name": "a", "clip": 1, "epsilon": 1}]}"#, "steps"),
            (#"{"sampling_rate": 0.1, "steps": 2, "groups": []}"#, "groups must be a non-empty array"),
            (#"{"sampling_rate": 0.1, "steps": 2, "groups": [{"name": "a", "clip": 1}]}"#, "exactly one of"),
            (
                #"{"sampling_rate": 0.1, "steps": 2, "groups": [{"name": "a", "clip": 1, "epsilon": 1, "noise_multiplier": 1}]}"#,
                "exactly one of"
            ),
            (#"{"sampling_rate": 0.1, "steps": 2, "groups": [{"name": "a", "clip": 0, "epsilon": 1}]}"#, "clip"),
            (
                #"{"sampling_rate": 0.1, "steps": 2, "groups": [{"name": "a", "clip": 1, "epsilon": -1}]}"#,
                "epsilon must be above 0"
            ),
        ])
    func rejected(json: String, expected: String) {
        var message = ""
        do {
            _ = try ReleaseParameters(json: json)
        } catch {
            message = error.description
        }
        #expect(message.contains(expected), "message was: \(message)")
    }
}

@Suite struct SummaryTests {
    @Test("totals, rounds and caps per site")
    func perSite() throws {
        let ledger = try AuditedLedger(path: writeCoordinatorLedger())
        let caps = try EpsilonCaps(perSite: ["hospital-b": 0.25], defaultCap: 1.0)
        let sites = summarize(ledger, caps: caps)
        #expect(sites.map(\.site) == ["hospital-a", "hospital-b", "hospital-c"])
        #expect(sites.map(\.roundsJoined) == [6, 5, 4])
        // References from Python's math.log1p and math.expm1 over the same parameters; tolerance 1e-12.
        #expect(abs(sites[0].totalEpsilon - 0.36125517192429923) < 1e-12)
        #expect(abs(sites[1].totalEpsilon - 0.3026337396859752) < 1e-12)
        #expect(abs(sites[2].totalEpsilon - 0.24083747231014282) < 1e-12)
        #expect(sites[0].totalEpsilonPure == sites[0].totalEpsilon)
        #expect(sites[0].cap == 1.0)
        #expect(sites[1].cap == 0.25)
        #expect(abs(sites[1].left! - (0.25 - 0.3026337396859752)) < 1e-12)
    }

    @Test("one release by hand")
    func oneRelease() throws {
        let ledger = try AuditedLedger(path: writeLedger([FixtureRelease(site: "s", round: 1)]))
        let site = try #require(summarize(ledger, caps: try EpsilonCaps()).first)
        // 50 ln(1 + 0.02 (e^0.058 - 1)) from Python; tolerance 1e-12.
        #expect(abs(site.totalEpsilon - 0.059679365269294196) < 1e-12)
        #expect(site.cap == nil)
        #expect(site.left == nil)
    }

    @Test("Gaussian site has no pure total")
    func gaussianSite() throws {
        let ledger = try AuditedLedger(path: writeCoordinatorLedger(gaussianSite: "hospital-b"))
        let sites = summarize(ledger, caps: try EpsilonCaps())
        #expect(sites[1].totalEpsilonPure == nil)
        #expect(sites[1].mechanisms == ["gaussian"])
        #expect(abs(sites[1].totalEpsilon - 6.103786816338916) < 1e-12)
        #expect(sites[0].totalEpsilonPure != nil)
    }

    @Test("negative cap is rejected")
    func negativeCap() {
        #expect(throws: AuditError.self) { try EpsilonCaps(perSite: ["a": -1]) }
        #expect(throws: AuditError.self) { try EpsilonCaps(defaultCap: .infinity) }
    }

    @Test("summary text marks an unverified ledger")
    func unverifiedText() throws {
        let path = try writeCoordinatorLedger()
        try tamper(path, "UPDATE ledger_entries SET epsilon = 0.001 WHERE sequence = 3")
        let ledger = try AuditedLedger(path: path)
        let text = AuditText.summary(
            ledger, sites: summarize(ledger, caps: try EpsilonCaps()),
            verification: verify(ledger, accountant: TestAccountant()))
        #expect(text.contains("verified: NO"))
        #expect(text.contains("entry 3"))
    }
}

import Foundation
import Testing

@testable import FedSurvPrivacy

/// One row of Fixtures/accountant_reference.json, written by make_accountant_fixtures.py.
struct ReferenceCase: Codable, Sendable, CustomTestStringConvertible {
    let mechanism: String
    let parameter: Double
    let samplingRate: Double
    let steps: Int
    let delta: Double
    let epsilon: Double

    var testDescription: String { "\(mechanism) \(parameter) q=\(samplingRate) T=\(steps)" }

    var group: StepGroup {
        mechanism == "gaussian" ? .gaussian(noiseMultiplier: parameter) : .laplace(scale: parameter)
    }

    private struct File: Codable { let cases: [ReferenceCase] }

    static let all: [ReferenceCase] = {
        guard let url = Bundle.module.url(forResource: "accountant_reference", withExtension: "json", subdirectory: "Fixtures"),
            let data = try? Data(contentsOf: url),
            let file = try? JSONDecoder().decode(File.self, from: data)
        else { return [] }
        return file.cases
    }()
}

/// Computes the epsilon of the analytic Gaussian mechanism (Balle and Wang
/// 2018) with sensitivity 1 and standard deviation sigma by bisection.
/// It is written apart from the library's profile code so that it checks it.
func analyticGaussianEpsilon(sigma: Double, delta: Double) -> Double {
    func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
    func deltaAt(_ epsilon: Double) -> Double {
        normalCDF(0.5 / sigma - epsilon * sigma) - exp(epsilon) * normalCDF(-0.5 / sigma - epsilon * sigma)
    }
    var low = 0.0
    var high = 1.0
    while deltaAt(high) > delta { high *= 2 }
    for _ in 0..<200 {
        let middle = (low + high) / 2
        if deltaAt(middle) > delta { low = middle } else { high = middle }
    }
    return high
}

@Suite struct PLDAccountantTests {
    @Test("reference fixture has every case")
    func referenceFixtureLoads() {
        #expect(ReferenceCase.all.count == 54)
    }

    /// Returns the loss grid for a debug-build test: 1e-4 where epsilon < 1,
    /// else 1e-3, whose relative error on these cases measured below 2e-4.
    static func testDiscretization(_ reference: ReferenceCase) -> Double {
        reference.epsilon < 1 ? 1e-4 : 1e-3
    }

    @Test("matches dp-accounting within 1 %", arguments: ReferenceCase.all)
    func matchesDpAccounting(reference: ReferenceCase) throws {
        let accountant = try PLDAccountant(
            groups: [reference.group], samplingRate: reference.samplingRate, steps: reference.steps,
            discretization: Self.testDiscretization(reference))
        let epsilon = try accountant.epsilon(delta: reference.delta)
        // Tolerance: 1 % relative to dp-accounting 0.6.0 at discretisation 1e-4.
        #expect(abs(epsilon - reference.epsilon) <= 0.01 * reference.epsilon)
    }

    @Test(
        "Gaussian without subsampling matches analytic",
        arguments: [(0.8, 1), (0.8, 10), (2.0, 1), (2.0, 100), (4.0, 30)])
    func gaussianMatchesAnalytic(sigma: Double, steps: Int) throws {
        // T Gaussian steps of multiplier sigma compose to one of multiplier sigma / sqrt(T).
        let truth = analyticGaussianEpsilon(sigma: sigma / Double(steps).squareRoot(), delta: 1e-5)
        let accountant = try PLDAccountant(
            groups: [.gaussian(noiseMultiplier: sigma)], samplingRate: 1, steps: steps, discretization: 1e-3)
        let epsilon = try accountant.epsilon(delta: 1e-5)
        // Pessimistic: never below the truth (1e-9 slack for the bisection); tight to 0.1 %.
        #expect(epsilon >= truth - 1e-9)
        #expect(epsilon <= truth * 1.001)
    }

    @Test("one Laplace step matches closed form", arguments: [0.8, 1.0, 4.0])
    func laplaceSingleStepClosedForm(scale: Double) throws {
        // delta(epsilon) = 1 - exp((epsilon - 1/b) / 2) on [-1/b, 1/b], so epsilon(delta) = 1/b + 2 ln(1 - delta).
        let delta = 1e-3
        let truth = 1 / scale + 2 * log1p(-delta)
        let accountant = try PLDAccountant(groups: [.laplace(scale: scale)], samplingRate: 1, steps: 1)
        let epsilon = try accountant.epsilon(delta: delta)
        #expect(epsilon >= truth - 1e-12)
        #expect(epsilon <= truth + 1e-4)
    }

    @Test("Laplace stays within pure bound", arguments: [(2.0, 1.0, 50), (1.0, 0.1, 1), (4.0, 0.01, 20)])
    func laplaceWithinPureBound(scale: Double, q: Double, steps: Int) throws {
        // Basic composition of the amplified pure epsilon is an (epsilon, 0) bound, so at any delta the PLD epsilon is below it.
        let pure = try PureEpsilonAccountant.totalEpsilon(groupEpsilons: [1 / scale], samplingRate: q, steps: steps)
        let accountant = try PLDAccountant(groups: [.laplace(scale: scale)], samplingRate: q, steps: steps)
        #expect(try accountant.epsilon(delta: 1e-5) <= pure)
        // At the pure epsilon, only truncated tail mass (at most 2e-15 per convolution) remains as delta.
        #expect(try accountant.delta(epsilon: pure + 1e-3) < 1e-12)
    }

    @Test("Gaussian groups combine into one")
    func gaussianGroupsCombine() throws {
        // Multipliers 1 and 2 act as one Gaussian of multiplier (1 + 1/4)^(-1/2).
        let groups = try PLDAccountant(
            groups: [.gaussian(noiseMultiplier: 1), .gaussian(noiseMultiplier: 2)], samplingRate: 0.05, steps: 50,
            discretization: 1e-3)
        let single = try PLDAccountant(
            groups: [.gaussian(noiseMultiplier: 1 / 1.25.squareRoot())], samplingRate: 0.05, steps: 50,
            discretization: 1e-3)
        #expect(abs(try groups.epsilon(delta: 1e-5) - single.epsilon(delta: 1e-5)) < 1e-12)
    }

    @Test("Laplace groups share one sample")
    func laplaceGroupsShareSample() throws {
        // Two groups of scale 2 in one step on one Poisson sample.
        let q = 0.1
        let shared = try PLDAccountant(groups: [.laplace(scale: 2), .laplace(scale: 2)], samplingRate: q, steps: 1)
        let epsilon = try shared.epsilon(delta: 1e-5)
        // Below the amplified pure bound of the step, epsilon_step = 1.
        #expect(epsilon <= log1p(q * expm1(1.0)))
        // Above two separately sampled groups, which would understate the loss.
        let separate = try PLDAccountant(groups: [.laplace(scale: 2)], samplingRate: q, steps: 2)
        #expect(epsilon > (try separate.epsilon(delta: 1e-5)))
    }

    @Test("Laplace groups without sampling add up")
    func laplaceGroupsWithoutSampling() throws {
        // With q = 1, two steps of one group and one step of two equal groups are the same mechanism.
        let groups = try PLDAccountant(groups: [.laplace(scale: 1.5), .laplace(scale: 1.5)], samplingRate: 1, steps: 3)
        let steps = try PLDAccountant(groups: [.laplace(scale: 1.5)], samplingRate: 1, steps: 6)
        // Tolerance 1e-3: the two paths truncate and discretise at different points.
        #expect(abs(try groups.epsilon(delta: 1e-5) - steps.epsilon(delta: 1e-5)) < 1e-3)
    }

    @Test("mixed Laplace and Gaussian step")
    func mixedStep() throws {
        let mixed = try PLDAccountant(
            groups: [.laplace(scale: 3), .gaussian(noiseMultiplier: 2)], samplingRate: 0.05, steps: 100)
        let laplaceOnly = try PLDAccountant(groups: [.laplace(scale: 3)], samplingRate: 0.05, steps: 100)
        let gaussianOnly = try PLDAccountant(groups: [.gaussian(noiseMultiplier: 2)], samplingRate: 0.05, steps: 100)
        let epsilon = try mixed.epsilon(delta: 1e-5)
        #expect(epsilon > (try laplaceOnly.epsilon(delta: 1e-5)))
        #expect(epsilon > (try gaussianOnly.epsilon(delta: 1e-5)))
        #expect(epsilon <= (try laplaceOnly.epsilon(delta: 5e-6)) + (try gaussianOnly.epsilon(delta: 5e-6)))
    }

    @Test("accountants compose across phases")
    func accountantsCompose() throws {
        // 40 steps then 60 steps of the same mechanism equal 100 steps, up to truncation differences.
        let first = try PLDAccountant(groups: [.laplace(scale: 2)], samplingRate: 0.1, steps: 40)
        let second = try PLDAccountant(groups: [.laplace(scale: 2)], samplingRate: 0.1, steps: 60)
        let whole = try PLDAccountant(groups: [.laplace(scale: 2)], samplingRate: 0.1, steps: 100)
        let composed = try first.composed(with: second)
        #expect(composed.steps == 100)
        // Tolerance 1e-6 absolute on an epsilon near 1.9.
        #expect(abs(try composed.epsilon(delta: 1e-5) - whole.epsilon(delta: 1e-5)) < 1e-6)

        let coarse = try PLDAccountant(groups: [.laplace(scale: 2)], samplingRate: 0.1, steps: 1, discretization: 1e-3)
        #expect(throws: PrivacyError.self) { try first.composed(with: coarse) }
    }

    @Test("delta inverts epsilon")
    func deltaInvertsEpsilon() throws {
        let accountant = try PLDAccountant(groups: [.gaussian(noiseMultiplier: 1.1)], samplingRate: 0.01, steps: 500)
        let epsilon = try accountant.epsilon(delta: 1e-5)
        let delta = try accountant.delta(epsilon: epsilon)
        // Tolerance: 1e-6 relative, from rounding in the closed-form inversion.
        #expect(abs(delta - 1e-5) <= 1e-11)
    }

    @Test("recorded parameters give the same epsilon")
    func parametersAccounting() throws {
        let parameters = [MechanismParameters.gaussian(clipBound: 1, noiseMultiplier: 1.3, granularityExponent: 20)]
        let fromParameters = try PLDAccountant(parameters: parameters, samplingRate: 0.02, steps: 10)
        let fromGroups = try PLDAccountant(groups: [.gaussian(noiseMultiplier: 1.3)], samplingRate: 0.02, steps: 10)
        #expect(try fromParameters.epsilon(delta: 1e-6) == fromGroups.epsilon(delta: 1e-6))
    }

    static let invalidSetups: [(groups: [StepGroup], q: Double, steps: Int, expected: String)] = [
        ([.gaussian(noiseMultiplier: 1)], 0, 10, "invalid sampling rate 0.0"),
        ([.gaussian(noiseMultiplier: 1)], -0.1, 10, "invalid sampling rate -0.1"),
        ([.gaussian(noiseMultiplier: 1)], 1.5, 10, "invalid sampling rate 1.5"),
        ([.gaussian(noiseMultiplier: 1)], .nan, 10, "invalid sampling rate nan"),
        ([.gaussian(noiseMultiplier: 1)], 0.1, 0, "invalid number of steps 0"),
        ([.gaussian(noiseMultiplier: 1)], 0.1, -3, "invalid number of steps -3"),
        ([.gaussian(noiseMultiplier: 0)], 0.1, 10, "invalid noise multiplier 0.0"),
        ([.gaussian(noiseMultiplier: -1)], 0.1, 10, "invalid noise multiplier -1.0"),
        ([.gaussian(noiseMultiplier: .infinity)], 0.1, 10, "invalid noise multiplier inf"),
        ([.laplace(scale: 0)], 0.1, 10, "invalid Laplace scale 0.0"),
        ([.laplace(scale: .nan)], 0.1, 10, "invalid Laplace scale nan"),
        ([], 0.1, 10, "a step needs at least one parameter group"),
        ([.gaussian(noiseMultiplier: 0.001)], 1, 10, "privacy loss distribution needs"),
    ]

    @Test("invalid setups are rejected", arguments: invalidSetups)
    func invalidSetupsRejected(setup: (groups: [StepGroup], q: Double, steps: Int, expected: String)) {
        #expect {
            _ = try PLDAccountant(groups: setup.groups, samplingRate: setup.q, steps: setup.steps)
        } throws: { error in
            (error as? PrivacyError)?.description.hasPrefix(setup.expected) == true
        }
    }

    @Test("invalid queries are rejected")
    func invalidQueriesRejected() throws {
        let accountant = try PLDAccountant(groups: [.laplace(scale: 1)], samplingRate: 0.5, steps: 2)
        for delta in [0, 1, -1e-5, 2, .nan, .infinity] {
            #expect(throws: PrivacyError.self) { try accountant.epsilon(delta: delta) }
        }
        for epsilon in [0, -1, .nan, .infinity] {
            #expect(throws: PrivacyError.self) { try accountant.delta(epsilon: epsilon) }
        }
    }
}

@Suite struct PrivacyLossDistributionTests {
    @Test("FFT convolution matches direct sum")
    func fftConvolution() {
        var generator = SeededRandomSource(seed: 1)
        let a = (0..<300).map { _ in Double.random(in: 0..<1, using: &generator) }
        let b = (0..<77).map { _ in Double.random(in: 0..<1, using: &generator) }
        var direct = [Double](repeating: 0, count: a.count + b.count - 1)
        for i in a.indices { for j in b.indices { direct[i + j] += a[i] * b[j] } }
        let fast = FFT.convolve(a, b)
        #expect(fast.count == direct.count)
        // Tolerance: 1e-12 absolute on values up to about 40.
        #expect(zip(fast, direct).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test("truncation keeps total mass")
    func truncationKeepsMass() {
        let masses = [1e-17, 2e-17, 0.25, 0.5, 0.25, 3e-17]
        let pld = PrivacyLossDistribution(discretization: 0.1, lowestIndex: -2, masses: masses, infinityMass: 0)
        let truncated = pld.truncated(tailMass: 1e-15)
        #expect(truncated.masses.count == 3)
        #expect(truncated.lowestIndex == 0)
        #expect(truncated.infinityMass == 3e-17)
        // The lower tail moved up onto the lowest kept loss.
        #expect(truncated.masses[0] == 0.25 + 3e-17)
    }

    @Test("composition adds losses")
    func compositionAddsLosses() throws {
        // Loss +h or -h with probability 1/2 each, composed twice: -2h, 0, +2h with 1/4, 1/2, 1/4.
        let coin = PrivacyLossDistribution(discretization: 0.5, lowestIndex: -1, masses: [0.5, 0, 0.5], infinityMass: 0.1)
        let twice = try coin.composed(with: coin, tailMass: 1e-15)
        #expect(twice.lowestIndex == -2)
        #expect(twice.masses.count == 5)
        #expect(abs(twice.masses[2] - 0.5) < 1e-15)
        #expect(abs(twice.infinityMass - 0.19) < 1e-15)
    }
}

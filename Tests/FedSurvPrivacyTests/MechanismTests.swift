import Foundation
import Testing

@testable import FedSurvPrivacy

@Suite struct MechanismTests {
    @Test("Laplace calibration adds rounding allowance")
    func laplaceCalibration() throws {
        // C = 1, epsilon = 0.5, grid 2^-10, d = 100: sensitivity 1 + 100/1024, scale (1 + 100/1024) / 0.5 * 1024 units.
        let parameters = MechanismParameters.laplace(clipBound: 1, epsilon: 0.5, granularityExponent: 10)
        let rounded = try NoiseMechanism.calibrate(parameters, dimension: 100, rounding: .sumRoundedToNearest)
        #expect(rounded.sensitivity == 1 + 100.0 / 1024)
        // The exact scale is 2248 units; the 1e-12 margin may round it up by one unit, never down.
        #expect(rounded.laplaceScaleUnits! >= 2248)
        #expect(rounded.laplaceScaleUnits! <= 2249)

        let snapped = try NoiseMechanism.calibrate(parameters, dimension: 100, rounding: .examplesSnappedTowardZero)
        #expect(snapped.sensitivity == 1)
        // 2048 exactly, plus the 1e-12 relative margin, rounds up to 2049.
        #expect(snapped.laplaceScaleUnits == 2049)
    }

    @Test("Gaussian calibration uses sqrt(d) allowance")
    func gaussianCalibration() throws {
        let parameters = MechanismParameters.gaussian(clipBound: 2, noiseMultiplier: 1.5, granularityExponent: 12)
        let noise = try NoiseMechanism.calibrate(parameters, dimension: 400, rounding: .sumRoundedToNearest)
        let sensitivity = 2 + 20.0 / 4096
        #expect(noise.sensitivity == sensitivity)
        let sigmaUnits = 1.5 * sensitivity * 4096
        let variance = Double(noise.gaussianVarianceUnits!)
        #expect(variance >= sigmaUnits * sigmaUnits)
        #expect(variance <= sigmaUnits * sigmaUnits + 1)
    }

    @Test("release lands on the grid")
    func releaseLandsOnGrid() throws {
        var generator = SeededRandomSource(seed: 3)
        let parameters = MechanismParameters.laplace(clipBound: 1, epsilon: 1, granularityExponent: 8)
        let sum = [0.123456, -7.5, 3.0, 1e-9]
        let released = try NoiseMechanism.release(sum: sum, parameters: parameters, using: &generator)
        #expect(released.count == sum.count)
        for value in released {
            let units = value * 256
            #expect(units == units.rounded())
        }
    }

    @Test("secure release lands on the grid")
    func secureReleaseLandsOnGrid() throws {
        var generator = try SecureRandomSource()
        let parameters = MechanismParameters.gaussian(clipBound: 1, noiseMultiplier: 1.1, granularityExponent: 16)
        let released = try NoiseMechanism.release(sum: [0.5, -0.25, 1.0 / 3], parameters: parameters, using: &generator)
        for value in released {
            let units = value * 65_536
            #expect(units == units.rounded())
        }
    }

    @Test("Laplace release noise moments")
    func laplaceReleaseMoments() throws {
        // One coordinate, snapped sum 0, scale 1/epsilon = 2 (512 units at 2^-8):
        // the noise variance is 2 r / (1 - r)^2 units^2 with r = e^(-1/t).
        var generator = SeededRandomSource(seed: 8)
        let parameters = MechanismParameters.laplace(clipBound: 1, epsilon: 0.5, granularityExponent: 8)
        let noise = try NoiseMechanism.calibrate(parameters, dimension: 1, rounding: .examplesSnappedTowardZero)
        let draws = NoiseMechanism.noiseUnits(noise, count: 50_000, using: &generator)
        let r = exp(-1 / Double(noise.laplaceScaleUnits!))
        let variance = 2 * r / ((1 - r) * (1 - r))
        // Tolerances: 5 standard errors for the mean; 5 % for the variance (Laplace kurtosis 6 gives about 1.2 % standard error).
        #expect(abs(GoodnessOfFit.mean(draws)) < 5 * (variance / 50_000).squareRoot())
        #expect(abs(GoodnessOfFit.variance(draws) / variance - 1) < 0.05)
    }

    @Test("snapping never grows a norm")
    func snappingKeepsNorm() throws {
        let grid = try NoiseGrid(exponent: 4)
        let vector = [0.99, -0.51, 0.031, -0.0624, 0.5]
        let snapped = grid.values(try grid.snapTowardZero(vector))
        for norm in Clipping.Norm.allCases {
            #expect(Clipping.norm(snapped, norm) <= Clipping.norm(vector, norm))
        }
        #expect(snapped == [0.9375, -0.5, 0, 0, 0.5])
    }

    @Test("nearest rounding stays within half a step")
    func nearestRoundingError() throws {
        let grid = try NoiseGrid(exponent: 6)
        let vector = (0..<50).map { Double($0) * 0.0137 - 0.3 }
        let rounded = grid.values(try grid.roundToNearest(vector))
        for (original, onGrid) in zip(vector, rounded) {
            #expect(abs(original - onGrid) <= grid.granularity / 2)
        }
    }

    @Test("non-finite value is rejected")
    func nonFiniteValueRejected() throws {
        let grid = try NoiseGrid(exponent: 6)
        #expect(throws: PrivacyError.valueOutOfGridRange(index: 1)) { try grid.roundToNearest([0, .nan]) }
        #expect(throws: PrivacyError.valueOutOfGridRange(index: 0)) { try grid.snapTowardZero([1e300]) }
    }

    @Test("parameters round-trip as JSON")
    func parametersCodable() throws {
        let groups = [
            MechanismParameters.laplace(clipBound: 0.5, epsilon: 0.2, granularityExponent: 20),
            MechanismParameters.gaussian(clipBound: 1, noiseMultiplier: 1.1, granularityExponent: 24),
        ]
        let data = try JSONEncoder().encode(groups)
        #expect(try JSONDecoder().decode([MechanismParameters].self, from: data) == groups)
        #expect(try groups[0].accountingGroup() == .laplace(scale: 5))
        #expect(try groups[1].accountingGroup() == .gaussian(noiseMultiplier: 1.1))
    }

    static let invalidParameters: [(MechanismParameters, PrivacyError)] = [
        (.laplace(clipBound: 0, epsilon: 1, granularityExponent: 10), .invalidClipBound(0)),
        (.laplace(clipBound: 1, epsilon: -1, granularityExponent: 10), .invalidEpsilon(-1)),
        (.laplace(clipBound: 1, epsilon: .infinity, granularityExponent: 10), .invalidEpsilon(.infinity)),
        (.gaussian(clipBound: 1, noiseMultiplier: 0, granularityExponent: 10), .invalidNoiseMultiplier(0)),
        (.gaussian(clipBound: 1, noiseMultiplier: 1, granularityExponent: 61), .invalidGranularityExponent(61)),
        (
            MechanismParameters(kind: .laplace, clipBound: 1, epsilon: nil, noiseMultiplier: 1, granularityExponent: 10),
            .inconsistentParameters("a Laplace group has an epsilon and no noise multiplier")
        ),
    ]

    @Test("invalid parameters are rejected", arguments: invalidParameters)
    func invalidParametersRejected(parameters: MechanismParameters, expected: PrivacyError) {
        #expect(throws: expected) { try parameters.validate() }
    }

    @Test("NaN epsilon is rejected")
    func nanEpsilonRejected() {
        let parameters = MechanismParameters.laplace(clipBound: 1, epsilon: .nan, granularityExponent: 10)
        #expect {
            try parameters.validate()
        } throws: { error in
            guard case .invalidEpsilon(let value) = error as? PrivacyError else { return false }
            return value.isNaN
        }
    }

    @Test("grid too coarse for noise is rejected")
    func gridTooCoarse() {
        // Scale 0.001 on a grid of 1: far below one grid unit.
        let parameters = MechanismParameters.laplace(clipBound: 0.001, epsilon: 1, granularityExponent: 0)
        #expect(throws: PrivacyError.self) {
            try NoiseMechanism.calibrate(parameters, dimension: 1, rounding: .examplesSnappedTowardZero)
        }
    }
}

@Suite struct ClippingTests {
    @Test("scale factors are min(1, C / norm)")
    func scaleFactors() throws {
        let factors = try Clipping.scaleFactors(norms: [0, 0.5, 1, 4], clipBound: 1)
        #expect(factors == [1, 1, 1, 0.25])
    }

    @Test("clipped norm is at most C", arguments: [Clipping.Norm.l1, .l2])
    func clippedNormBounded(norm: Clipping.Norm) throws {
        let examples = [[3.0, -4.0, 0.5], [0.1, 0.2, -0.1], [-10.0, 0, 10]]
        let norms = examples.map { Clipping.norm($0, norm) }
        let factors = try Clipping.scaleFactors(norms: norms, clipBound: 1.5)
        for (example, factor) in zip(examples, factors) {
            // Tolerance: one part in 1e12 for the floating-point product.
            #expect(Clipping.norm(example.map { $0 * factor }, norm) <= 1.5 * (1 + 1e-12))
        }
    }

    @Test("outer product norm factors")
    func outerProductNorm() {
        let x = [1.0, -2.0, 0.5]
        let delta = [0.3, -0.4]
        let outer = delta.flatMap { d in x.map { d * $0 } }
        for norm in Clipping.Norm.allCases {
            let expected = Clipping.norm(outer, norm)
            #expect(abs(Clipping.outerProductNorm(input: x, outputGradient: delta, norm) - expected) < 1e-12)
        }
    }

    @Test("invalid norms are rejected")
    func invalidNorms() {
        #expect(throws: PrivacyError.invalidNorm(index: 1)) { try Clipping.scaleFactors(norms: [1, -1], clipBound: 1) }
        #expect(throws: PrivacyError.invalidNorm(index: 0)) { try Clipping.scaleFactors(norms: [.infinity], clipBound: 1) }
        #expect(throws: PrivacyError.invalidClipBound(0)) { try Clipping.scaleFactors(norms: [1], clipBound: 0) }
    }
}

@Suite struct PureEpsilonAccountantTests {
    @Test("groups sum per step")
    func groupsSum() throws {
        #expect(try PureEpsilonAccountant.stepEpsilon(groupEpsilons: [0.5, 0.25, 0.125]) == 0.875)
    }

    @Test("amplification matches formula", arguments: [(1.0, 0.01), (0.1, 0.5), (5.0, 0.001), (50.0, 0.1), (2.0, 1.0)])
    func amplification(epsilon: Double, q: Double) throws {
        let expected = log(1 + q * (exp(epsilon) - 1))
        // Tolerance: 1e-12 relative, the stable and naive forms agree to rounding.
        #expect(abs(try PureEpsilonAccountant.amplified(epsilon: epsilon, samplingRate: q) - expected) <= 1e-12 * expected)
    }

    @Test("steps compose by summation")
    func stepsCompose() throws {
        let total = try PureEpsilonAccountant.totalEpsilon(groupEpsilons: [0.3, 0.2], samplingRate: 0.1, steps: 200)
        #expect(abs(total - 200 * log(1 + 0.1 * (exp(0.5) - 1))) < 1e-12)
    }

    @Test("invalid inputs are rejected")
    func invalidInputs() {
        #expect(throws: PrivacyError.emptyStep) { try PureEpsilonAccountant.stepEpsilon(groupEpsilons: []) }
        #expect(throws: PrivacyError.invalidEpsilon(0)) { try PureEpsilonAccountant.stepEpsilon(groupEpsilons: [0]) }
        #expect(throws: PrivacyError.invalidSamplingRate(1.5)) { try PureEpsilonAccountant.amplified(epsilon: 1, samplingRate: 1.5) }
        #expect(throws: PrivacyError.invalidSamplingRate(0)) { try PureEpsilonAccountant.amplified(epsilon: 1, samplingRate: 0) }
        #expect(throws: PrivacyError.invalidSteps(0)) {
            try PureEpsilonAccountant.totalEpsilon(groupEpsilons: [1], samplingRate: 1, steps: 0)
        }
    }
}

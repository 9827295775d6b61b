import Foundation
import Testing

@testable import FedSurvPrivacy

@Suite struct ExactSamplerTests {
    static let sampleCount = 100_000

    @Test("Bernoulli exp(-gamma) frequency", arguments: [(UInt128(1), UInt128(3)), (7, 4), (5, 1)])
    func bernoulliExpMinusFrequency(numerator: UInt128, denominator: UInt128) {
        var generator = SeededRandomSource(seed: 11)
        var successes = 0
        for _ in 0..<Self.sampleCount
        where ExactSampler.bernoulliExpMinus(numerator: numerator, denominator: denominator, using: &generator) {
            successes += 1
        }
        let p = exp(-Double(numerator) / Double(denominator))
        let standardError = (p * (1 - p) / Double(Self.sampleCount)).squareRoot()
        // Tolerance: 5 standard errors of a binomial proportion.
        #expect(abs(Double(successes) / Double(Self.sampleCount) - p) < 5 * standardError)
    }

    @Test("discrete Laplace fits exact pmf", arguments: [(UInt64(3), UInt64(1)), (5, 2), (40, 1)])
    func discreteLaplaceChiSquare(numerator: UInt64, denominator: UInt64) {
        var generator = SeededRandomSource(seed: 2026)
        let draws = (0..<Self.sampleCount).map { _ in
            ExactSampler.discreteLaplace(scaleNumerator: numerator, scaleDenominator: denominator, using: &generator)
        }
        let scale = Double(numerator) / Double(denominator)
        let pmf = ExactPMF.discreteLaplace(scale: scale)
        let fit = GoodnessOfFit.chiSquare(draws: draws, pmf: pmf, range: Int64(12 * scale) + 2)
        // Threshold: the chi-square quantile at upper-tail probability 0.001.
        #expect(fit.statistic < GoodnessOfFit.criticalValueAtOneInAThousand(degreesOfFreedom: fit.degreesOfFreedom))

        // Mean 0 within 5 standard errors; variance 2r/(1-r)^2 within 3 %.
        let variance = ExactPMF.variance(pmf, limit: Int64(60 * scale) + 10)
        #expect(abs(GoodnessOfFit.mean(draws)) < 5 * (variance / Double(Self.sampleCount)).squareRoot())
        let r = exp(-1 / scale)
        #expect(abs(variance - 2 * r / ((1 - r) * (1 - r))) < 1e-9 * variance)
        #expect(abs(GoodnessOfFit.variance(draws) / variance - 1) < 0.03)
    }

    @Test("discrete Gaussian fits exact pmf", arguments: [(UInt64(1), UInt64(1)), (9, 2), (400, 1)])
    func discreteGaussianChiSquare(numerator: UInt64, denominator: UInt64) {
        var generator = SeededRandomSource(seed: 77)
        let draws = (0..<Self.sampleCount).map { _ in
            ExactSampler.discreteGaussian(varianceNumerator: numerator, varianceDenominator: denominator, using: &generator)
        }
        let sigmaSquared = Double(numerator) / Double(denominator)
        let pmf = ExactPMF.discreteGaussian(variance: sigmaSquared)
        let fit = GoodnessOfFit.chiSquare(draws: draws, pmf: pmf, range: Int64(6 * sigmaSquared.squareRoot()) + 2)
        // Threshold: the chi-square quantile at upper-tail probability 0.001.
        #expect(fit.statistic < GoodnessOfFit.criticalValueAtOneInAThousand(degreesOfFreedom: fit.degreesOfFreedom))

        let variance = ExactPMF.variance(pmf, limit: Int64(60 * sigmaSquared.squareRoot()) + 10)
        #expect(abs(GoodnessOfFit.mean(draws)) < 5 * (variance / Double(Self.sampleCount)).squareRoot())
        // The discrete Gaussian's variance is at most sigma^2 (Canonne, Kamath and Steinke 2020).
        #expect(variance <= sigmaSquared * (1 + 1e-12))
        #expect(abs(GoodnessOfFit.variance(draws) / variance - 1) < 0.03)
    }

    @Test("large discrete Gaussian moments")
    func largeDiscreteGaussianMoments() {
        // sigma = 2^20 grid units, the size a mechanism uses; exact variance equals sigma^2 to 1e-12.
        var generator = SeededRandomSource(seed: 5)
        let sigmaSquared: UInt64 = 1 << 40
        let draws = (0..<20_000).map { _ in ExactSampler.discreteGaussian(varianceNumerator: sigmaSquared, using: &generator) }
        let variance = Double(sigmaSquared)
        #expect(abs(GoodnessOfFit.mean(draws)) < 5 * (variance / 20_000).squareRoot())
        // Tolerance 5 %: the sample variance of 20,000 normal draws has relative standard error 1 %.
        #expect(abs(GoodnessOfFit.variance(draws) / variance - 1) < 0.05)
    }

    @Test("seeded source repeats")
    func seededSourceRepeats() {
        var first = SeededRandomSource(seed: 42)
        var second = SeededRandomSource(seed: 42)
        var other = SeededRandomSource(seed: 43)
        let a = (0..<8).map { _ in first.next() }
        let b = (0..<8).map { _ in second.next() }
        let c = (0..<8).map { _ in other.next() }
        #expect(a == b)
        #expect(a != c)
    }

    @Test("secure source draws distinct words")
    func secureSourceDrawsDistinctWords() throws {
        var generator = try SecureRandomSource()
        // 2,000 words cross the 512-word buffer several times; a repeat among
        // 64-bit uniform words has probability about 1e-13.
        let words = (0..<2_000).map { _ in generator.next() }
        #expect(Set(words).count == words.count)
        let ones = words.reduce(0) { $0 + $1.nonzeroBitCount }
        // Tolerance: 6 standard deviations of a Binomial(128,000, 1/2) count of set bits.
        #expect(abs(Double(ones) - 64_000) < 6 * (128_000.0 / 4).squareRoot())
    }

    static let squareRootInputs: [UInt64] = [0, 1, 2, 3, 4, 15, 16, 17, 1 << 52, (1 << 52) + 1, UInt64.max]

    @Test("integer square root", arguments: squareRootInputs)
    func integerSquareRoot(value: UInt64) {
        let root = ExactSampler.integerSquareRoot(value)
        #expect(UInt128(root) * UInt128(root) <= UInt128(value))
        #expect(UInt128(root + 1) * UInt128(root + 1) > UInt128(value))
    }
}

/// Exact samplers on the integers that use only integer arithmetic and
/// uniform random bits, so no floating-point rounding shapes the noise
/// (Mironov 2012, "On significance of the least significant bits for
/// differential privacy").
///
/// The algorithms are those of Canonne, Kamath and Steinke (2020), "The
/// Discrete Gaussian for Differential Privacy": Algorithm 1 for
/// Bernoulli(exp(-gamma)) with rational gamma, Algorithm 2 for the discrete
/// Laplace and Algorithm 3 for the discrete Gaussian. Rationals are held as
/// `UInt128` numerator and denominator.
public enum ExactSampler {
    /// Largest variance (in grid units squared) accepted by `discreteGaussian`.
    ///
    /// With sigma^2 = n/d <= 2^52 the rejection test's denominator 2 t^2 d n
    /// stays below 2^107, so every product in Algorithm 3 fits in 128 bits
    /// except the squared numerator in a case described at `discreteGaussian`.
    public static let maximumGaussianVariance: UInt64 = 1 << 52

    /// Largest scale (in grid units) accepted by `discreteLaplace`.
    public static let maximumLaplaceScale: UInt64 = 1 << 52

    // MARK: - Bernoulli trials

    /// Draws Bernoulli(numerator / denominator) exactly.
    ///
    /// - Precondition: `0 < denominator` and `numerator <= denominator`.
    public static func bernoulli(
        numerator: UInt128, denominator: UInt128, using generator: inout some NoiseRandomSource
    ) -> Bool {
        precondition(denominator > 0 && numerator <= denominator, "Bernoulli needs 0 <= \(numerator) <= \(denominator)")
        return UInt128.random(in: 0..<denominator, using: &generator) < numerator
    }

    /// Draws Bernoulli(exp(-gamma)) exactly for gamma = numerator / denominator >= 0.
    ///
    /// For gamma > 1 this runs floor(gamma) trials of Bernoulli(exp(-1)) and
    /// one of Bernoulli(exp(-(gamma - floor(gamma)))), because
    /// exp(-gamma) is their product; it stops at the first failure.
    public static func bernoulliExpMinus(
        numerator: UInt128, denominator: UInt128, using generator: inout some NoiseRandomSource
    ) -> Bool {
        precondition(denominator > 0, "Bernoulli(exp(-gamma)) needs a positive denominator")
        var wholePart = numerator / denominator
        while wholePart > 0 {
            guard bernoulliExpMinusAtMostOne(numerator: 1, denominator: 1, using: &generator) else { return false }
            wholePart -= 1
        }
        return bernoulliExpMinusAtMostOne(
            numerator: numerator % denominator, denominator: denominator, using: &generator)
    }

    /// Algorithm 1 of Canonne, Kamath and Steinke (2020) for gamma in [0, 1]:
    /// draw A_k ~ Bernoulli(gamma / k) for k = 1, 2, ... until the first
    /// failure at k = K, and return whether K is odd.
    private static func bernoulliExpMinusAtMostOne(
        numerator: UInt128, denominator: UInt128, using generator: inout some NoiseRandomSource
    ) -> Bool {
        var k: UInt128 = 1
        while true {
            let (scaledDenominator, overflow) = denominator.multipliedReportingOverflow(by: k)
            precondition(!overflow, "Bernoulli(exp(-gamma)) loop overflowed at k = \(k)")
            if !bernoulli(numerator: numerator, denominator: scaledDenominator, using: &generator) {
                break
            }
            k += 1
        }
        return k % 2 == 1
    }

    // MARK: - Discrete Laplace

    /// Draws from the discrete Laplace distribution with scale t/s,
    /// P(x) proportional to exp(-|x| s / t) for integer x.
    ///
    /// Algorithm 2 of Canonne, Kamath and Steinke (2020). A draw whose
    /// intermediate value U + t V would overflow 64 bits is rejected and
    /// redrawn; that needs a geometric V >= 2^64 / t >= 2^12, an event of
    /// probability below exp(-4096), so the output law differs from the
    /// exact one by less than that in total variation.
    ///
    /// - Precondition: `1 <= scaleNumerator <= maximumLaplaceScale` and `scaleDenominator >= 1`.
    public static func discreteLaplace(
        scaleNumerator t: UInt64, scaleDenominator s: UInt64 = 1, using generator: inout some NoiseRandomSource
    ) -> Int64 {
        precondition(t >= 1 && t <= maximumLaplaceScale && s >= 1, "discrete Laplace scale \(t)/\(s) out of range")
        while true {
            // 1) U uniform on {0, ..., t-1}, kept with probability exp(-U/t).
            let u = UInt64.random(in: 0..<t, using: &generator)
            guard bernoulliExpMinus(numerator: UInt128(u), denominator: UInt128(t), using: &generator) else {
                continue
            }

            // 2) V geometric: count successes of Bernoulli(exp(-1)) before the first failure.
            var v: UInt64 = 0
            while bernoulliExpMinus(numerator: 1, denominator: 1, using: &generator) {
                v += 1
            }

            // 3) X = U + t V is geometric with parameter 1 - exp(-1/t); Y = floor(X / s).
            let (tv, overflowProduct) = t.multipliedReportingOverflow(by: v)
            let (x, overflowSum) = u.addingReportingOverflow(tv)
            if overflowProduct || overflowSum { continue }
            let magnitude = x / s

            // 4) A random sign; a negative zero is rejected so that zero is not counted twice.
            let negative = Bool.random(using: &generator)
            if negative && magnitude == 0 { continue }
            guard magnitude <= UInt64(Int64.max) else { continue }
            return negative ? -Int64(magnitude) : Int64(magnitude)
        }
    }

    // MARK: - Discrete Gaussian

    /// Draws from the discrete Gaussian distribution with variance parameter
    /// sigma^2 = n/d, P(x) proportional to exp(-x^2 / (2 sigma^2)) for integer x.
    ///
    /// Algorithm 3 of Canonne, Kamath and Steinke (2020): with
    /// t = floor(sigma) + 1, draw Y from the discrete Laplace of scale t and
    /// accept it with probability exp(-(|Y| - sigma^2/t)^2 / (2 sigma^2)).
    /// The exponent is the rational (|Y| t d - n)^2 / (2 t^2 d n). When its
    /// numerator would exceed 128 bits, the exponent is above 2^128 / 2^107
    /// = 2^21 and the candidate is rejected: the exact acceptance probability
    /// there is below exp(-2^21), so the output law differs from the exact
    /// one by less than that per draw.
    ///
    /// - Precondition: `1 <= n/d` and `n/d <= maximumGaussianVariance`, `n < 2^53`.
    public static func discreteGaussian(
        varianceNumerator n: UInt64, varianceDenominator d: UInt64 = 1, using generator: inout some NoiseRandomSource
    ) -> Int64 {
        precondition(d >= 1 && n >= d && n / d <= maximumGaussianVariance && n < (1 << 53),
                     "discrete Gaussian variance \(n)/\(d) out of range")
        let t = integerSquareRoot(n / d) + 1
        let t128 = UInt128(t)
        let d128 = UInt128(d)
        let n128 = UInt128(n)
        let denominator = 2 * t128 * t128 * d128 * n128

        while true {
            let y = discreteLaplace(scaleNumerator: t, using: &generator)
            let (scaled, overflowScaled) = UInt128(y.magnitude).multipliedReportingOverflow(by: t128 * d128)
            if overflowScaled { continue }
            let difference = scaled > n128 ? scaled - n128 : n128 - scaled
            let (square, overflowSquare) = difference.multipliedReportingOverflow(by: difference)
            if overflowSquare { continue }
            if bernoulliExpMinus(numerator: square, denominator: denominator, using: &generator) {
                return y
            }
        }
    }

    /// Returns floor(sqrt(value)) exactly.
    static func integerSquareRoot(_ value: UInt64) -> UInt64 {
        var root = UInt64(Double(value).squareRoot())
        while root > 0 && root.multipliedReportingOverflow(by: root).overflow { root -= 1 }
        while root * root > value { root -= 1 }
        while true {
            let next = root + 1
            let (square, overflow) = next.multipliedReportingOverflow(by: next)
            if overflow || square > value { break }
            root = next
        }
        return root
    }
}

import Foundation

/// Numerically stable logistic and log-sum-exp functions used by the survival losses.
///
/// Each function avoids `exp` of a large positive argument, so it returns a
/// finite result for any finite input (and the limits for infinite input).
public enum StableMath {
    /// The logistic function.
    ///
    /// ```
    /// sigmoid(x) = 1 / (1 + exp(-x))        for x >= 0
    ///            = exp(x) / (1 + exp(x))    for x < 0
    /// ```
    public static func sigmoid(_ x: Double) -> Double {
        if x >= 0 {
            return 1 / (1 + exp(-x))
        }
        let e = exp(x)
        return e / (1 + e)
    }

    /// The logarithm of the logistic function, `log sigmoid(x) = -log(1 + exp(-x))`.
    ///
    /// Written as `min(x, 0) - log1p(exp(-|x|))`, which is exact to rounding
    /// for large `|x|`: `logSigmoid(-800) = -800`, `logSigmoid(800) = -0`.
    /// `log(1 - sigmoid(x))` is `logSigmoid(-x)`.
    public static func logSigmoid(_ x: Double) -> Double {
        min(x, 0) - log1p(exp(-abs(x)))
    }

    /// `log(exp(a) + exp(b))` without overflow; `-infinity` acts as the identity.
    public static func logAddExp(_ a: Double, _ b: Double) -> Double {
        let high = max(a, b)
        if high == -.infinity { return -.infinity }
        return high + log1p(exp(min(a, b) - high))
    }

    /// `log(sum_i exp(x_i))` by shifting with the maximum; `-infinity` for an empty array.
    public static func logSumExp(_ values: [Double]) -> Double {
        guard let high = values.max(), high > -.infinity else { return -.infinity }
        if high == .infinity { return .infinity }
        var sum = 0.0
        for value in values { sum += exp(value - high) }
        return high + log(sum)
    }
}

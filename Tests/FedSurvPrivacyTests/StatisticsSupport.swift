import Foundation

/// Goodness-of-fit helpers for the sampler tests.
enum GoodnessOfFit {
    /// Returns Pearson's chi-square statistic and its degrees of freedom for
    /// integer draws against an exact pmf.
    ///
    /// Values in [-range, range] get a bin each, and values beyond go to two
    /// tail bins that split the remaining probability by symmetry. Bins are
    /// merged from both ends inward until each expects at least 5 draws.
    static func chiSquare(draws: [Int64], pmf: (Int64) -> Double, range: Int64) -> (statistic: Double, degreesOfFreedom: Int) {
        let total = Double(draws.count)
        var counts = [Int64: Int]()
        for draw in draws { counts[max(-range - 1, min(range + 1, draw)), default: 0] += 1 }

        var bins: [(observed: Double, expected: Double)] = []
        var inside = 0.0
        for value in -range...range {
            let probability = pmf(value)
            inside += probability
            bins.append((Double(counts[value] ?? 0), probability * total))
        }
        let tailProbability = max(0, 1 - inside) / 2
        bins.insert((Double(counts[-range - 1] ?? 0), tailProbability * total), at: 0)
        bins.append((Double(counts[range + 1] ?? 0), tailProbability * total))

        // Merge small bins from both ends inward.
        var merged: [(observed: Double, expected: Double)] = []
        var pending = (observed: 0.0, expected: 0.0)
        let middle = bins.count / 2
        for bin in bins[..<middle] {
            pending = (pending.observed + bin.observed, pending.expected + bin.expected)
            if pending.expected >= 5 { merged.append(pending); pending = (0, 0) }
        }
        var right: [(observed: Double, expected: Double)] = []
        var pendingRight = (observed: 0.0, expected: 0.0)
        for bin in bins[middle...].reversed() {
            pendingRight = (pendingRight.observed + bin.observed, pendingRight.expected + bin.expected)
            if pendingRight.expected >= 5 { right.append(pendingRight); pendingRight = (0, 0) }
        }
        let centre = (pending.observed + pendingRight.observed, pending.expected + pendingRight.expected)
        var all = merged
        if centre.1 > 0 {
            if var last = right.popLast() {
                last = (last.observed + centre.0, last.expected + centre.1)
                right.append(last)
            } else {
                all.append(centre)
            }
        }
        all += right.reversed()

        let statistic = all.reduce(0.0) { sum, bin in
            sum + (bin.observed - bin.expected) * (bin.observed - bin.expected) / bin.expected
        }
        return (statistic, all.count - 1)
    }

    /// Returns the chi-square critical value at upper-tail probability 0.001,
    /// by the Wilson-Hilferty approximation with z = 3.0902.
    static func criticalValueAtOneInAThousand(degreesOfFreedom k: Int) -> Double {
        let df = Double(k)
        let z = 3.0902
        let term = 1 - 2 / (9 * df) + z * (2 / (9 * df)).squareRoot()
        return df * term * term * term
    }

    static func mean(_ draws: [Int64]) -> Double {
        draws.reduce(0.0) { $0 + Double($1) } / Double(draws.count)
    }

    static func variance(_ draws: [Int64]) -> Double {
        let m = mean(draws)
        return draws.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(draws.count - 1)
    }
}

/// Exact pmfs of the discrete distributions under test.
enum ExactPMF {
    /// Discrete Laplace of scale s: (1 - e^(-1/s)) / (1 + e^(-1/s)) e^(-|x|/s).
    static func discreteLaplace(scale: Double) -> (Int64) -> Double {
        let r = exp(-1 / scale)
        return { x in (1 - r) / (1 + r) * pow(r, Double(x.magnitude)) }
    }

    /// Discrete Gaussian of parameter sigma^2, normalised over |x| <= 60 sigma + 10.
    static func discreteGaussian(variance: Double) -> (Int64) -> Double {
        let limit = Int64(60 * variance.squareRoot() + 10)
        let normaliser = (-limit...limit).reduce(0.0) { $0 + exp(-Double($1 * $1) / (2 * variance)) }
        return { x in exp(-Double(x * x) / (2 * variance)) / normaliser }
    }

    /// Returns the variance of a symmetric pmf summed over |x| <= limit.
    static func variance(_ pmf: (Int64) -> Double, limit: Int64) -> Double {
        (-limit...limit).reduce(0.0) { $0 + Double($1 * $1) * pmf($1) }
    }
}

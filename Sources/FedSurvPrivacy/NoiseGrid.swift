/// The power-of-two grid on which noise is added: values are integers
/// times the granularity 2^-k.
///
/// Rounding a real query to the grid and adding integer noise keeps every
/// released value exactly representable, which is what defeats the
/// floating-point attacks of Mironov (2012). A value v on the grid is stored
/// as the integer v * 2^k, which a `Double` represents exactly while
/// |v * 2^k| <= 2^53.
public struct NoiseGrid: Sendable, Hashable {
    /// The exponent k of the granularity 2^-k.
    public let exponent: Int

    /// Largest magnitude, in grid units, of a value this grid accepts.
    public static let maximumUnits: Double = 9_007_199_254_740_992  // 2^53

    /// Creates the grid of granularity 2^-exponent.
    ///
    /// - Throws: `PrivacyError.invalidGranularityExponent` unless 0 <= exponent <= 60.
    public init(exponent: Int) throws(PrivacyError) {
        guard (0...60).contains(exponent) else { throw .invalidGranularityExponent(exponent) }
        self.exponent = exponent
    }

    /// The spacing 2^-k between neighbouring grid points.
    public var granularity: Double { Double(sign: .plus, exponent: -exponent, significand: 1) }

    /// Rounds each value to the nearest grid point (ties to even) and returns it in grid units.
    ///
    /// Each coordinate moves by at most granularity / 2, so the difference of
    /// two rounded vectors can exceed the difference of the originals by one
    /// granularity per coordinate. For d coordinates that is d * granularity
    /// in L1 norm and sqrt(d) * granularity in L2 norm.
    ///
    /// - Throws: `PrivacyError.valueOutOfGridRange` for a NaN, infinite or too large value.
    public func roundToNearest(_ values: [Double]) throws(PrivacyError) -> [Int64] {
        try convert(values, rule: .toNearestOrEven)
    }

    /// Rounds each value toward zero to the grid and returns it in grid units.
    ///
    /// No coordinate grows in magnitude, so the L1 and L2 norms of the vector
    /// do not grow either: a per-example gradient clipped to norm C and then
    /// snapped this way still has norm at most C.
    ///
    /// - Throws: `PrivacyError.valueOutOfGridRange` for a NaN, infinite or too large value.
    public func snapTowardZero(_ values: [Double]) throws(PrivacyError) -> [Int64] {
        try convert(values, rule: .towardZero)
    }

    /// Converts grid units back to real values; exact while |units| <= 2^53.
    public func values(_ units: [Int64]) -> [Double] {
        let step = granularity
        return units.map { Double($0) * step }
    }

    private func convert(_ values: [Double], rule: FloatingPointRoundingRule) throws(PrivacyError) -> [Int64] {
        let scale = Double(sign: .plus, exponent: exponent, significand: 1)
        var units = [Int64]()
        units.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            let scaled = (value * scale).rounded(rule)
            guard scaled.isFinite, abs(scaled) <= Self.maximumUnits else { throw .valueOutOfGridRange(index: index) }
            units.append(Int64(scaled))
        }
        return units
    }
}

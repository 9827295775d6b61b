import Foundation

/// SplitMix64 (Steele, Lea and Flood 2014), used to expand one 64-bit seed
/// into the state of `SeededGenerator`.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A seeded deterministic generator, xoshiro256** (Blackman and Vigna 2018),
/// for weight initialisation, dropout masks and shuffling.
///
/// Equal seeds give equal streams on every platform. It is not
/// cryptographically secure, so it must never draw privacy noise.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, by: 45)
        return result
    }

    /// Returns a uniform `Float` in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Returns a uniform `Float` in [lower, upper).
    public mutating func nextUniform(in lower: Float, _ upper: Float) -> Float {
        lower + (upper - lower) * nextUniform()
    }

    /// Returns a standard normal sample (Box-Muller transform, computed in `Double`).
    public mutating func nextNormal() -> Float {
        // u1 is in (0, 1], so the logarithm is finite.
        let u1 = (Double(next() >> 11) + 1) * 0x1p-53
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Returns a new generator seeded from this one, for an independent stream.
    public mutating func split() -> SeededGenerator {
        SeededGenerator(seed: next())
    }

    private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}

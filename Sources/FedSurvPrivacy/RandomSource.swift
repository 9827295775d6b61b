import COpenSSL

/// A source of uniform random bits for the noise samplers.
///
/// Production code uses `SecureRandomSource`; `SeededRandomSource` exists so
/// that tests can reproduce a sample and must never noise a real release.
public protocol NoiseRandomSource: RandomNumberGenerator {}

/// A cryptographically secure generator backed by OpenSSL's `RAND_bytes`.
///
/// Bytes are drawn in blocks of 4 KiB and handed out 8 at a time. `RAND_bytes`
/// failing after a successful `init` means the operating system's entropy
/// source broke; `next()` then stops the process rather than fall back to
/// weaker randomness.
public struct SecureRandomSource: NoiseRandomSource, Sendable {
    private var buffer: [UInt64]
    private var position: Int

    private static let blockWords = 512

    /// Creates the generator and draws its first block.
    ///
    /// - Throws: `PrivacyError.randomSourceFailed` when OpenSSL cannot produce random bytes.
    public init() throws(PrivacyError) {
        buffer = [UInt64](repeating: 0, count: Self.blockWords)
        position = 0
        guard Self.refill(&buffer) else {
            throw .randomSourceFailed("RAND_bytes returned an error; check that the system entropy source is available")
        }
    }

    public mutating func next() -> UInt64 {
        if position == buffer.count {
            guard Self.refill(&buffer) else {
                fatalError("RAND_bytes failed while drawing noise; refusing to continue with weaker randomness")
            }
            position = 0
        }
        let word = buffer[position]
        position += 1
        return word
    }

    private static func refill(_ buffer: inout [UInt64]) -> Bool {
        buffer.withUnsafeMutableBytes { bytes in
            RAND_bytes(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(bytes.count)) == 1
        }
    }
}

/// A deterministic generator (xoshiro256**, Blackman and Vigna 2018) seeded
/// through SplitMix64. For tests only: its output is predictable.
public struct SeededRandomSource: NoiseRandomSource, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    private func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}

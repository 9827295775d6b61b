import Foundation

/// One row of a privacy-budget ledger: one release of noised values by one site.
///
/// `parameters` is the mechanism's accounting record as canonical JSON (the
/// accountant decides its shape); every epsilon in the entry is re-derived
/// from it, never taken from the caller.
public struct LedgerEntry: Equatable, Sendable, Codable {
    /// Position in the chain, starting at 1 with no gaps.
    public var sequence: Int
    public var site: String
    /// The federated round, or nil for a local training run.
    public var round: Int?
    /// Idempotency key: a second append with the same key and update hash returns this entry.
    public var releaseID: String
    /// UTC time of the append, ISO 8601.
    public var recordedAt: String
    /// `laplace`, `gaussian` or another name the accountant understands.
    public var mechanism: String
    public var parameters: String
    /// Pure epsilon of this release alone (basic composition), or nil for mechanisms without one.
    public var epsilonPure: Double?
    /// Epsilon of this release alone at `delta`, from privacy-loss-distribution accounting.
    public var epsilon: Double
    public var delta: Double
    /// Sum of `epsilonPure` over this site's entries 1...sequence, or nil once any of them has none.
    public var totalEpsilonPure: Double?
    /// Epsilon at `delta` of this site's entries 1...sequence composed together.
    public var totalEpsilon: Double
    /// SHA-256 of the released update's bytes, hexadecimal.
    public var updateSHA256: String
    /// `entryHash` of the previous entry, or 64 zeros for the first.
    public var previousHash: String
    /// SHA-256 of `canonicalText`.
    public var entryHash: String

    public static let genesisHash = String(repeating: "0", count: 64)

    /// Returns the text the entry hash covers: every field but the hash itself, one per line.
    ///
    /// Doubles are written in Swift's shortest round-trip form, so the same
    /// value always yields the same text and a change in any bit changes it.
    public var canonicalText: String {
        let fields: [String] = [
            "fedsurv-ledger-v1",
            String(sequence),
            site,
            round.map(String.init) ?? "-",
            releaseID,
            recordedAt,
            mechanism,
            parameters,
            epsilonPure.map { "\($0)" } ?? "-",
            "\(epsilon)",
            "\(delta)",
            totalEpsilonPure.map { "\($0)" } ?? "-",
            "\(totalEpsilon)",
            updateSHA256,
            previousHash,
        ]
        return fields.joined(separator: "\n")
    }

    public var computedHash: String { SHA256.hex(canonicalText) }
}

/// The epsilon figures of a release, as an accountant derives them from recorded parameters.
public struct ReleaseEpsilon: Equatable, Sendable {
    public var pure: Double?
    public var epsilon: Double

    public init(pure: Double?, epsilon: Double) {
        self.pure = pure
        self.epsilon = epsilon
    }
}

/// What a ledger needs from the privacy accountant.
///
/// The ledger stores parameters as text and asks the accountant for every
/// epsilon, both when it appends and when an auditor verifies, so that no
/// figure in the ledger is trusted as written.
public protocol LedgerAccountant {
    /// Derives the epsilons of one release from its recorded parameters.
    func epsilon(mechanism: String, parameters: String, delta: Double) throws -> ReleaseEpsilon
    /// Derives the epsilon at `delta` of several releases composed, in order.
    func totalEpsilon(of releases: [(mechanism: String, parameters: String)], delta: Double) throws -> Double
}

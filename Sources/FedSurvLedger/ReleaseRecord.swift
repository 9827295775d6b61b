import FedSurvPrivacy
import Foundation

/// The accounting record of one release, stored as a ledger entry's `parameters`.
///
/// A release is `steps` noisy steps, each on a Poisson sample of rate
/// `samplingRate`, in which every group in `groups` is noised once. The JSON
/// form has sorted keys so that the same record always hashes the same:
/// `{"groups":[{"clip":1,"epsilon":0.05,"granularity_exponent":20,"kind":"laplace","name":"mirna.T1"}],
/// "sampling_rate":0.02,"steps":50}`.
public struct ReleaseRecord: Codable, Sendable, Equatable {
    public struct Group: Codable, Sendable, Equatable {
        public var name: String
        public var kind: MechanismKind
        public var clip: Double
        public var epsilon: Double?
        public var noiseMultiplier: Double?
        public var granularityExponent: Int

        enum CodingKeys: String, CodingKey {
            case name, kind, clip, epsilon
            case noiseMultiplier = "noise_multiplier"
            case granularityExponent = "granularity_exponent"
        }

        /// Decodes a group. `kind` may be left out when exactly one of `epsilon` and
        /// `noise_multiplier` is given. `granularity_exponent` defaults to 0,
        /// because accounting does not depend on the grid.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            clip = try container.decode(Double.self, forKey: .clip)
            epsilon = try container.decodeIfPresent(Double.self, forKey: .epsilon)
            noiseMultiplier = try container.decodeIfPresent(Double.self, forKey: .noiseMultiplier)
            granularityExponent = try container.decodeIfPresent(Int.self, forKey: .granularityExponent) ?? 0
            if let kind = try container.decodeIfPresent(MechanismKind.self, forKey: .kind) {
                self.kind = kind
            } else if epsilon != nil, noiseMultiplier == nil {
                kind = .laplace
            } else if noiseMultiplier != nil, epsilon == nil {
                kind = .gaussian
            } else {
                throw DecodingError.dataCorruptedError(
                    forKey: .kind, in: container,
                    debugDescription: "group \(name) needs a kind, or exactly one of epsilon and noise_multiplier")
            }
        }

        public init(name: String, parameters: MechanismParameters) {
            self.name = name
            self.kind = parameters.kind
            self.clip = parameters.clipBound
            self.epsilon = parameters.epsilon
            self.noiseMultiplier = parameters.noiseMultiplier
            self.granularityExponent = parameters.granularityExponent
        }

        /// The group's mechanism; a missing epsilon or multiplier becomes NaN, which `validate()` rejects.
        public var parameters: MechanismParameters {
            var parameters: MechanismParameters =
                switch kind {
                case .laplace:
                    .laplace(clipBound: clip, epsilon: epsilon ?? .nan, granularityExponent: granularityExponent)
                case .gaussian:
                    .gaussian(
                        clipBound: clip, noiseMultiplier: noiseMultiplier ?? .nan,
                        granularityExponent: granularityExponent)
                }
            // Keep a contradictory field so that validation reports it instead of dropping it.
            if kind == .laplace, noiseMultiplier != nil { parameters.noiseMultiplier = noiseMultiplier }
            if kind == .gaussian, epsilon != nil { parameters.epsilon = epsilon }
            return parameters
        }
    }

    public var samplingRate: Double
    public var steps: Int
    public var groups: [Group]

    enum CodingKeys: String, CodingKey {
        case samplingRate = "sampling_rate"
        case steps, groups
    }

    public init(samplingRate: Double, steps: Int, groups: [Group]) {
        self.samplingRate = samplingRate
        self.steps = steps
        self.groups = groups
    }

    /// `laplace` when every group is Laplace, `gaussian` when every group is Gaussian, else `mixed`.
    public var mechanism: String {
        let kinds = Set(groups.map(\.kind))
        if kinds == [.laplace] { return "laplace" }
        if kinds == [.gaussian] { return "gaussian" }
        return "mixed"
    }

    /// Returns the canonical JSON text stored in the ledger.
    public func canonicalJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public static func parse(_ json: String) throws -> ReleaseRecord {
        try JSONDecoder().decode(ReleaseRecord.self, from: Data(json.utf8))
    }
}

/// The ledger's accountant: privacy-loss-distribution accounting for (epsilon, delta)
/// and basic composition for pure epsilon, both from `FedSurvPrivacy`.
///
/// Totals compose the releases' PLDs in order. Each prefix's composition is
/// cached, so verifying a ledger of n entries composes n times, not n²/2.
public final class PLDLedgerAccountant: LedgerAccountant, @unchecked Sendable {
    private var prefixCache: [String: PLDAccountant] = [:]
    private let lock = NSLock()

    public init() {}

    public func epsilon(mechanism: String, parameters: String, delta: Double) throws -> ReleaseEpsilon {
        let record = try ReleaseRecord.parse(parameters)
        guard record.mechanism == mechanism else {
            throw PrivacyError.inconsistentParameters(
                "the entry records mechanism \(mechanism) but its groups are \(record.mechanism); the entry is inconsistent")
        }
        let accountant = try pld(record)
        let pure: Double? =
            record.mechanism == "laplace"
            ? try PureEpsilonAccountant.totalEpsilon(
                groupEpsilons: record.groups.map { $0.epsilon ?? 0 }, samplingRate: record.samplingRate,
                steps: record.steps)
            : nil
        return ReleaseEpsilon(pure: pure, epsilon: try accountant.epsilon(delta: delta))
    }

    public func totalEpsilon(of releases: [(mechanism: String, parameters: String)], delta: Double) throws -> Double {
        guard !releases.isEmpty else { return 0 }
        var key = ""
        var composed: PLDAccountant?
        for release in releases {
            key += SHA256.hex(release.parameters)
            if let cached = cachedPrefix(key) {
                composed = cached
                continue
            }
            let next = try pld(ReleaseRecord.parse(release.parameters))
            let combined = try composed.map { try $0.composed(with: next) } ?? next
            store(combined, for: key)
            composed = combined
        }
        return try composed!.epsilon(delta: delta)
    }

    private func pld(_ record: ReleaseRecord) throws -> PLDAccountant {
        for group in record.groups { try group.parameters.validate() }
        return try PLDAccountant(
            parameters: record.groups.map(\.parameters), samplingRate: record.samplingRate, steps: record.steps)
    }

    private func cachedPrefix(_ key: String) -> PLDAccountant? {
        lock.lock()
        defer { lock.unlock() }
        return prefixCache[key]
    }

    private func store(_ accountant: PLDAccountant, for key: String) {
        lock.lock()
        defer { lock.unlock() }
        prefixCache[key] = accountant
    }
}

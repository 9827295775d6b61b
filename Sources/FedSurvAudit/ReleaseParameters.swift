import Foundation

/// The accounting record of one release, as the `parameters` column stores it.
///
/// ```json
/// {"sampling_rate": 0.02, "steps": 50,
///  "groups": [{"name": "mirna.T1", "clip": 1.0, "epsilon": 0.05},
///             {"name": "rest", "clip": 1.0, "noise_multiplier": 1.1}]}
/// ```
///
/// A Laplace group has `epsilon`, its pure epsilon per step before
/// subsampling; a Gaussian group has `noise_multiplier`, sigma divided by
/// its L2 sensitivity. Keys this type does not know are kept in `otherFields`
/// so that the `entries` command can still show them.
public struct ReleaseParameters: Equatable, Sendable {
    public var samplingRate: Double
    public var steps: Int
    public var groups: [ParameterGroup]
    /// Top-level keys other than the three above, with their JSON text.
    public var otherFields: [(key: String, value: String)]

    public static func == (lhs: ReleaseParameters, rhs: ReleaseParameters) -> Bool {
        lhs.samplingRate == rhs.samplingRate && lhs.steps == rhs.steps && lhs.groups == rhs.groups
            && lhs.otherFields.map(\.key) == rhs.otherFields.map(\.key)
            && lhs.otherFields.map(\.value) == rhs.otherFields.map(\.value)
    }

    /// Parses the JSON text of a `parameters` column.
    ///
    /// - Throws: `ReleaseParametersError` naming the missing or invalid field.
    public init(json text: String) throws(ReleaseParametersError) {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw ReleaseParametersError.invalid("the parameters are not a JSON object")
            }
            object = parsed
        } catch let error as ReleaseParametersError {
            throw error
        } catch {
            throw .invalid("the parameters are not valid JSON")
        }

        guard let rate = Self.number(object["sampling_rate"]), rate > 0, rate <= 1 else {
            throw .invalid("sampling_rate must be a number in (0, 1]")
        }
        guard let steps = Self.number(object["steps"]), steps >= 1, steps == steps.rounded(), steps < 1e12 else {
            throw .invalid("steps must be a whole number of at least 1")
        }
        guard let groupObjects = object["groups"] as? [Any], !groupObjects.isEmpty else {
            throw .invalid("groups must be a non-empty array")
        }
        var groups: [ParameterGroup] = []
        for (index, element) in groupObjects.enumerated() {
            guard let group = element as? [String: Any] else { throw .invalid("groups[\(index)] is not an object") }
            groups.append(try ParameterGroup(group, index: index))
        }

        self.samplingRate = rate
        self.steps = Int(steps)
        self.groups = groups
        self.otherFields = object.keys.sorted()
            .filter { !["sampling_rate", "steps", "groups"].contains($0) }
            .map { key in (key: key, value: Self.jsonText(object[key]!)) }
    }

    /// Each group's share of the per-step privacy cost; the shares sum to 1.
    ///
    /// Laplace groups: share_k = epsilon_k / sum_j epsilon_j, because pure
    /// epsilons of one step add. Gaussian groups: share_k = sigma_k^-2 /
    /// sum_j sigma_j^-2. The privacy loss of a Gaussian group at worst-case
    /// neighbours is N(mu_k^2 / 2, mu_k^2) with mu_k = 1 / sigma_k, and the
    /// losses of independent groups add, so the step's loss is that of one
    /// Gaussian with mu^2 = sum_k mu_k^2. Returns nil when the release mixes
    /// both kinds of group.
    public var groupShares: [Double]? {
        let weights: [Double]
        if groups.allSatisfy({ $0.epsilon != nil }) {
            weights = groups.map { $0.epsilon! }
        } else if groups.allSatisfy({ $0.noiseMultiplier != nil }) {
            weights = groups.map { 1 / ($0.noiseMultiplier! * $0.noiseMultiplier!) }
        } else {
            return nil
        }
        let sum = weights.reduce(0, +)
        guard sum > 0, sum.isFinite else { return nil }
        return weights.map { $0 / sum }
    }

    static func number(_ value: Any?) -> Double? {
        // JSONSerialization gives booleans as NSNumber too; on Linux their class is __NSCFBoolean.
        guard let number = value as? NSNumber, !String(describing: type(of: number)).contains("Boolean") else {
            return nil
        }
        let double = number.doubleValue
        return double.isFinite ? double : nil
    }

    private static func jsonText(_ value: Any) -> String {
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }
}

/// One parameter group of a release: the parameters clipped and noised together.
public struct ParameterGroup: Equatable, Sendable {
    public var name: String
    /// Per-example clip bound: L1 for Laplace, L2 for Gaussian.
    public var clip: Double
    /// Pure epsilon per step before subsampling (Laplace groups).
    public var epsilon: Double?
    /// Sigma divided by the L2 sensitivity (Gaussian groups).
    public var noiseMultiplier: Double?

    public init(name: String, clip: Double, epsilon: Double? = nil, noiseMultiplier: Double? = nil) {
        self.name = name
        self.clip = clip
        self.epsilon = epsilon
        self.noiseMultiplier = noiseMultiplier
    }

    init(_ object: [String: Any], index: Int) throws(ReleaseParametersError) {
        guard let name = object["name"] as? String, !name.isEmpty else {
            throw .invalid("groups[\(index)].name must be a non-empty string")
        }
        guard let clip = ReleaseParameters.number(object["clip"]), clip > 0 else {
            throw .invalid("groups[\(index)] (\(name)): clip must be a number above 0")
        }
        let epsilon = ReleaseParameters.number(object["epsilon"])
        let noiseMultiplier = ReleaseParameters.number(object["noise_multiplier"])
        guard (epsilon == nil) != (noiseMultiplier == nil) else {
            throw .invalid("groups[\(index)] (\(name)): give exactly one of epsilon and noise_multiplier")
        }
        if let epsilon, epsilon <= 0 {
            throw .invalid("groups[\(index)] (\(name)): epsilon must be above 0, got \(epsilon)")
        }
        if let noiseMultiplier, noiseMultiplier <= 0 {
            throw .invalid("groups[\(index)] (\(name)): noise_multiplier must be above 0, got \(noiseMultiplier)")
        }
        self.init(name: name, clip: clip, epsilon: epsilon, noiseMultiplier: noiseMultiplier)
    }
}

/// Parameters that do not follow the documented format.
public enum ReleaseParametersError: Error, CustomStringConvertible, Equatable {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let message): "invalid release parameters: \(message)"
        }
    }
}

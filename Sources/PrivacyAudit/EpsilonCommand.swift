import FedSurvCore
import FedSurvPrivacy
import Foundation

/// `privacy-audit epsilon`: the epsilon of T Poisson-subsampled steps of one
/// Laplace or Gaussian mechanism, by PLD accounting, and for Laplace also
/// the pure epsilon by basic composition.
enum EpsilonCommand {
    static let optionsHelp = """
          --mechanism gaussian|laplace   the noise distribution
          --noise-multiplier S           Gaussian sigma divided by the L2 sensitivity
          --scale B                      Laplace scale divided by the L1 sensitivity (epsilon = 1/B per step)
          --sampling-rate Q              Poisson sampling rate, in (0, 1]
          --steps T                      number of composed steps, at least 1
          --delta D                      target delta, in (0, 1)
          --discretization H             privacy loss grid spacing in nats (default 1e-4)
          --json                         print one JSON object instead of text
        """

    /// The result as printed; field names are the JSON keys.
    struct Report: Codable, Equatable {
        var mechanism: String
        var noiseMultiplier: Double?
        var scale: Double?
        var samplingRate: Double
        var steps: Int
        var delta: Double
        var discretization: Double
        var epsilon: Double
        var pureEpsilon: Double?
    }

    static func run(_ words: [String]) throws {
        var arguments = try Arguments(words, flagNames: ["json"])
        let mechanism = try arguments.required("mechanism")
        let noiseMultiplier = try arguments.double("noise-multiplier")
        let scale = try arguments.double("scale")
        guard let samplingRate = try arguments.double("sampling-rate") else {
            throw UsageError("missing required option --sampling-rate")
        }
        guard let steps = try arguments.int("steps") else { throw UsageError("missing required option --steps") }
        guard let delta = try arguments.double("delta") else { throw UsageError("missing required option --delta") }
        let discretization = try arguments.double("discretization") ?? PLDAccountant.defaultDiscretization
        let json = arguments.flag("json")
        try arguments.rejectUnknown()

        let report = try compute(
            mechanism: mechanism, noiseMultiplier: noiseMultiplier, scale: scale, samplingRate: samplingRate,
            steps: steps, delta: delta, discretization: discretization)
        print(json ? try encode(report) : text(report))
    }

    static func compute(
        mechanism: String, noiseMultiplier: Double?, scale: Double?, samplingRate: Double, steps: Int,
        delta: Double, discretization: Double
    ) throws -> Report {
        // Check delta before the accounting work, which can take seconds.
        guard delta.isFinite, delta > 0, delta < 1 else { throw PrivacyError.invalidDelta(delta) }
        let group: StepGroup
        var pureEpsilon: Double?
        switch mechanism {
        case "gaussian":
            guard let noiseMultiplier else { throw UsageError("--mechanism gaussian needs --noise-multiplier") }
            guard scale == nil else { throw UsageError("--scale applies to --mechanism laplace only") }
            group = .gaussian(noiseMultiplier: noiseMultiplier)
        case "laplace":
            guard let scale else { throw UsageError("--mechanism laplace needs --scale") }
            guard noiseMultiplier == nil else { throw UsageError("--noise-multiplier applies to --mechanism gaussian only") }
            guard scale.isFinite, scale > 0 else { throw PrivacyError.invalidLaplaceScale(scale) }
            group = .laplace(scale: scale)
            pureEpsilon = try PureEpsilonAccountant.totalEpsilon(
                groupEpsilons: [1 / scale], samplingRate: samplingRate, steps: steps)
        default:
            throw UsageError("invalid --mechanism '\(mechanism)': expected gaussian or laplace")
        }
        let accountant = try PLDAccountant(
            groups: [group], samplingRate: samplingRate, steps: steps, discretization: discretization)
        return Report(
            mechanism: mechanism, noiseMultiplier: noiseMultiplier, scale: scale, samplingRate: samplingRate,
            steps: steps, delta: delta, discretization: discretization,
            epsilon: try accountant.epsilon(delta: delta), pureEpsilon: pureEpsilon)
    }

    static func text(_ report: Report) -> String {
        var lines = ["mechanism: \(report.mechanism)"]
        if let multiplier = report.noiseMultiplier { lines.append("noise multiplier: \(multiplier)") }
        if let scale = report.scale { lines.append("scale: \(scale)") }
        lines += [
            "sampling rate: \(report.samplingRate)",
            "steps: \(report.steps)",
            "delta: \(report.delta)",
            "epsilon (PLD, add/remove adjacency): \(report.epsilon)",
        ]
        if let pure = report.pureEpsilon { lines.append("pure epsilon (basic composition): \(pure)") }
        return lines.joined(separator: "\n")
    }

    static func encode(_ report: Report) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    /// Invalid privacy parameters are usage mistakes (exit 64); anything else is a failure.
    static func exitStatus(_ error: any Error) -> ExitStatus {
        error is PrivacyError ? .usage : .failure
    }
}

import Foundation
import Testing

@testable import FedSurvPrivacy

/// Runs the built `privacy-audit` executable and checks its output against the library.
@Suite struct PrivacyAuditCommandTests {
    /// The built products directory: the folder that contains this test target's resource bundle.
    static var productsDirectory: URL {
        Bundle.module.bundleURL.deletingLastPathComponent()
    }

    struct Outcome {
        let status: Int32
        let standardOutput: String
        let standardError: String
    }

    static func run(_ arguments: [String]) throws -> Outcome {
        let executable = productsDirectory.appendingPathComponent("privacy-audit")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self))
    }

    struct Report: Decodable {
        let mechanism: String
        let epsilon: Double
        let pureEpsilon: Double?
        let steps: Int
    }

    @Test("executable is built")
    func executableIsBuilt() {
        let path = Self.productsDirectory.appendingPathComponent("privacy-audit").path
        #expect(FileManager.default.isExecutableFile(atPath: path), "run swift build first; missing \(path)")
    }

    @Test("Gaussian JSON matches library")
    func gaussianJSON() throws {
        let outcome = try Self.run([
            "epsilon", "--mechanism", "gaussian", "--noise-multiplier", "1.1", "--sampling-rate", "0.01",
            "--steps", "200", "--delta", "1e-5", "--json",
        ])
        #expect(outcome.status == 0)
        let report = try JSONDecoder().decode(Report.self, from: Data(outcome.standardOutput.utf8))
        let accountant = try PLDAccountant(groups: [.gaussian(noiseMultiplier: 1.1)], samplingRate: 0.01, steps: 200)
        #expect(report.mechanism == "gaussian")
        #expect(report.steps == 200)
        #expect(report.epsilon == (try accountant.epsilon(delta: 1e-5)))
        #expect(report.pureEpsilon == nil)
    }

    @Test("Laplace text shows both epsilons")
    func laplaceText() throws {
        let outcome = try Self.run([
            "epsilon", "--mechanism", "laplace", "--scale", "2", "--sampling-rate", "0.1", "--steps", "50",
            "--delta", "1e-5",
        ])
        #expect(outcome.status == 0)
        let accountant = try PLDAccountant(groups: [.laplace(scale: 2)], samplingRate: 0.1, steps: 50)
        let pure = try PureEpsilonAccountant.totalEpsilon(groupEpsilons: [0.5], samplingRate: 0.1, steps: 50)
        let lines = outcome.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains("epsilon (PLD, add/remove adjacency): \(try accountant.epsilon(delta: 1e-5))"))
        #expect(lines.contains("pure epsilon (basic composition): \(pure)"))
    }

    @Test("invalid delta exits with usage status")
    func invalidDelta() throws {
        let outcome = try Self.run([
            "epsilon", "--mechanism", "gaussian", "--noise-multiplier", "1", "--sampling-rate", "0.1", "--steps", "10",
            "--delta", "0",
        ])
        #expect(outcome.status == 64)
        #expect(outcome.standardError.contains("invalid delta 0.0"))
    }

    @Test("missing option names it")
    func missingOption() throws {
        let outcome = try Self.run(["epsilon", "--mechanism", "laplace", "--sampling-rate", "0.1", "--steps", "10", "--delta", "1e-5"])
        #expect(outcome.status == 64)
        #expect(outcome.standardError.contains("--mechanism laplace needs --scale"))
    }
}

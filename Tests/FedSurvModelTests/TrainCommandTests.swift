import Foundation
import Testing

/// Runs the built `site-agent` for `train` and `evaluate` on synthetic folders.
/// NOTE: the executable must be built first (`swift build --build-tests`).
@Suite struct TrainCommandTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("site-agent")

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData, as: UTF8.self)
        )
    }

    @Test("train then evaluate another folder")
    func trainAndEvaluate() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary.path),
            "build site-agent first: swift build --build-tests")
        let site = SyntheticCohort.folder(patients: 200, seed: 51)
        let other = SyntheticCohort.folder(patients: 100, seed: 52, prefix: "CC")
        let model = site.file("model.safetensors")
        let folds = site.file("folds.tsv")

        let train = try run([
            "train", "--data", site.path, "--modalities", "clinical,mirna", "--folds", "3", "--epochs", "3",
            "--hidden", "8", "--out", model, "--folds-out", folds,
        ])
        #expect(train.status == 0, "stderr: \(train.error)")
        #expect(train.output.contains("test C-index over 3 folds: "))
        #expect(
            train.output.split(separator: "\n").filter { $0.hasPrefix("fold=") && $0.contains(" test=") }.count == 3)
        #expect(train.output.contains("wrote \(model)"))

        let lines = try String(contentsOfFile: folds, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "patient\tfold")
        #expect(lines.count == 201)
        #expect(Set(lines.dropFirst().map { $0.split(separator: "\t")[1] }) == ["0", "1", "2"])

        let evaluate = try run(["evaluate", "--model", model, "--data", other.path])
        #expect(evaluate.status == 0, "stderr: \(evaluate.error)")
        #expect(evaluate.output.contains("patients=100"))
        #expect(evaluate.output.contains(" c_index="))
        #expect(evaluate.output.contains(" ibs="))
    }

    @Test("evaluate names missing feature")
    func missingFeature() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary.path),
            "build site-agent first: swift build --build-tests")
        let site = SyntheticCohort.folder(patients: 120, seed: 61)
        let incomplete = SyntheticCohort.folder(patients: 40, seed: 62, dropFeature: 1)
        let model = site.file("model.safetensors")
        let train = try run([
            "train", "--data", site.path, "--modalities", "clinical,mirna", "--epochs", "1", "--hidden", "8",
            "--out", model,
        ])
        #expect(train.status == 0, "stderr: \(train.error)")
        let evaluate = try run(["evaluate", "--model", model, "--data", incomplete.path])
        #expect(evaluate.status == 65)
        #expect(
            evaluate.error.contains("feature 'hsa-mir-1' was used when the preprocessing was fitted but is missing"))
    }

    @Test("train without folds or out exits 64")
    func usage() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary.path),
            "build site-agent first: swift build --build-tests")
        let result = try run(["train", "--data", "/tmp", "--modalities", "clinical"])
        #expect(result.status == 64)
        #expect(result.error.contains("train needs --folds K, --out MODEL or both"))
    }
}

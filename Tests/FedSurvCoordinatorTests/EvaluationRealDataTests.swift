import FedSurvData
import FedSurvFederation
import FedSurvModel
import FedSurvNN
import Foundation
import Testing

@testable import FedSurvCoordinator

/// The initial model and the coordinator's C-index on the real TCGA folder named by `FEDSURV_TCGA`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["FEDSURV_TCGA"] != nil, "FEDSURV_TCGA is not set; skipping tests on real TCGA data"))
struct EvaluationRealDataTests {
    @Test("C-index of Cox and discrete models")
    func cIndexFlipsWithRiskSign() throws {
        let data = ProcessInfo.processInfo.environment["FEDSURV_TCGA"]!
        #expect(FileManager.default.fileExists(atPath: data + "/clinical.tsv"), "FEDSURV_TCGA=\(data) has no clinical.tsv")

        // A small model: clinical and miRNA only, so the test stays well under a minute.
        let harness = try FederationHarness()
        var config = harness.config
        config.model.modalities = ["clinical", "mirna"]
        config.model.hiddenSizes = ["mirna": [32]]
        config.model.dimension = 16
        config.model.heads = 2
        config.model.initial = harness.folder + "/initial-real.safetensors"
        // A Cox model: its risk is the output itself, so negating the output layer negates the risk.
        config.model.intervals = 0
        let cohort = try Cohort.load(directory: data)
        let summary = try InitialModel.write(config: config, reference: cohort)
        #expect(summary.patients == 9425)

        let model = try SafeTensors(contentsOf: URL(fileURLWithPath: config.model.initial))
        #expect(model.metadata[FederationMetadataKey.preprocessing] != nil)
        #expect(model.metadata[FederationMetadataKey.modelRound] == "0")

        // Negating the output layer negates every risk exactly, which swaps concordant and
        // discordant pairs and keeps ties: C + C' = 1 up to the rounding of two divisions.
        let evaluator = GlobalModelEvaluator(dataFolder: data, cohort: cohort)
        let original = try evaluator.cIndex(of: model)
        var flipped = model
        for name in ["output.weight", "output.bias"] {
            flipped.tensors[name]!.values = flipped.tensors[name]!.values.map { -$0 }
        }
        let negated = try evaluator.cIndex(of: flipped)
        #expect(abs(original + negated - 1) < 1e-12)
        #expect(original != negated)

        // A discrete-time model carries its breaks. With a zero output layer every patient
        // gets the same curve, so every comparable pair is tied and counts one half: C = 0.5.
        config.model.intervals = 5
        config.model.initial = harness.folder + "/initial-discrete.safetensors"
        try InitialModel.write(config: config, reference: cohort)
        var discrete = try SafeTensors(contentsOf: URL(fileURLWithPath: config.model.initial))
        let breaks = try #require(discrete.metadata[GlobalModelMetadata.discreteBreaks])
        #expect(try JSONDecoder().decode([Double].self, from: Data(breaks.utf8)).count == 6)
        #expect(discrete.tensors["output.bias"]?.shape == [5])
        for name in ["output.weight", "output.bias"] {
            discrete.tensors[name]!.values = discrete.tensors[name]!.values.map { _ in 0 }
        }
        #expect(try evaluator.cIndex(of: discrete) == 0.5)
    }
}

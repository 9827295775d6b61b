import FedSurvData
import FedSurvFederation
import FedSurvNN
import Foundation
import Testing

@testable import FedSurvCoordinator

/// The initial model and the coordinator's C-index on the real TCGA folder named by `FEDSURV_TCGA`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["FEDSURV_TCGA"] != nil, "FEDSURV_TCGA is not set; skipping tests on real TCGA data"))
struct EvaluationRealDataTests {
    @Test("C-index flips with the risk's sign")
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
    }
}

import FedSurvData
import Foundation
import Testing

@testable import FedSurvModel

/// Clinical-only training on the real TCGA folder named by `FEDSURV_TCGA`.
/// Unset: the suite is skipped. Set to a folder without the data: the test fails.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["FEDSURV_TCGA"] != nil,
        "FEDSURV_TCGA is not set; skipping training on real TCGA data"))
struct TrainingRealDataTests {
    @Test("clinical model beats 0.65 on real data")
    func clinicalConcordance() throws {
        let folder = ProcessInfo.processInfo.environment["FEDSURV_TCGA"]!
        let files = try CohortFiles.discover(in: folder)
        let cohort = try Cohort.load(CohortFiles(clinical: files.clinical, omics: [:]))

        // Train on 4 of 5 stratified folds of every second patient, test on the fifth.
        let fold = stratifiedKFold(cohort, k: 5, seed: 1)[0]
        let training = fold.training.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let prepared = try Preprocessing.fitAndApply(cohort: cohort, trainingRows: training, testRows: fold.test)
        var options = TrainingOptions()
        options.maxEpochs = 15
        options.patience = 5
        let result = try Trainer(options: options, logger: quietLogger).train(prepared.train, modalities: [.clinical])
        let evaluation = try SurvivalEvaluation.evaluate(result.predictor, on: prepared.test)
        #expect(evaluation.concordance > 0.65)
        #expect(evaluation.statusAccuracy.accuracy > 0.6)
    }
}

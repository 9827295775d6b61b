import FedSurvCore
import FedSurvData
import FedSurvNN
import Foundation
import Testing

@testable import FedSurvModel

/// Small, fast options for tests: tiny encoders, few epochs.
func quickOptions(loss: SurvivalLossKind = .cox, epochs: Int = 6, seed: UInt64 = 7) -> TrainingOptions {
    var options = TrainingOptions()
    options.loss = loss
    options.maxEpochs = epochs
    options.patience = 3
    options.batchSize = 64
    options.seed = seed
    options.hiddenSizes = [.mrna: [8], .mirna: [8], .cnv: [8]]
    options.dimension = 16
    options.intervalCount = 5
    return options
}

let quietLogger = Logger(label: "test", level: .error)

@Suite struct TrainingTests {
    static func dataset(patients: Int = 240, seed: UInt64 = 11) throws -> SurvivalDataset {
        let cohort = try SyntheticCohort.cohort(patients: patients, seed: seed)
        let preprocessing = try Preprocessing.fit(cohort: cohort, trainingRows: Array(0..<cohort.count))
        return try preprocessing.apply(cohort: cohort, rows: Array(0..<cohort.count))
    }

    @Test("same seed gives same model", arguments: SurvivalLossKind.allCases)
    func determinism(loss: SurvivalLossKind) throws {
        let data = try Self.dataset()
        let trainer = Trainer(options: quickOptions(loss: loss, epochs: 4), logger: quietLogger)
        let first = try trainer.train(data, modalities: [.clinical, .mirna])
        let second = try trainer.train(data, modalities: [.clinical, .mirna])
        #expect(first.history.map(\.loss) == second.history.map(\.loss))
        #expect(first.history.map(\.validationConcordance) == second.history.map(\.validationConcordance))
        #expect(first.predictor.model.stateTensors() == second.predictor.model.stateTensors())

        var other = quickOptions(loss: loss, epochs: 4)
        other.seed = 8
        let third = try Trainer(options: other, logger: quietLogger).train(data, modalities: [.clinical, .mirna])
        #expect(third.history.map(\.loss) != first.history.map(\.loss))
    }

    @Test("early stopping restores best epoch")
    func earlyStopping() throws {
        let data = try Self.dataset()
        let split = try Trainer.innerSplit(data, fraction: 0.15, seed: 3)
        let validation = data.subset(split.validation)
        var options = quickOptions(epochs: 40)
        options.patience = 2
        options.learningRate = 0.01
        let result = try Trainer(options: options, logger: quietLogger).train(
            training: data.subset(split.training), validation: validation, modalities: [.clinical, .mirna])

        // The run stops `patience` epochs after the best one, or at the epoch limit.
        #expect(result.epochsRun == min(result.bestEpoch + 2, 40))
        let best = result.history.map(\.validationConcordance).max()!
        #expect(result.bestValidationConcordance == best)
        #expect(result.history[result.bestEpoch - 1].validationConcordance == best)

        // The returned weights reproduce the best epoch's validation C-index exactly.
        let input = ModelInput(dataset: validation, config: result.predictor.model.config)
        let risks = try result.predictor.riskScores(input)
        let restored = try SurvivalMetrics.harrellConcordance(
            risks: risks, times: validation.time, events: validation.event)
        #expect(restored.index == best)
    }

    @Test("model learns synthetic signal")
    func learnsSignal() throws {
        let data = try Self.dataset(patients: 400)
        let test = try Self.dataset(patients: 300, seed: 12)
        var options = quickOptions(epochs: 30)
        options.patience = 8
        let result = try Trainer(options: options, logger: quietLogger).train(data, modalities: [.clinical, .mirna])
        let evaluation = try SurvivalEvaluation.evaluate(result.predictor, on: test)
        // The true log hazard reaches a C-index near 0.8 on these data; 0.7 leaves room for a short run.
        #expect(evaluation.concordance > 0.7)
        #expect(evaluation.integratedBrierScore < 0.25)
    }

    @Test("invalid options are rejected")
    func invalidOptions() throws {
        var options = TrainingOptions()
        options.patience = 0
        #expect(throws: TrainingError.invalidOption(name: "patience", reason: "must be at least 1, got 0")) {
            try options.validate()
        }
    }
}

@Suite struct CrossValidationTests {
    @Test("preprocessing is fitted per fold")
    func perFoldPreprocessing() throws {
        let cohort = try SyntheticCohort.cohort(patients: 180, seed: 21)
        let validation = CrossValidation(
            folds: 3, seed: 5, trainingOptions: quickOptions(epochs: 2), logger: quietLogger)
        let results = try validation.run(cohort: cohort, modalities: [.clinical, .mirna])
        #expect(results.count == 3)

        let allRows = try Preprocessing.fit(cohort: cohort, trainingRows: Array(0..<cohort.count))
        for result in results {
            // The test rows are disjoint from the training rows the preprocessing was fitted on.
            #expect(Set(result.rows.training).isDisjoint(with: result.rows.test))
            let expected = try Preprocessing.fit(cohort: cohort, trainingRows: result.rows.training)
            #expect(try result.preprocessing.jsonData() == expected.jsonData())
            #expect(try result.preprocessing.jsonData() != allRows.jsonData())
            #expect(result.evaluation.patients == result.rows.test.count)
        }
        let minimums = results.map { $0.preprocessing.omics[.mirna]!.minimums }
        #expect(minimums[0] != minimums[1] || minimums[1] != minimums[2])
    }

    @Test("mean and sample deviation")
    func meanAndDeviation() {
        let (mean, sd) = CrossValidation.meanAndStandardDeviation([0.7, 0.8, 0.9])
        #expect(abs(mean - 0.8) < 1e-12)
        #expect(abs(sd - 0.1) < 1e-12)
    }
}

@Suite struct TrainedModelFileTests {
    @Test("file round trip gives same metrics", arguments: SurvivalLossKind.allCases)
    func roundTrip(loss: SurvivalLossKind) throws {
        let trainingFolder = SyntheticCohort.folder(patients: 200, seed: 31)
        let otherFolder = SyntheticCohort.folder(patients: 120, seed: 32, prefix: "BB")
        let cohort = try Cohort.load(directory: trainingFolder.path)
        let preprocessing = try Preprocessing.fit(cohort: cohort, trainingRows: Array(0..<cohort.count))
        let data = try preprocessing.apply(cohort: cohort, rows: Array(0..<cohort.count))
        let trained = try Trainer(options: quickOptions(loss: loss, epochs: 3), logger: quietLogger).train(
            data, modalities: [.clinical, .mirna])
        let file = TrainedModelFile(predictor: trained.predictor, preprocessing: preprocessing)
        let path = trainingFolder.file("model.safetensors")
        try file.save(to: path)

        let other = try Cohort.load(directory: otherFolder.path)
        let inMemory = try SurvivalEvaluation.evaluate(
            trained.predictor, on: try preprocessing.apply(cohort: other, rows: Array(0..<other.count)))
        let loaded = try TrainedModelFile.load(path: path)
        let fromFile = try SurvivalEvaluation.evaluate(
            loaded.predictor, on: try loaded.prepare(other, directory: otherFolder.path))
        #expect(fromFile == inMemory)
        #expect(loaded.predictor.head == trained.predictor.head)
        #expect(loaded.modalities == [.clinical, .mirna])
    }

    @Test("missing feature is an error")
    func missingFeature() throws {
        let trainingFolder = SyntheticCohort.folder(patients: 150, seed: 41)
        let cohort = try Cohort.load(directory: trainingFolder.path)
        let preprocessing = try Preprocessing.fit(cohort: cohort, trainingRows: Array(0..<cohort.count))
        let data = try preprocessing.apply(cohort: cohort, rows: Array(0..<cohort.count))
        let trained = try Trainer(options: quickOptions(epochs: 1), logger: quietLogger).train(
            data, modalities: [.clinical, .mirna])
        let file = TrainedModelFile(predictor: trained.predictor, preprocessing: preprocessing)

        let incomplete = SyntheticCohort.folder(patients: 50, seed: 42, dropFeature: 2)
        let other = try Cohort.load(directory: incomplete.path)
        #expect(throws: DataError.missingFittedFeature(modality: "mirna", feature: "hsa-mir-2")) {
            try file.prepare(other, directory: incomplete.path)
        }
    }

    @Test("file without metadata is rejected")
    func missingMetadata() throws {
        let data = try TrainingTests.dataset(patients: 100)
        let trained = try Trainer(options: quickOptions(epochs: 1), logger: quietLogger).train(
            data, modalities: [.clinical])
        let bare = trained.predictor.model.stateTensors()
        #expect(
            throws: TrainingError.invalidModelFile(
                source: "bare", reason: "the metadata has no fedsurv.trained_model_version entry")
        ) {
            try TrainedModelFile.load(bare, source: "bare")
        }
    }
}

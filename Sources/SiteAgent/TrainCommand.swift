import FedSurvCore
import FedSurvData
import FedSurvModel
import Foundation

/// Usage of `site-agent train`, for the tool's help text.
let trainUsage = """
      train --data DIR --modalities LIST [--folds K] [--out MODEL] [options]
                             Train the survival model without differential privacy.
                             --modalities: comma-separated clinical, mrna, mirna, cnv.
                             --folds K: K-fold cross-validation (preprocessing fitted on
                             each training fold only); prints each fold's test metrics
                             and the mean and standard deviation of the test C-index.
                             --out MODEL: also train on all patients and write the model
                             file (weights, preprocessing, loss) for `evaluate`.
                             --loss cox|discrete (default cox), --seed N (default 1),
                             --epochs N (maximum, default 100), --patience N (epochs
                             without a better validation C-index, default 10),
                             --max-folds N (run only the first N folds),
                             --folds-out FILE: write `patient<TAB>fold` (0-based test fold).
                             --mrna-variance, --mirna-variance, --cnv-variance X: keep
                             features whose training variance is above X (defaults 7, 0, 0.05).
                             --hidden N: hidden units of each omics encoder (default 64).
                             --lr X (default 0.001), --batch-size N (default 256),
                             --dropout X (default 0.5), --weight-decay X (L2, default 0).
    """

/// `site-agent train`: cross-validates and/or trains a final model, printing progress to standard output.
enum TrainCommand {
    static func run(_ arguments: inout Arguments) throws {
        let directory = try arguments.required("data")
        let modalities = try ModelConfig.Modality.parseList(try arguments.required("modalities"))
        let folds = try arguments.int("folds")
        let maxFolds = try arguments.int("max-folds")
        let output = arguments.string("out")
        let foldsOutput = arguments.string("folds-out")
        var options = TrainingOptions()
        if let loss = arguments.string("loss") {
            guard let kind = SurvivalLossKind(rawValue: loss) else {
                throw UsageError("option --loss must be cox or discrete, got '\(loss)'")
            }
            options.loss = kind
        }
        if let seed = try arguments.int("seed") {
            guard seed >= 0 else { throw UsageError("option --seed must be >= 0, got \(seed)") }
            options.seed = UInt64(seed)
        }
        options.maxEpochs = try arguments.int("epochs") ?? options.maxEpochs
        options.patience = try arguments.int("patience") ?? options.patience
        if let hidden = try arguments.int("hidden") {
            guard hidden >= 1 else { throw UsageError("option --hidden must be at least 1, got \(hidden)") }
            options.hiddenSizes = [.mrna: [hidden], .mirna: [hidden], .cnv: [hidden]]
        }
        if let rate = try arguments.double("lr") { options.learningRate = Float(rate) }
        options.batchSize = try arguments.int("batch-size") ?? options.batchSize
        if let dropout = try arguments.double("dropout") {
            guard dropout >= 0, dropout < 1 else {
                throw UsageError("option --dropout must be in [0, 1), got \(dropout)")
            }
            options.dropout = Float(dropout)
        }
        if let decay = try arguments.double("weight-decay") {
            guard decay >= 0 else { throw UsageError("option --weight-decay must be >= 0, got \(decay)") }
            options.weightDecay = Float(decay)
        }
        var omicsOptions = OmicsOptions.defaults
        for modality in Modality.omics {
            if let cut = try arguments.double("\(modality.rawValue)-variance") {
                guard cut >= 0 else {
                    throw UsageError("option --\(modality.rawValue)-variance must be >= 0, got \(cut)")
                }
                omicsOptions[modality]!.varianceThreshold = cut
            }
        }
        try arguments.rejectUnknown()
        guard arguments.positionals.isEmpty else {
            throw UsageError("train takes no positional arguments, got '\(arguments.positionals[0])'")
        }
        guard folds != nil || output != nil else {
            throw UsageError("train needs --folds K, --out MODEL or both")
        }
        if let folds, folds < 2 { throw UsageError("option --folds must be at least 2, got \(folds)") }
        if foldsOutput != nil && folds == nil { throw UsageError("option --folds-out needs --folds K") }
        try options.validate()

        let cohort = try CrossValidation.restrict(
            try Cohort.load(directory: directory), to: modalities, directory: directory)
        let seed = options.seed
        print(
            "train modalities=\(modalities.map(\.rawValue).joined(separator: ",")) loss=\(options.loss.rawValue) patients=\(cohort.count) seed=\(seed)"
        )

        // 1) Cross-validation.
        if let folds {
            let validation = CrossValidation(
                folds: folds, seed: seed, maxFolds: maxFolds, trainingOptions: options, omicsOptions: omicsOptions)
            if let foldsOutput {
                try writeFolds(
                    stratifiedKFold(cohort, k: folds, seed: seed), patients: cohort.patients, to: foldsOutput)
            }
            let results = try validation.run(
                cohort: cohort, modalities: modalities,
                progress: { fold, line in print("fold=\(fold) \(line.line)") },
                onFold: { result in print(result.line) })
            let features = results[0].preprocessing.omics.map {
                "\($0.key.rawValue)_features=\($0.value.featureNames.count)"
            }
            let (mean, sd) = CrossValidation.meanAndStandardDeviation(results.map(\.evaluation.concordance))
            let cTD = CrossValidation.meanAndStandardDeviation(results.map(\.evaluation.timeDependentConcordance))
            let ibs = CrossValidation.meanAndStandardDeviation(results.map(\.evaluation.integratedBrierScore))
            let accuracy = CrossValidation.meanAndStandardDeviation(results.map(\.evaluation.statusAccuracy.accuracy))
            print(
                "cv folds=\(results.count) c_index=\(fixed(mean)) sd=\(fixed(sd)) c_td=\(fixed(cTD.mean))"
                    + " ibs=\(fixed(ibs.mean)) accuracy=\(fixed(accuracy.mean)) \(features.sorted().joined(separator: " "))"
            )
            print("test C-index over \(results.count) folds: \(fixed(mean)) ± \(fixed(sd))")
        }

        // 2) Final model on all patients.
        if let output {
            let preprocessing = try Preprocessing.fit(
                cohort: cohort, trainingRows: Array(0..<cohort.count), options: omicsOptions)
            let dataset = try preprocessing.apply(cohort: cohort, rows: Array(0..<cohort.count))
            let trained = try Trainer(options: options).train(dataset, modalities: modalities) { line in
                print("final \(line.line)")
            }
            try TrainedModelFile(predictor: trained.predictor, preprocessing: preprocessing).save(to: output)
            print(
                "wrote \(output): best_epoch=\(trained.bestEpoch) val_c_index=\(fixed(trained.bestValidationConcordance))"
                    + " parameters=\(trained.predictor.model.parameterCount)")
        }
    }

    static func writeFolds(_ folds: [Fold], patients: [String], to path: String) throws {
        var foldOfRow = [Int](repeating: -1, count: patients.count)
        for (index, fold) in folds.enumerated() {
            for row in fold.test { foldOfRow[row] = index }
        }
        var text = "patient\tfold\n"
        for (row, patient) in patients.enumerated() { text += "\(patient)\t\(foldOfRow[row])\n" }
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw DataError.writeFailed(path: path, reason: error.localizedDescription)
        }
    }
}

func fixed(_ value: Double) -> String { String(format: "%.4f", value) }

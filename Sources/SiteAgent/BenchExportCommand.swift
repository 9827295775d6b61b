import FedSurvCore
import FedSurvData
import FedSurvModel
import FedSurvNN
import Foundation

/// `site-agent bench-export --data DIR --modalities LIST --out FILE`: writes the
/// preprocessed training patients of the first of 5 folds (seed 1) as
/// safetensors, with the model configuration `train` would build, so that
/// `bench/nn-epoch --data FILE` and `bench/torch_epoch.py --data FILE` time
/// epochs on the same real tensors. Not listed in the usage text because only
/// the benchmarks call it.
///
/// Tensors (all F32): `categorical` (n x 4 codes), `age`, `time` (days),
/// `event` (0 or 1), and per omics modality `<m>.features` (n x p) and
/// `<m>.presence`. Metadata: `fedsurv.model_config`.
///
/// With `--model FILE` (a file from `train --out`), it instead writes the
/// first 1,000 patients of the folder preprocessed with the model's saved
/// preprocessing, the model's configuration, and `prediction` (n x outputSize,
/// evaluation mode), so `bench/torch_check_model.py` can compare PyTorch's outputs.
enum BenchExportCommand {
    static func run(_ arguments: inout Arguments) throws {
        let directory = try arguments.required("data")
        let modalities = try ModelConfig.Modality.parseList(arguments.string("modalities") ?? "clinical")
        let output = try arguments.required("out")
        let modelPath = arguments.string("model")
        try arguments.rejectUnknown()

        let dataset: SurvivalDataset
        var config: ModelConfig
        var prediction: Matrix?
        if let modelPath {
            let file = try TrainedModelFile.load(path: modelPath)
            let all = try file.prepare(try Cohort.load(directory: directory), directory: directory)
            dataset = all.subset(Array(0..<min(1000, all.count)))
            config = file.predictor.model.config
            prediction = file.predictor.model.predict(ModelInput(dataset: dataset, config: config))
        } else {
            let cohort = try CrossValidation.restrict(
                try Cohort.load(directory: directory), to: modalities, directory: directory)
            let rows = stratifiedKFold(cohort, k: 5, seed: 1)[0].training
            let preprocessing = try Preprocessing.fit(cohort: cohort, trainingRows: rows)
            dataset = try preprocessing.apply(cohort: cohort, rows: rows)
            let options = TrainingOptions()
            config = try ModelConfig.matching(dataset, modalities: modalities, hiddenSizes: options.hiddenSizes)
            config.dimension = options.dimension
            config.dropout = options.dropout
        }
        let input = ModelInput(dataset: dataset, config: config)

        let n = dataset.count
        var tensors: [String: SafeTensor] = [
            "categorical": SafeTensor(
                shape: [n, ModelConfig.clinicalVariableCount], values: input.categorical.map(Float.init)),
            "age": SafeTensor(shape: [n], values: input.age),
            "time": SafeTensor(shape: [n], values: dataset.time.map(Float.init)),
            "event": SafeTensor(shape: [n], values: dataset.event.map { $0 ? 1 : 0 }),
        ]
        for (modality, batch) in input.omics {
            tensors["\(modality.rawValue).features"] = SafeTensor(
                shape: [n, batch.features.cols], values: batch.features.storage)
            tensors["\(modality.rawValue).presence"] = SafeTensor(shape: [n], values: batch.presence)
        }
        if let prediction {
            tensors["prediction"] = SafeTensor(shape: [n, prediction.cols], values: prediction.storage)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(config), as: UTF8.self)
        try SafeTensors(tensors: tensors, metadata: [BilayerAttentionModel.configMetadataKey: json])
            .write(to: URL(fileURLWithPath: output))
        print(
            "wrote \(output): patients=\(n) \(input.omics.map { "\($0.key.rawValue)=\($0.value.features.cols)" }.sorted().joined(separator: " "))"
        )
    }
}

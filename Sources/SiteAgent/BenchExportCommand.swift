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
enum BenchExportCommand {
    static func run(_ arguments: inout Arguments) throws {
        let directory = try arguments.required("data")
        let modalities = try ModelConfig.Modality.parseList(try arguments.required("modalities"))
        let output = try arguments.required("out")
        try arguments.rejectUnknown()

        let cohort = try CrossValidation.restrict(
            try Cohort.load(directory: directory), to: modalities, directory: directory)
        let rows = stratifiedKFold(cohort, k: 5, seed: 1)[0].training
        let preprocessing = try Preprocessing.fit(cohort: cohort, trainingRows: rows)
        let dataset = try preprocessing.apply(cohort: cohort, rows: rows)
        let options = TrainingOptions()
        var config = try ModelConfig.matching(dataset, modalities: modalities, hiddenSizes: options.hiddenSizes)
        config.dimension = options.dimension
        config.dropout = options.dropout
        let input = ModelInput(dataset: dataset, config: config)

        let n = dataset.count
        var tensors: [String: SafeTensor] = [
            "categorical": SafeTensor(shape: [n, ModelConfig.clinicalVariableCount], values: input.categorical.map(Float.init)),
            "age": SafeTensor(shape: [n], values: input.age),
            "time": SafeTensor(shape: [n], values: dataset.time.map(Float.init)),
            "event": SafeTensor(shape: [n], values: dataset.event.map { $0 ? 1 : 0 }),
        ]
        for (modality, batch) in input.omics {
            tensors["\(modality.rawValue).features"] = SafeTensor(
                shape: [n, batch.features.cols], values: batch.features.storage)
            tensors["\(modality.rawValue).presence"] = SafeTensor(shape: [n], values: batch.presence)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(config), as: UTF8.self)
        try SafeTensors(tensors: tensors, metadata: [BilayerAttentionModel.configMetadataKey: json])
            .write(to: URL(fileURLWithPath: output))
        print("wrote \(output): patients=\(n) \(input.omics.map { "\($0.key.rawValue)=\($0.value.features.cols)" }.sorted().joined(separator: " "))")
    }
}

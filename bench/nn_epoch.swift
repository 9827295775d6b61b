// Times training epochs of the bilayer attention model on synthetic data of
// the sizes of Chen et al. 2026 (1,579 mRNA, 743 miRNA and 2,711 CNV features, batch 256).
// Built and run by bench/nn-epoch, it prints one logfmt line per epoch.

import FedSurvModel
import FedSurvNN
import Foundation

let arguments = CommandLine.arguments
let examples = arguments.count > 1 ? Int(arguments[1]) ?? 8000 : 8000
let epochs = arguments.count > 2 ? Int(arguments[2]) ?? 3 : 3
let normalization = arguments.count > 3 ? ModelConfig.Normalization(rawValue: arguments[3]) ?? .batch : .batch

let config = ModelConfig(
    modalities: [.clinical, .mrna, .mirna, .cnv], clinicalCardinalities: [33, 2, 7, 100],
    mrna: ModelConfig.defaultEncoder(for: .mrna, inputSize: 1579),
    mirna: ModelConfig.defaultEncoder(for: .mirna, inputSize: 743),
    cnv: ModelConfig.defaultEncoder(for: .cnv, inputSize: 2711),
    normalization: normalization)
let model = try BilayerAttentionModel(config: config, seed: 1)

// Synthetic inputs: uniform features, random codes, every modality present.
var generator = SeededGenerator(seed: 2)
var codes: [Int32] = []
for _ in 0..<examples {
    for cardinality in config.clinicalCardinalities { codes.append(Int32(generator.next() % UInt64(cardinality + 1))) }
}
var omics: [ModelConfig.Modality: OmicsBatch] = [:]
for modality in [ModelConfig.Modality.mrna, .mirna, .cnv] {
    let width = config.encoder(for: modality)!.inputSize
    omics[modality] = OmicsBatch(
        features: Matrix(rows: examples, cols: width) { generator.nextUniform() },
        presence: [Float](repeating: 1, count: examples))
}
let input = ModelInput(categorical: codes, age: (0..<examples).map { _ in generator.nextUniform() }, omics: omics)
let optimizer = Adam(parameters: model.parameters)

// The loss gradient is a constant, so the time is the model's alone.
for epoch in 0..<epochs {
    let start = Date()
    let summary = model.trainEpoch(on: input, optimizer: optimizer, generator: &generator) { output, _ in
        (0, Matrix(rows: output.rows, cols: output.cols, repeating: 1 / Float(output.rows)))
    }
    let seconds = Date().timeIntervalSince(start)
    print(
        "bench=nn_epoch normalization=\(normalization.rawValue) examples=\(examples) batches=\(summary.batchCount) "
            + "parameters=\(model.parameterCount) epoch=\(epoch) seconds=\(String(format: "%.3f", seconds))")
}

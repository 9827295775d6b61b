// Times training epochs of the bilayer attention model on synthetic data of
// the sizes of Chen et al. 2026 (1,579 mRNA, 743 miRNA and 2,711 CNV features, batch 256).
// Built and run by bench/nn-epoch, it prints one logfmt line per epoch.
// With `--data FILE [EPOCHS]` it instead trains with the Cox loss on real
// preprocessed tensors written by `site-agent bench-export`, and also prints
// the floating-point operations of the epoch's matrix products.

import FedSurvModel
import FedSurvNN
import Foundation


if CommandLine.arguments.count > 2 && CommandLine.arguments[1] == "--data" {
    try realDataEpochs(path: CommandLine.arguments[2], epochs: CommandLine.arguments.count > 3 ? Int(CommandLine.arguments[3]) ?? 3 : 3)
    exit(0)
}

/// Times epochs of Cox training on tensors from `site-agent bench-export`.
func realDataEpochs(path: String, epochs: Int) throws {
    let file = try SafeTensors(contentsOf: URL(fileURLWithPath: path))
    let config = try JSONDecoder().decode(
        ModelConfig.self, from: Data(file.metadata[BilayerAttentionModel.configMetadataKey]!.utf8))
    let n = file.tensors["age"]!.shape[0]
    var omics: [ModelConfig.Modality: OmicsBatch] = [:]
    for modality in config.modalities where modality != .clinical {
        let features = file.tensors["\(modality.rawValue).features"]!
        omics[modality] = OmicsBatch(
            features: Matrix(rows: n, cols: features.shape[1], storage: features.values),
            presence: file.tensors["\(modality.rawValue).presence"]!.values)
    }
    let input = ModelInput(
        categorical: file.tensors["categorical"]!.values.map { Int32($0) }, age: file.tensors["age"]!.values,
        omics: omics)
    let times = file.tensors["time"]!.values.map(Double.init)
    let events = file.tensors["event"]!.values.map { $0 == 1 }
    let model = try BilayerAttentionModel(config: config, seed: 1)
    let optimizer = Adam(parameters: model.parameters)
    let loss = CoxPartialLikelihoodLoss(ties: .breslow)
    var generator = SeededGenerator(seed: 2)

    // FLOPs of the products: 2 n i o for the forward pass of an i -> o layer,
    // 2 n i o for its weight gradient, and 2 n i o for its input gradient,
    // which the first layer of each omics encoder skips; the attention keys
    // are one (M n x d) x (d x d) product with both gradients.
    var flops = 0.0
    for linear in model.linearLayers {
        let (outputs, inputs) = (Double(linear.outputs), Double(linear.inputs))
        let first = config.modalities.contains { m in linear.weight.name == "encoders.\(m.rawValue).0.weight" }
        flops += Double(n) * inputs * outputs * (first ? 4 : 6)
    }
    let d = Double(config.dimension)
    flops += 6 * Double(config.modalities.count) * Double(n) * d * d

    for epoch in 0..<epochs {
        let start = Date()
        let summary = model.trainEpoch(on: input, optimizer: optimizer, generator: &generator) { output, indices in
            let result = try! loss.evaluate(
                logRisks: output.storage.map(Double.init), times: indices.map { times[$0] },
                events: indices.map { events[$0] })
            return (result.value, Matrix(rows: output.rows, cols: 1, storage: result.gradient.map(Float.init)))
        }
        let seconds = Date().timeIntervalSince(start)
        print(
            "bench=nn_epoch_real examples=\(n) batches=\(summary.batchCount) parameters=\(model.parameterCount) "
                + "epoch=\(epoch) seconds=\(String(format: "%.3f", seconds)) gemm_gflop=\(String(format: "%.2f", flops / 1e9)) "
                + "gflop_per_s=\(String(format: "%.2f", flops / 1e9 / seconds)) loss=\(String(format: "%.4f", summary.meanLoss))")
    }
}

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

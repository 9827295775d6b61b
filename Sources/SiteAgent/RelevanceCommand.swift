import FedSurvCore
import FedSurvData
import FedSurvModel
import FedSurvNN
import Foundation

let relevanceUsage = """
      relevance --model FILE --data DIR [--out-dir DIR] [--top N]
                             Score the inputs and hidden units of the mRNA, miRNA and CNV
                             encoders by layer-wise relevance propagation (epsilon rule) on
                             the patients in DIR, and print per layer the 25th, 50th, 75th
                             and 100th percentile of the units' mean absolute relevance and
                             the N most relevant features (default 10). --out-dir writes
                             relevance.tsv and an SVG heatmap. The scores are computed on
                             local data without noise: they stay at the site.
    """

/// `site-agent relevance`: the per-layer relevance summary of a trained model.
enum RelevanceCommand {
    static func run(_ arguments: inout Arguments) throws {
        let modelPath = try arguments.required("model")
        let directory = try arguments.required("data")
        let outputDirectory = arguments.string("out-dir")
        let top = try arguments.int("top") ?? 10
        try arguments.rejectUnknown()

        let state = try SafeTensors(contentsOf: URL(fileURLWithPath: modelPath))
        let model = try BilayerAttentionModel.load(state, source: modelPath)
        guard let json = state.metadata[GlobalModelMetadata.preprocessing] else {
            throw UsageError("\(modelPath) carries no preprocessing; use a model saved by site-agent train")
        }
        let preprocessing = try Preprocessing.load(jsonData: Data(json.utf8))
        let cohort = try Cohort.load(directory: directory)
        let data = try preprocessing.apply(cohort: cohort, rows: Array(0..<cohort.count))
        let input = ModelInput(dataset: data, config: model.config)

        var rows: [(modality: String, layer: Int, percentiles: [Double])] = []
        var tsv = "modality\tlayer\tunits\tp25\tp50\tp75\tp100\n"
        for modality in model.config.modalities where modality != .clinical {
            guard let batch = input.omics[modality] else { continue }
            let present = batch.presence.indices.filter { batch.presence[$0] > 0 }
            guard !present.isEmpty else { continue }
            let relevance = try model.relevance(of: modality, features: batch.features.gatherRows(present))
            print("\(modality.rawValue): \(present.count) patients with data")
            for (layer, matrix) in relevance.layers.enumerated() {
                let means = (0..<matrix.cols).map { column in
                    (0..<matrix.rows).reduce(0.0) { $0 + Double(abs(matrix[$1, column])) } / Double(matrix.rows)
                }
                let sorted = means.sorted()
                let percentiles = [0.25, 0.5, 0.75, 1.0].map { sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * $0))] }
                rows.append((modality.rawValue, layer, percentiles))
                let name = layer == 0 ? "input features" : "hidden layer \(layer)"
                print(
                    "  \(name) (\(means.count) units): p25 \(format(percentiles[0]))  p50 \(format(percentiles[1]))  "
                        + "p75 \(format(percentiles[2]))  p100 \(format(percentiles[3]))")
                tsv += "\(modality.rawValue)\t\(layer)\t\(means.count)\t"
                    + percentiles.map { format($0) }.joined(separator: "\t") + "\n"
                if layer == 0, let names = data.omics[modality.dataModality]?.featureNames {
                    let best = means.indices.sorted { means[$0] > means[$1] }.prefix(top)
                    print("  top features: " + best.map { "\(names[$0]) (\(format(means[$0])))" }.joined(separator: ", "))
                }
            }
        }
        guard !rows.isEmpty else { throw UsageError("the model has no mRNA, miRNA or CNV encoder to score") }

        if let outputDirectory {
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
            try tsv.write(toFile: "\(outputDirectory)/relevance.tsv", atomically: true, encoding: .utf8)
            try heatmap(rows).write(toFile: "\(outputDirectory)/relevance.svg", atomically: true, encoding: .utf8)
            print("wrote \(outputDirectory)/relevance.tsv and \(outputDirectory)/relevance.svg")
        }
    }

    static func format(_ value: Double) -> String { String(format: "%.3g", value) }

    /// An SVG heatmap: one row per modality and layer, one column per percentile,
    /// colour by log10 of the score scaled over the whole table.
    static func heatmap(_ rows: [(modality: String, layer: Int, percentiles: [Double])]) -> String {
        let cell = (width: 90, height: 28)
        let left = 170
        let top = 40
        let logs = rows.flatMap { $0.percentiles }.map { log10(max($0, 1e-12)) }
        let low = logs.min() ?? 0
        let high = max((logs.max() ?? 1), low + 1e-9)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(left + 4 * cell.width + 20)" \
            height="\(top + rows.count * cell.height + 20)" font-family="sans-serif" font-size="12">
            <text x="\(left)" y="16" font-weight="bold">Mean absolute LRP relevance by layer (log scale)</text>

            """
        for (column, label) in ["p25", "p50", "p75", "p100"].enumerated() {
            svg += "<text x=\"\(left + column * cell.width + 30)\" y=\"34\">\(label)</text>\n"
        }
        for (index, row) in rows.enumerated() {
            let y = top + index * cell.height
            let name = row.layer == 0 ? "\(row.modality) inputs" : "\(row.modality) hidden \(row.layer)"
            svg += "<text x=\"8\" y=\"\(y + 18)\">\(name)</text>\n"
            for (column, value) in row.percentiles.enumerated() {
                let shade = (log10(max(value, 1e-12)) - low) / (high - low)
                let red = Int(255 - 200 * shade)
                let green = Int(255 - 120 * shade)
                svg += "<rect x=\"\(left + column * cell.width)\" y=\"\(y)\" width=\"\(cell.width - 2)\" "
                    + "height=\"\(cell.height - 2)\" fill=\"rgb(\(red),\(green),255)\"/>"
                svg += "<text x=\"\(left + column * cell.width + 8)\" y=\"\(y + 18)\">\(format(value))</text>\n"
            }
        }
        return svg + "</svg>\n"
    }
}

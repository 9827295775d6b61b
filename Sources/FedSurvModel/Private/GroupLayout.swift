import FedSurvLedger
import FedSurvNN

/// Which gradient coordinates each group of a release record covers.
///
/// Group names are `all` (every parameter), `rest` (every parameter but the
/// genomic encoders' first-layer weights) and `<modality>.T<k>` (the columns of
/// that modality's first-layer weight whose input features fall in relevance
/// interval k). Every trainable parameter is in exactly one group.
struct GroupLayout {
    enum Kind {
        case parameters([Parameter])
        case columns(Linear, [Int])
    }

    struct Group {
        var name: String
        var kind: Kind
    }

    var groups: [Group]
    var columnLinears: [Linear]

    init(model: BilayerAttentionModel, record: ReleaseRecord, intervals: [ModelConfig.Modality: [Int]]) throws {
        var firstLayers: [String: Linear] = [:]
        for entry in model.omics {
            if let linear = entry.encoder.network.layers.first as? Linear {
                firstLayers[entry.modality.rawValue] = linear
            }
        }
        let splitWeights = Set(firstLayers.values.map(\.weight.name))
        groups = []
        columnLinears = []
        for recorded in record.groups {
            switch recorded.name {
            case "all":
                groups.append(Group(name: "all", kind: .parameters(model.parameters)))
            case "rest":
                let rest = model.parameters.filter { !splitWeights.contains($0.name) }
                groups.append(Group(name: "rest", kind: .parameters(rest)))
            default:
                let parts = recorded.name.split(separator: ".")
                guard parts.count == 2, let linear = firstLayers[String(parts[0])],
                    let modality = ModelConfig.Modality(rawValue: String(parts[0])),
                    let featureIntervals = intervals[modality],
                    parts[1].hasPrefix("T"), let k = Int(parts[1].dropFirst())
                else {
                    throw ModelError.invalidInput(
                        reason: "release group \(recorded.name) names no parameters of this model")
                }
                let columns = featureIntervals.indices.filter { featureIntervals[$0] == k - 1 }
                groups.append(Group(name: recorded.name, kind: .columns(linear, columns)))
                if !columnLinears.contains(where: { $0 === linear }) { columnLinears.append(linear) }
            }
        }
    }

    /// Returns the group's gradient coordinates in a fixed order.
    func gather(_ group: Group) -> [Double] {
        switch group.kind {
        case .parameters(let parameters):
            var values: [Double] = []
            for parameter in parameters { values += parameter.gradient.storage.map(Double.init) }
            return values
        case .columns(let linear, let columns):
            let gradient = linear.weight.gradient
            var values: [Double] = []
            values.reserveCapacity(gradient.rows * columns.count)
            for row in 0..<gradient.rows {
                for column in columns { values.append(Double(gradient.storage[row * gradient.cols + column])) }
            }
            return values
        }
    }

    /// Writes `values * scale` back in `gather`'s order.
    func scatter(_ group: Group, values: [Double], scale: Float) {
        switch group.kind {
        case .parameters(let parameters):
            var offset = 0
            for parameter in parameters {
                for k in 0..<parameter.gradient.count {
                    parameter.gradient.storage[k] = Float(values[offset + k]) * scale
                }
                offset += parameter.gradient.count
            }
        case .columns(let linear, let columns):
            var offset = 0
            let width = linear.weight.gradient.cols
            for row in 0..<linear.weight.gradient.rows {
                for column in columns {
                    linear.weight.gradient.storage[row * width + column] = Float(values[offset]) * scale
                    offset += 1
                }
            }
        }
    }
}

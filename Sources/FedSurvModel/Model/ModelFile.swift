import FedSurvNN
import Foundation

/// Model files: safetensors with every parameter and buffer under its
/// PyTorch-style name and the `ModelConfig` JSON in the metadata.
extension BilayerAttentionModel {
    /// Metadata key holding the configuration JSON.
    public static let configMetadataKey = "fedsurv.model_config"

    /// Returns all parameters and buffers as safetensors, with the configuration in the metadata.
    ///
    /// PyTorch's BatchNorm1d also has an int64 `num_batches_tracked` buffer,
    /// which this F32-only writer omits. PyTorch 1.13 fills it in, so
    /// `load_state_dict(strict=True)` accepts the file (checked by
    /// `bench/torch_epoch.py --check-names`).
    public func stateTensors() -> SafeTensors {
        var tensors: [String: SafeTensor] = [:]
        for parameter in parameters + buffers {
            tensors[parameter.name] = SafeTensor(shape: parameter.shape, values: parameter.value.storage)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try! encoder.encode(config), as: UTF8.self)
        return SafeTensors(tensors: tensors, metadata: ["format": "pt", Self.configMetadataKey: json])
    }

    /// Replaces all parameters and buffers with the tensors of the same name.
    ///
    /// - Throws: `NNError.missingTensor` or `NNError.shapeMismatch` naming the
    ///   tensor. Nothing is changed when it throws. Extra tensors are ignored.
    public func loadState(_ state: SafeTensors, source: String = "buffer") throws {
        let all = parameters + buffers
        for parameter in all {
            guard let tensor = state.tensors[parameter.name] else {
                throw NNError.missingTensor(source: source, tensor: parameter.name)
            }
            guard tensor.shape == parameter.shape else {
                throw NNError.shapeMismatch(
                    source: source, tensor: parameter.name, expected: parameter.shape, found: tensor.shape)
            }
        }
        for parameter in all {
            parameter.value.storage = state.tensors[parameter.name]!.values
        }
    }

    /// Writes the model file.
    public func save(to url: URL) throws {
        try stateTensors().write(to: url)
    }

    /// Rebuilds a model from its file: configuration from the metadata, then the weights.
    public static func load(from url: URL) throws -> BilayerAttentionModel {
        let state = try SafeTensors(contentsOf: url)
        return try load(state, source: url.path)
    }

    /// Rebuilds a model from decoded safetensors.
    public static func load(_ state: SafeTensors, source: String = "buffer") throws -> BilayerAttentionModel {
        guard let json = state.metadata[configMetadataKey] else {
            throw ModelError.invalidModelFile(source: source, reason: "the metadata has no \(configMetadataKey) entry")
        }
        let config: ModelConfig
        do {
            config = try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
        } catch {
            throw ModelError.invalidModelFile(source: source, reason: "the configuration does not parse (\(error))")
        }
        // The seed only sets the initial weights, which loadState replaces.
        let model = try BilayerAttentionModel(config: config, seed: 0)
        try model.loadState(state, source: source)
        return model
    }
}

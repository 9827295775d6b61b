/// Errors of the model: configurations, inputs and model files.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(field: String, reason: String)
    /// A batch does not match the configuration. `reason` names the field and the sizes, never values.
    case invalidInput(reason: String)
    /// A model file lacks its configuration or the configuration does not parse.
    case invalidModelFile(source: String, reason: String)

    public var description: String {
        switch self {
        case .invalidConfig(let field, let reason):
            "Invalid model configuration: \(field) \(reason). Fix the configuration and retry."
        case .invalidInput(let reason):
            "Invalid model input: \(reason). Check that the data was prepared for this model configuration."
        case .invalidModelFile(let source, let reason):
            "Invalid model file \(source): \(reason). Use a file written by BilayerAttentionModel.save."
        }
    }
}

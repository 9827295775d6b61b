/// Errors of the FedSurvNN module.
public enum NNError: Error, CustomStringConvertible, Equatable {
    /// A safetensors file or buffer is malformed.
    case invalidSafeTensors(source: String, reason: String)
    /// A safetensors tensor has a dtype other than F32.
    case unsupportedDType(source: String, tensor: String, dtype: String)
    /// A tensor the model needs is absent from the file.
    case missingTensor(source: String, tensor: String)
    /// A tensor has a different shape from the model's parameter.
    case shapeMismatch(source: String, tensor: String, expected: [Int], found: [Int])
    /// Reading or writing a file failed.
    case fileFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSafeTensors(let source, let reason):
            "Invalid safetensors data in \(source): \(reason). Re-export the file with a safetensors writer."
        case .unsupportedDType(let source, let tensor, let dtype):
            "Tensor '\(tensor)' in \(source) has dtype \(dtype); only F32 is supported. Convert it to float32 first."
        case .missingTensor(let source, let tensor):
            "Tensor '\(tensor)' is missing from \(source). Check that the file was written for this model configuration."
        case .shapeMismatch(let source, let tensor, let expected, let found):
            "Tensor '\(tensor)' in \(source) has shape \(found), expected \(expected). Check that the file matches the model configuration."
        case .fileFailed(let path, let reason):
            "Could not access \(path): \(reason)."
        }
    }
}

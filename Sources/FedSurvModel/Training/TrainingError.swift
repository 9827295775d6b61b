/// A failure of training, evaluation or a trained-model file.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalidOption(name: String, reason: String)
    case tooFewPatients(purpose: String, count: Int, minimum: Int)
    case noEvents(purpose: String)
    case nonFiniteLoss(epoch: Int)
    case invalidModelFile(source: String, reason: String)
    case missingModality(modality: String, directory: String)

    public var description: String {
        switch self {
        case .invalidOption(let name, let reason):
            "Invalid training option \(name): \(reason)."
        case .tooFewPatients(let purpose, let count, let minimum):
            "The \(purpose) has \(count) patients but needs at least \(minimum); use more data or fewer folds."
        case .noEvents(let purpose):
            "The \(purpose) has no observed death, so no survival model can be fitted or scored; use more patients."
        case .nonFiniteLoss(let epoch):
            "The training loss became NaN or infinite in epoch \(epoch); lower the learning rate and retry."
        case .invalidModelFile(let source, let reason):
            "Invalid trained-model file \(source): \(reason). Use a file written by `site-agent train --out`."
        case .missingModality(let modality, let directory):
            "The model uses \(modality) but \(directory) has no \(modality) file; add it or train without \(modality)."
        }
    }
}

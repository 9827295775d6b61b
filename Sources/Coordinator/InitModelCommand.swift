import FedSurvCoordinator
import FedSurvCore
import Foundation

/// `coordinator init-model --config FILE --reference-data DIR [--force]`.
func runInitModelCommand(_ words: [String]) throws {
    var arguments = try Arguments(words, flagNames: ["force"])
    let path = try arguments.required("config")
    let reference = try arguments.required("reference-data")
    let force = arguments.flag("force")
    try arguments.rejectUnknown()

    let config = try CoordinatorConfig.load(path: path)
    if FileManager.default.fileExists(atPath: config.model.initial), !force {
        throw UsageError(
            "\(config.model.initial) already exists; pass --force to replace it (sites then need the new model)")
    }
    let summary = try InitialModel.write(config: config, referenceData: reference)
    print("wrote the initial global model to \(config.model.initial)")
    print("parameters: \(summary.parameterCount); patients in the reference data: \(summary.patients)")
}

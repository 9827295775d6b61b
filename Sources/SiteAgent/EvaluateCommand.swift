import FedSurvCore
import FedSurvData
import FedSurvModel

/// Usage of `site-agent evaluate`, for the tool's help text.
let evaluateUsage = """
      evaluate --model FILE --data DIR
                             Score a model file written by `train --out` on the patients
                             in DIR with its saved preprocessing: Harrell's C-index,
                             time-dependent C (Antolini), integrated Brier score and
                             survival-status accuracy.
    """

/// `site-agent evaluate --model FILE --data DIR`: prints test metrics of a trained model file.
enum EvaluateCommand {
    static func run(_ arguments: inout Arguments) throws {
        let path = try arguments.required("model")
        let directory = try arguments.required("data")
        try arguments.rejectUnknown()
        guard arguments.positionals.isEmpty else {
            throw UsageError("evaluate takes no positional arguments, got '\(arguments.positionals[0])'")
        }
        let file = try TrainedModelFile.load(path: path)
        let dataset = try file.prepare(try Cohort.load(directory: directory), directory: directory)
        let evaluation = try SurvivalEvaluation.evaluate(file.predictor, on: dataset)
        print(
            "evaluate modalities=\(file.modalities.map(\.rawValue).joined(separator: ",")) loss=\(file.predictor.head.loss.rawValue) \(evaluation.line)"
        )
    }
}

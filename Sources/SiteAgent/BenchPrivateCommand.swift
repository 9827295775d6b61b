import FedSurvCore
import FedSurvData
import FedSurvModel
import FedSurvPrivacy
import Foundation

/// `site-agent bench-private --data DIR [--epsilons 1,3,8] [--epochs N] [--modalities LIST]`:
/// the privacy/utility table of `bench/private-training`. Not listed in the help text.
///
/// Every row uses the same split, model and epochs: no privacy, then for each
/// target epsilon (delta 1e-5) adaptive and uniform allocation with Laplace
/// (L1 clipping) and with Gaussian (L2 clipping). Rows are printed as Markdown.
enum BenchPrivateCommand {
    static func run(_ arguments: inout Arguments) throws {
        let directory = try arguments.required("data")
        let epsilons = (arguments.string("epsilons") ?? "1,3,8").split(separator: ",").compactMap { Double($0) }
        let epochs = try arguments.double("epochs") ?? 5
        let modalities = try ModelConfig.Modality.parseList(arguments.string("modalities") ?? "clinical,mirna,cnv")
        let seed = try arguments.int("seed") ?? 1
        try arguments.rejectUnknown()

        let cohort = try Cohort.load(directory: directory)
        print("| privacy | allocation | target epsilon | epsilon (PLD, delta 1e-5) | pure epsilon | test C-index | accuracy | parameters | seconds |")
        print("|---|---|---|---|---|---|---|---|---|")

        func row(_ mechanism: String, _ allocation: String, _ settings: PrivateExperiment.Settings) throws {
            var random = try SecureRandomSource()
            let started = Date()
            let (result, _) = try PrivateExperiment(settings: settings).run(cohort: cohort, random: &random)
            let seconds = Date().timeIntervalSince(started)
            let target = settings.targetEpsilon.map { String(format: "%g", $0) } ?? "-"
            let epsilon = result.epsilon.isFinite ? String(format: "%.3f", result.epsilon) : "-"
            let pure = result.pureEpsilon.map { String(format: "%.3f", $0) } ?? "-"
            let accuracy = result.testAccuracy.map { String(format: "%.3f", $0) } ?? "-"
            print(
                "| \(mechanism) | \(allocation) | \(target) | \(epsilon) | \(pure) | \(String(format: "%.3f", result.testConcordance)) | \(accuracy) | \(result.parameterCount) | \(String(format: "%.0f", seconds)) |"
            )
            fflush(nil)
        }

        let base = PrivateTrainingPlan(mechanism: .gaussian, allocation: .uniform, samplingRate: 1, steps: 2, noiseMultiplier: 1)
        var baseline = PrivateExperiment.Settings(
            modalities: modalities, plan: base, targetEpsilon: nil, delta: 1e-5, epochs: epochs, seed: UInt64(seed))
        baseline.isPrivate = false
        try row("none", "-", baseline)

        for epsilon in epsilons {
            for mechanism in [MechanismKind.laplace, .gaussian] {
                for allocation in [PrivateTrainingPlan.Allocation.adaptive, .uniform] {
                    let plan = PrivateTrainingPlan(
                        mechanism: mechanism, allocation: allocation, samplingRate: 1, steps: 2,
                        stepEpsilon: mechanism == .laplace ? 1 : nil, noiseMultiplier: mechanism == .gaussian ? 1 : nil,
                        relevanceEpsilon: 0.05 * epsilon)
                    let settings = PrivateExperiment.Settings(
                        modalities: modalities, plan: plan, targetEpsilon: epsilon, delta: 1e-5, epochs: epochs,
                        seed: UInt64(seed))
                    try row(mechanism.rawValue, allocation.rawValue, settings)
                }
            }
        }
    }
}

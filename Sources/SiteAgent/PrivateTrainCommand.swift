import FedSurvCore
import FedSurvData
import FedSurvLedger
import FedSurvModel
import FedSurvPrivacy
import Foundation

let privateTrainUsage = """
      train --dp --data DIR [options]
                             Train under differential privacy and print the test C-index
                             and the epsilon spent. 20% of the patients form a reference
                             part treated as public (preprocessing is fitted there), 20%
                             the test part, 60% the private training part.
        --modalities LIST      comma-separated: clinical, mrna, mirna, cnv (default clinical,mirna,cnv)
        --mechanism M          gaussian (L2 clipping) or laplace (L1 clipping) (default gaussian)
        --allocation A         adaptive (relevance-guided) or uniform (default adaptive)
        --target-epsilon E     calibrate the noise so the whole run spends E at --delta
        --epsilon-per-step E   Laplace: pure epsilon of one step, split across groups
        --noise-multiplier S   Gaussian: effective noise multiplier of one step
        --delta D              delta of the (epsilon, delta) figure (default 1e-5)
        --clip C               per-example clip bound of each group (default 1)
        --batch N              expected Poisson batch size (default 256)
        --epochs N             passes over the training part, in expectation (default 10)
        --learning-rate R      Adam learning rate (default 0.001)
        --ledger FILE          append the releases to this SQLite ledger (created if missing)
        --cap E                refuse the run if the ledger's total would pass E
        --site NAME            site name recorded in the ledger (default local)
        --seed N               seed of the split and the initial weights (default 1)
        --out MODEL            save the trained model (safetensors)
    """

/// `site-agent train --dp`: centralized private training on one site's data.
enum PrivateTrainCommand {
    static func run(_ arguments: inout Arguments) throws {
        _ = arguments.flag("dp")
        let directory = try arguments.required("data")
        let modalities = try ModelConfig.Modality.parseList(arguments.string("modalities") ?? "clinical,mirna,cnv")
        guard let mechanism = MechanismKind(rawValue: arguments.string("mechanism") ?? "gaussian") else {
            throw UsageError("--mechanism must be gaussian or laplace")
        }
        guard let allocation = PrivateTrainingPlan.Allocation(rawValue: arguments.string("allocation") ?? "adaptive")
        else {
            throw UsageError("--allocation must be adaptive or uniform")
        }
        let target = try arguments.double("target-epsilon")
        let stepEpsilon = try arguments.double("epsilon-per-step")
        let noiseMultiplier = try arguments.double("noise-multiplier")
        let delta = try arguments.double("delta") ?? 1e-5
        let clip = try arguments.double("clip") ?? 1
        let batch = try arguments.int("batch") ?? 256
        let epochs = try arguments.double("epochs") ?? 10
        let learningRate = try arguments.double("learning-rate") ?? 0.001
        let ledgerPath = arguments.string("ledger")
        let cap = try arguments.double("cap")
        let site = arguments.string("site") ?? "local"
        let seed = try arguments.int("seed") ?? 1
        let output = arguments.string("out")
        try arguments.rejectUnknown()

        let levels = [target != nil, stepEpsilon != nil, noiseMultiplier != nil].filter { $0 }.count
        guard levels == 1 else {
            throw UsageError("give exactly one of --target-epsilon, --epsilon-per-step (laplace), --noise-multiplier (gaussian)")
        }
        if stepEpsilon != nil, mechanism != .laplace { throw UsageError("--epsilon-per-step is for --mechanism laplace") }
        if noiseMultiplier != nil, mechanism != .gaussian {
            throw UsageError("--noise-multiplier is for --mechanism gaussian")
        }
        if cap != nil, ledgerPath == nil { throw UsageError("--cap needs --ledger, where the spent budget is kept") }
        guard batch > 0, epochs > 0 else { throw UsageError("--batch and --epochs must be positive") }

        let plan = PrivateTrainingPlan(
            mechanism: mechanism, allocation: allocation, clipBound: clip, samplingRate: 1, steps: 2,
            stepEpsilon: stepEpsilon ?? (mechanism == .laplace ? 1 : nil),
            noiseMultiplier: noiseMultiplier ?? (mechanism == .gaussian ? 1 : nil), learningRate: Float(learningRate),
            relevanceEpsilon: target.map { 0.05 * $0 } ?? 0.1)
        let settings = PrivateExperiment.Settings(
            modalities: modalities, plan: plan, targetEpsilon: target, delta: delta, batchSize: batch, epochs: epochs,
            seed: UInt64(seed))

        let cohort = try Cohort.load(directory: directory)
        let ledger = try ledgerPath.map { try Ledger(path: $0, delta: delta, accountant: PLDLedgerAccountant()) }
        var random = try SecureRandomSource()
        let started = Date()
        let (result, model) = try PrivateExperiment(settings: settings).run(
            cohort: cohort, random: &random, ledger: ledger, cap: cap, site: site
        ) { step, steps, loss in
            if step == steps || step % max(1, steps / 20) == 0 {
                let elapsed = Date().timeIntervalSince(started)
                print(String(format: "step %d/%d  batch loss %.4f  elapsed %.1f s", step, steps, loss, elapsed))
            }
        }

        print("")
        print("mechanism \(result.plan.mechanism.rawValue), allocation \(result.plan.allocation.rawValue)")
        print(
            "training patients \(result.trainingPatients), sampling rate \(String(format: "%.4f", result.plan.samplingRate)), steps \(result.plan.steps), parameters \(result.parameterCount)"
        )
        for release in result.releases {
            let groups = release.record.groups.map { group in
                if let epsilon = group.epsilon { return "\(group.name) eps \(String(format: "%.4g", epsilon))" }
                return "\(group.name) sigma \(String(format: "%.4g", group.noiseMultiplier!))"
            }
            print("  release \(release.phase): \(release.record.steps) steps, q \(String(format: "%.4f", release.record.samplingRate)); \(groups.joined(separator: ", "))")
        }
        if let pure = result.pureEpsilon { print(String(format: "epsilon spent (pure, basic composition): %.4f", pure)) }
        print(String(format: "epsilon spent at delta %.0e (PLD accounting): %.4f", delta, result.epsilon))
        print(String(format: "test C-index %.4f", result.testConcordance))
        if let accuracy = result.testAccuracy { print(String(format: "test survival-status accuracy %.4f", accuracy)) }
        if let ledger, let total = try ledger.entries(site: site).last?.totalEpsilon {
            print("ledger \(ledger.database.path): site \(site) has spent \(String(format: "%.4f", total))"
                + (cap.map { " of its cap \($0)" } ?? ""))
        }
        if let output {
            try result.modelFile(model).write(to: URL(fileURLWithPath: output))
            print("saved the model to \(output)")
        }
    }
}

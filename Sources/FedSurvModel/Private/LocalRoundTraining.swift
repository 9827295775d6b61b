import FedSurvData
import FedSurvLedger
import FedSurvNN
import FedSurvPrivacy
import Foundation

/// Metadata keys a global model file carries for federated training.
public enum GlobalModelMetadata {
    /// The fitted `Preprocessing` as JSON; sites apply it and never refit it.
    public static let preprocessing = "fedsurv.preprocessing"
    /// The discrete-time interval breaks in days, as a JSON array.
    public static let discreteBreaks = "fedsurv.discrete_breaks"
}

/// One site's private training for one federated round.
///
/// The site applies the preprocessing shipped in the global model (fitted by
/// the coordinator on data the consortium treats as public), trains
/// `steps` noisy steps from the global weights with one group holding every
/// parameter, and returns the noised delta `local - global`. Only the delta
/// and its release record leave the site; the delta is a function of the
/// noised gradients and the public global weights, so it costs nothing beyond
/// the recorded release.
///
/// NOTE: federated rounds use the uniform allocation; relevance-guided groups
/// need intervals derived from public data or a charged release, which the
/// round protocol does not carry yet.
public final class LocalRoundTraining {
    public let cohort: Cohort
    public let seed: UInt64

    public init(dataDirectory: String, seed: UInt64 = 1) throws {
        cohort = try Cohort.load(directory: dataDirectory)
        self.seed = seed
    }

    /// Returns the release one round makes: `steps` steps at rate `samplingRate`, one group named `all`.
    public static func record(
        mechanism: MechanismKind, clip: Double, stepEpsilon: Double?, noiseMultiplier: Double?, samplingRate: Double,
        steps: Int
    ) -> ReleaseRecord {
        let plan = PrivateTrainingPlan(
            mechanism: mechanism, allocation: .uniform, clipBound: clip, samplingRate: samplingRate, steps: steps,
            stepEpsilon: stepEpsilon, noiseMultiplier: noiseMultiplier)
        var generator = SeededRandomSource(seed: 0)
        let dummy = try! BilayerAttentionModel(
            config: ModelConfig(modalities: [.clinical], clinicalCardinalities: [1, 1, 1, 1], dimension: 4, heads: 1),
            seed: 0)
        return PrivateTrainer<SeededRandomSource>.planReleases(model: dummy, plan: plan, using: &generator)[0].record
    }

    /// Trains one round and returns the noised delta, the release and the number of local patients.
    public func train(
        global: SafeTensors, mechanism: MechanismKind, clip: Double, stepEpsilon: Double?, noiseMultiplier: Double?,
        samplingRate: Double, steps: Int, learningRate: Float, round: Int
    ) throws -> (delta: [String: SafeTensor], record: ReleaseRecord, sampleCount: Int) {
        // 1) Model, preprocessing and breaks from the global file.
        let model = try BilayerAttentionModel.load(global, source: "global model of round \(round)")
        guard let preprocessingJSON = global.metadata[GlobalModelMetadata.preprocessing] else {
            throw ModelError.invalidInput(reason: "the global model carries no preprocessing (\(GlobalModelMetadata.preprocessing))")
        }
        guard let breaksJSON = global.metadata[GlobalModelMetadata.discreteBreaks],
            let breaks = try? JSONDecoder().decode([Double].self, from: Data(breaksJSON.utf8))
        else {
            throw ModelError.invalidInput(
                reason: "the global model carries no discrete-time breaks (\(GlobalModelMetadata.discreteBreaks)); "
                    + "private training needs the per-example discrete-time loss")
        }
        let preprocessing = try Preprocessing.load(jsonData: Data(preprocessingJSON.utf8))
        let data = try preprocessing.apply(cohort: cohort, rows: Array(0..<cohort.count))
        let survival = try DiscreteTimeSurvival(breaks: breaks)
        let before = model.stateTensors()

        // 2) Private steps from the global weights.
        let plan = PrivateTrainingPlan(
            mechanism: mechanism, allocation: .uniform, clipBound: clip, samplingRate: samplingRate, steps: steps,
            stepEpsilon: stepEpsilon, noiseMultiplier: noiseMultiplier, learningRate: learningRate)
        let trainer = try PrivateTrainer(
            model: model, input: ModelInput(dataset: data, config: model.config), times: data.time, events: data.event,
            survival: survival, plan: plan, random: try SecureRandomSource())
        try trainer.run()

        // 3) Delta of every trainable tensor; buffers (none under layer norm) are not sent.
        let after = model.stateTensors()
        var delta: [String: SafeTensor] = [:]
        for parameter in model.parameters {
            guard let old = before.tensors[parameter.name], let new = after.tensors[parameter.name] else { continue }
            delta[parameter.name] = SafeTensor(shape: old.shape, values: zip(new.values, old.values).map { $0 - $1 })
        }
        return (delta, trainer.releases[0].record, data.count)
    }
}

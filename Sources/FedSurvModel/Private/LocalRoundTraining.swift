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
    /// Relevance interval (0 = most relevant) of every input feature per genomic
    /// modality, as a JSON object such as `{"mirna": [0, 2, 1]}`, computed by the
    /// coordinator from the global model on public reference data.
    public static let relevanceIntervals = "fedsurv.relevance_intervals"
}

/// Relevance intervals from public inputs only: the global model and reference data.
public enum PublicRelevance {
    /// Cuts each genomic modality's features into `count` intervals by mean LRP relevance.
    ///
    /// Each patient's absolute input relevance is normalised to sum 1, leaving out
    /// patients without the modality. The per-feature means are cut into
    /// equal-width intervals, and interval 0 contains the highest means. Because
    /// the model and the data are public, the result costs no privacy.
    public static func intervals(
        model: BilayerAttentionModel, reference: ModelInput, count: Int
    ) throws -> [ModelConfig.Modality: [Int]] {
        var result: [ModelConfig.Modality: [Int]] = [:]
        for modality in model.config.modalities where modality != .clinical {
            guard let batch = reference.omics[modality] else { continue }
            let present = batch.presence.indices.filter { batch.presence[$0] > 0 }
            var sums = [Double](repeating: 0, count: batch.features.cols)
            if !present.isEmpty {
                let relevance = try model.relevance(of: modality, features: batch.features.gatherRows(present)).inputs
                for i in 0..<relevance.rows {
                    var total = 0.0
                    for j in 0..<relevance.cols { total += Double(abs(relevance[i, j])) }
                    guard total > 0, total.isFinite else { continue }
                    for j in 0..<relevance.cols { sums[j] += Double(abs(relevance[i, j])) / total }
                }
            }
            result[modality] = PrivateTrainer<SeededRandomSource>.intervals(scores: sums, count: count)
        }
        return result
    }

    /// Encodes intervals as the `relevanceIntervals` metadata value.
    public static func encode(_ intervals: [ModelConfig.Modality: [Int]]) throws -> String {
        let keyed = Dictionary(uniqueKeysWithValues: intervals.map { ($0.key.rawValue, $0.value) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(keyed), as: UTF8.self)
    }

    public static func decode(_ json: String) throws -> [ModelConfig.Modality: [Int]] {
        let keyed = try JSONDecoder().decode([String: [Int]].self, from: Data(json.utf8))
        var result: [ModelConfig.Modality: [Int]] = [:]
        for (name, intervals) in keyed {
            guard let modality = ModelConfig.Modality(rawValue: name) else {
                throw ModelError.invalidInput(reason: "relevance intervals name an unknown modality '\(name)'")
            }
            result[modality] = intervals
        }
        return result
    }
}

/// One site's private training for one federated round.
///
/// The site applies the preprocessing shipped in the global model, which the
/// coordinator fitted on data the consortium treats as public. It trains
/// `steps` noisy steps from the global weights and returns the noised delta
/// `local - global`. Only the delta
/// and its release record leave the site; the delta is a function of the
/// noised gradients and the public global weights, so it costs nothing beyond
/// the recorded release.
///
/// With Gaussian noise, more than one relevance interval and intervals in the
/// global model's metadata, the round uses the relevance-guided groups:
/// `rest` and `<modality>.T<k>`, with weights falling linearly from
/// `relevanceRatio` (T1 and `rest`) to 1 (Tn) and noise multipliers
/// sigma_g = sigma sqrt(sum_h w_h / w_g), so the round's privacy equals the
/// uniform round's. Laplace rounds stay uniform, because splitting a Laplace
/// step changes its (epsilon, delta) figure away from the announced cost.
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

    /// Returns the relevance-guided release of a Gaussian round (see the type's documentation).
    public static func adaptiveRecord(
        genomicModalities: [ModelConfig.Modality], clip: Double, noiseMultiplier: Double, samplingRate: Double,
        steps: Int, intervals: Int, relevanceRatio: Double
    ) -> ReleaseRecord {
        let plan = PrivateTrainingPlan(
            mechanism: .gaussian, allocation: .adaptive, clipBound: clip, samplingRate: samplingRate, steps: steps,
            noiseMultiplier: noiseMultiplier)
        var weights: [(name: String, weight: Double)] = [("rest", relevanceRatio)]
        for modality in genomicModalities {
            for k in 0..<intervals {
                let fraction = intervals == 1 ? 0 : Double(k) / Double(intervals - 1)
                weights.append(("\(modality.rawValue).T\(k + 1)", relevanceRatio - (relevanceRatio - 1) * fraction))
            }
        }
        let groups = BudgetAllocation.mechanisms(weights: weights, plan: plan, granularityExponents: [:]).map {
            group in
            var parameters = group.parameters
            parameters.granularityExponent = BudgetAllocation.granularityExponent(for: parameters)
            return ReleaseRecord.Group(name: group.name, parameters: parameters)
        }
        return ReleaseRecord(samplingRate: samplingRate, steps: steps, groups: groups)
    }

    /// Trains one round and returns the noised delta, the release and the number of local patients.
    public func train(
        global: SafeTensors, mechanism: MechanismKind, clip: Double, stepEpsilon: Double?, noiseMultiplier: Double?,
        samplingRate: Double, steps: Int, learningRate: Float, round: Int, relevanceIntervals: Int = 1,
        relevanceRatio: Double = 1
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
        let input = ModelInput(dataset: data, config: model.config)
        let genomic = model.config.modalities.filter { $0 != .clinical }
        let trainer: PrivateTrainer<SecureRandomSource>
        if mechanism == .gaussian, relevanceIntervals > 1, relevanceRatio > 1, !genomic.isEmpty,
            let json = global.metadata[GlobalModelMetadata.relevanceIntervals]
        {
            let intervals = try PublicRelevance.decode(json)
            for modality in genomic {
                let expected = model.config.encoder(for: modality)?.inputSize ?? 0
                guard let assigned = intervals[modality], assigned.count == expected,
                    assigned.allSatisfy({ (0..<relevanceIntervals).contains($0) })
                else {
                    throw ModelError.invalidInput(
                        reason: "the global model's relevance intervals for \(modality.rawValue) do not give each of "
                            + "its \(expected) features an interval in 0..<\(relevanceIntervals)")
                }
            }
            let record = Self.adaptiveRecord(
                genomicModalities: genomic, clip: clip, noiseMultiplier: noiseMultiplier!, samplingRate: samplingRate,
                steps: steps, intervals: relevanceIntervals, relevanceRatio: relevanceRatio)
            trainer = try PrivateTrainer(
                model: model, input: input, times: data.time, events: data.event, survival: survival, plan: plan,
                release: record, publicIntervals: intervals, random: try SecureRandomSource())
        } else {
            trainer = try PrivateTrainer(
                model: model, input: input, times: data.time, events: data.event, survival: survival, plan: plan,
                random: try SecureRandomSource())
        }
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

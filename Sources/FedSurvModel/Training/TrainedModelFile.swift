import FedSurvData
import FedSurvNN
import Foundation

/// A trained model file: the safetensors written by `BilayerAttentionModel.stateTensors()`
/// plus metadata entries that let `site-agent evaluate` score any data folder.
///
/// | key | value |
/// |---|---|
/// | `fedsurv.model_config` | `ModelConfig` JSON (written by `ModelFile.swift`) |
/// | `fedsurv.trained_model_version` | `1` |
/// | `fedsurv.modalities` | comma-separated, e.g. `clinical,mirna,cnv` |
/// | `fedsurv.preprocessing` | the fitted `Preprocessing` JSON |
/// | `fedsurv.loss` | `cox` or `discrete` |
/// | `fedsurv.discrete_breaks` | JSON array of interval breaks in days (discrete only) |
/// | `fedsurv.breslow_baseline` | JSON `{"eventTimes": [...], "logCumulativeHazard": [...]}` (Cox only) |
/// | `fedsurv.status_horizon_days` | horizon of survival-status accuracy |
///
/// NOTE: the Breslow baseline lists the distinct death times of the training
/// patients, as lifelines and scikit-survival models also store them. A file
/// from non-private training therefore discloses those times and must stay at the site.
public struct TrainedModelFile {
    public static let versionKey = "fedsurv.trained_model_version"
    public static let modalitiesKey = "fedsurv.modalities"
    public static let preprocessingKey = "fedsurv.preprocessing"
    public static let lossKey = "fedsurv.loss"
    public static let breaksKey = "fedsurv.discrete_breaks"
    public static let breslowKey = "fedsurv.breslow_baseline"
    public static let horizonKey = "fedsurv.status_horizon_days"
    public static let version = 1

    public var predictor: SurvivalPredictor
    public var preprocessing: Preprocessing

    public init(predictor: SurvivalPredictor, preprocessing: Preprocessing) {
        self.predictor = predictor
        self.preprocessing = preprocessing
    }

    public var modalities: [ModelConfig.Modality] { predictor.model.config.modalities }

    private struct StoredBreslow: Codable {
        var eventTimes: [Double]
        var logCumulativeHazard: [Double]
    }

    /// Returns the weights and all metadata as safetensors.
    public func stateTensors() throws -> SafeTensors {
        var state = predictor.model.stateTensors()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json<T: Encodable>(_ value: T) throws -> String {
            String(decoding: try encoder.encode(value), as: UTF8.self)
        }

        state.metadata[Self.versionKey] = String(Self.version)
        state.metadata[Self.modalitiesKey] = modalities.map(\.rawValue).joined(separator: ",")
        state.metadata[Self.preprocessingKey] = try json(preprocessing)
        state.metadata[Self.lossKey] = predictor.head.loss.rawValue
        state.metadata[Self.horizonKey] = String(predictor.statusHorizon)
        switch predictor.head {
        case .cox(let baseline):
            state.metadata[Self.breslowKey] = try json(
                StoredBreslow(eventTimes: baseline.eventTimes, logCumulativeHazard: baseline.logCumulativeHazard))
        case .discrete(let discrete):
            state.metadata[Self.breaksKey] = try json(discrete.breaks)
        }
        return state
    }

    /// Writes the file to `path`.
    public func save(to path: String) throws {
        try stateTensors().write(to: URL(fileURLWithPath: path))
    }

    /// Reads a file written by `save(to:)`.
    ///
    /// - Throws: `TrainingError.invalidModelFile` naming the missing or invalid
    ///   entry, and the `NNError` or `ModelError` of the weights.
    public static func load(path: String) throws -> TrainedModelFile {
        let state = try SafeTensors(contentsOf: URL(fileURLWithPath: path))
        return try load(state, source: path)
    }

    /// Rebuilds the trained model from decoded safetensors.
    public static func load(_ state: SafeTensors, source: String) throws -> TrainedModelFile {
        func entry(_ key: String) throws -> String {
            guard let value = state.metadata[key] else {
                throw TrainingError.invalidModelFile(source: source, reason: "the metadata has no \(key) entry")
            }
            return value
        }
        func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
            do {
                return try JSONDecoder().decode(type, from: Data(try entry(key).utf8))
            } catch let error as TrainingError {
                throw error
            } catch {
                throw TrainingError.invalidModelFile(source: source, reason: "the \(key) entry does not parse")
            }
        }

        guard try entry(versionKey) == String(version) else {
            throw TrainingError.invalidModelFile(
                source: source, reason: "version \(try entry(versionKey)) is not the supported version \(version)")
        }
        let model = try BilayerAttentionModel.load(state, source: source)
        let preprocessing = try decode(Preprocessing.self, preprocessingKey)
        guard let horizon = Double(try entry(horizonKey)), horizon.isFinite, horizon >= 0 else {
            throw TrainingError.invalidModelFile(source: source, reason: "\(horizonKey) is not a number of days >= 0")
        }
        let head: SurvivalHead
        switch SurvivalLossKind(rawValue: try entry(lossKey)) {
        case .cox:
            let stored = try decode(StoredBreslow.self, breslowKey)
            guard stored.eventTimes.count == stored.logCumulativeHazard.count else {
                throw TrainingError.invalidModelFile(source: source, reason: "\(breslowKey) arrays differ in length")
            }
            head = .cox(
                BreslowBaselineHazard(eventTimes: stored.eventTimes, logCumulativeHazard: stored.logCumulativeHazard))
        case .discrete:
            let breaks = try decode([Double].self, breaksKey)
            do {
                head = .discrete(try DiscreteTimeSurvival(breaks: breaks))
            } catch {
                throw TrainingError.invalidModelFile(source: source, reason: "\(breaksKey) is invalid (\(error))")
            }
            guard model.config.outputSize == breaks.count - 1 else {
                throw TrainingError.invalidModelFile(
                    source: source, reason: "\(breaks.count - 1) intervals but \(model.config.outputSize) outputs")
            }
        case nil:
            throw TrainingError.invalidModelFile(source: source, reason: "\(lossKey) must be cox or discrete")
        }
        return TrainedModelFile(
            predictor: SurvivalPredictor(model: model, head: head, statusHorizon: horizon), preprocessing: preprocessing
        )
    }

    /// Preprocesses every patient of `cohort` with the saved preprocessing.
    ///
    /// - Throws: `TrainingError.missingModality` when the folder lacks a file
    ///   the model uses, `DataError.missingFittedFeature` when a file lacks a kept feature.
    public func prepare(_ cohort: Cohort, directory: String) throws -> SurvivalDataset {
        let restricted = try CrossValidation.restrict(cohort, to: modalities, directory: directory)
        return try preprocessing.apply(cohort: restricted, rows: Array(0..<restricted.count))
    }
}

extension BreslowBaselineHazard {
    /// Rebuilds a baseline from stored values (increasing event times, their log cumulative hazards).
    init(eventTimes: [Double], logCumulativeHazard: [Double]) {
        self.eventTimes = eventTimes
        self.logCumulativeHazard = logCumulativeHazard
    }
}

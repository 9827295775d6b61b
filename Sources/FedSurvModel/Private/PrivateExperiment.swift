import FedSurvCore
import FedSurvData
import FedSurvLedger
import FedSurvNN
import FedSurvPrivacy
import Foundation

/// A centralized private training run on one cohort, from split to test C-index.
///
/// The cohort is split by stratified 5-fold assignment into a reference part
/// (fold 0), a test part (fold 1) and the private training part (folds 2-4).
/// Preprocessing (feature filters, min-max ranges, categorical levels) and the
/// discrete-time interval breaks are fitted on the reference part only, which
/// the run treats as public: fitting them on the training patients would
/// release information about those patients outside the accounted mechanism.
/// Reference and test patients never enter training.
public struct PrivateExperiment {
    public struct Settings: Sendable {
        public var modalities: [ModelConfig.Modality]
        public var hiddenSizes: [ModelConfig.Modality: [Int]]
        public var dimension: Int
        public var intervalCount: Int
        public var plan: PrivateTrainingPlan
        /// When set, the noise is calibrated so the whole run spends this epsilon at `delta`.
        public var targetEpsilon: Double?
        public var delta: Double
        /// Expected batch size; the sampling rate is this over the number of training patients.
        public var batchSize: Int
        public var epochs: Double
        public var seed: UInt64
        /// False trains the same model on the same split without clipping or noise (the no-privacy baseline).
        public var isPrivate = true

        public init(
            modalities: [ModelConfig.Modality], plan: PrivateTrainingPlan, targetEpsilon: Double?, delta: Double,
            batchSize: Int = 256, epochs: Double = 10, seed: UInt64 = 1,
            hiddenSizes: [ModelConfig.Modality: [Int]] = [.mrna: [32], .mirna: [32], .cnv: [32]],
            dimension: Int = 32, intervalCount: Int = 8
        ) {
            self.modalities = modalities
            self.plan = plan
            self.targetEpsilon = targetEpsilon
            self.delta = delta
            self.batchSize = batchSize
            self.epochs = epochs
            self.seed = seed
            self.hiddenSizes = hiddenSizes
            self.dimension = dimension
            self.intervalCount = intervalCount
        }
    }

    public struct Result: Sendable {
        public var releases: [PlannedRelease]
        /// Epsilon at `delta` of all releases composed (PLD accounting).
        public var epsilon: Double
        /// Pure epsilon by basic composition, for all-Laplace runs.
        public var pureEpsilon: Double?
        public var testConcordance: Double
        public var testAccuracy: Double?
        public var parameterCount: Int
        public var trainingPatients: Int
        public var plan: PrivateTrainingPlan
        /// The preprocessing fitted on the reference part, as JSON.
        public var preprocessingJSON: String
        /// The discrete-time interval breaks in days, fitted on the reference part.
        public var breaks: [Double]

        /// Returns the model's tensors with the preprocessing and breaks in the metadata,
        /// so the file alone is enough to apply the model to another folder.
        public func modelFile(_ model: BilayerAttentionModel) throws -> SafeTensors {
            var state = model.stateTensors()
            state.metadata[GlobalModelMetadata.preprocessing] = preprocessingJSON
            state.metadata[GlobalModelMetadata.discreteBreaks] = String(
                decoding: try JSONEncoder().encode(breaks), as: UTF8.self)
            return state
        }
    }

    public let settings: Settings
    let logger = Logger(label: "fedsurv.private")

    public init(settings: Settings) {
        self.settings = settings
    }

    /// Runs the experiment; `progress` receives (step, steps, loss).
    ///
    /// - Parameters:
    ///   - ledger: when given, the releases are checked against `cap` before any noise is drawn and appended after.
    public func run(
        cohort: Cohort, random: inout some NoiseRandomSource, ledger: Ledger? = nil, cap: Double? = nil,
        site: String = "local", progress: (Int, Int, Double) -> Void = { _, _, _ in }
    ) throws -> (result: Result, model: BilayerAttentionModel) {
        // 1) Split and preprocess from the reference part.
        let folds = stratifiedKFold(cohort, k: 5, seed: settings.seed)
        let reference = folds[0].test
        let test = folds[1].test
        let training = folds[2...].flatMap(\.test).sorted()
        let preprocessing = try Preprocessing.fit(cohort: cohort, trainingRows: reference)
        let referenceData = try preprocessing.apply(cohort: cohort, rows: reference)
        let trainData = try preprocessing.apply(cohort: cohort, rows: training)
        let testData = try preprocessing.apply(cohort: cohort, rows: test)
        let survival = try DiscreteTimeSurvival.quantileBreaks(
            times: referenceData.time, events: referenceData.event, intervalCount: settings.intervalCount)

        // 2) Model and plan.
        var config = try ModelConfig.matching(
            trainData, modalities: settings.modalities, hiddenSizes: settings.hiddenSizes, normalization: .layer,
            outputSize: survival.intervalCount)
        config.dimension = settings.dimension
        config.heads = min(config.heads, settings.dimension)
        try config.validate()
        let model = try BilayerAttentionModel(config: config, seed: settings.seed)
        var plan = settings.plan
        plan.samplingRate = min(1, Double(settings.batchSize) / Double(trainData.count))
        plan.steps = max(2, Int((settings.epochs / plan.samplingRate).rounded()))
        var epsilon: Double
        if let target = settings.targetEpsilon {
            (plan, epsilon) = try NoiseCalibration.calibrate(
                plan: plan, model: model, targetEpsilon: target, delta: settings.delta)
        } else {
            epsilon = .nan
        }

        if !settings.isPrivate {
            return try runWithoutPrivacy(
                model: model, config: config, survival: survival, trainData: trainData, testData: testData,
                referenceData: referenceData, plan: plan,
                preprocessingJSON: String(decoding: try preprocessing.jsonData(), as: UTF8.self))
        }

        // 3) Fix the releases, check the cap, train.
        let trainer = try PrivateTrainer(
            model: model, input: ModelInput(dataset: trainData, config: config), times: trainData.time,
            events: trainData.event, survival: survival, plan: plan, random: random)
        let records = try trainer.releases.map { (mechanism: $0.record.mechanism, parameters: try $0.record.canonicalJSON()) }
        let accountant = PLDLedgerAccountant()
        epsilon = try accountant.totalEpsilon(of: records, delta: settings.delta)
        if let ledger {
            let history = try ledger.entries(site: site).map { (mechanism: $0.mechanism, parameters: $0.parameters) }
            let projected = try accountant.totalEpsilon(of: history + records, delta: ledger.delta)
            if let cap, projected > cap {
                let spent = try ledger.entries(site: site).last?.totalEpsilon ?? 0
                throw LedgerError.capExceeded(site: site, cap: cap, spent: spent, requested: projected)
            }
        }
        logger.info(
            "private training started",
            ["dp.mechanism": plan.mechanism.rawValue, "dp.steps": plan.steps, "dp.sampling_rate": plan.samplingRate])
        try trainer.run(progress: progress)
        random = trainer.random

        // 4) Record the releases and evaluate on the test part.
        if let ledger {
            let digest = SHA256.hex(try model.stateTensors().encoded())
            let runID = UUID().uuidString.lowercased()
            for (release, record) in zip(trainer.releases, records) {
                try ledger.append(
                    site: site, round: nil, releaseID: "\(site)/\(runID)/\(release.phase)", mechanism: record.mechanism,
                    parameters: record.parameters, updateSHA256: digest, cap: cap)
            }
        }
        let pure: Double? =
            trainer.releases.allSatisfy({ $0.record.mechanism == "laplace" })
            ? try trainer.releases.reduce(0) { sum, release in
                sum
                    + (try PureEpsilonAccountant.totalEpsilon(
                        groupEpsilons: release.record.groups.map { $0.epsilon! },
                        samplingRate: release.record.samplingRate, steps: release.record.steps))
            } : nil
        let (concordance, accuracy) = try evaluate(
            model: model, config: config, survival: survival, testData: testData, referenceData: referenceData)
        return (
            Result(
                releases: trainer.releases, epsilon: epsilon, pureEpsilon: pure, testConcordance: concordance,
                testAccuracy: accuracy, parameterCount: model.parameterCount, trainingPatients: trainData.count,
                plan: plan, preprocessingJSON: String(decoding: try preprocessing.jsonData(), as: UTF8.self),
                breaks: survival.breaks),
            model
        )
    }

    /// Test C-index and survival-status accuracy at the reference part's median observed time.
    func evaluate(
        model: BilayerAttentionModel, config: ModelConfig, survival: DiscreteTimeSurvival, testData: SurvivalDataset,
        referenceData: SurvivalDataset
    ) throws -> (concordance: Double, accuracy: Double?) {
        let logits = model.predict(ModelInput(dataset: testData, config: config)).storage.map(Double.init)
        let risks = try survival.riskScores(logits: logits)
        let concordance = try SurvivalMetrics.harrellConcordance(risks: risks, times: testData.time, events: testData.event)
        let horizon = try SurvivalMetrics.medianObservedTime(referenceData.time)
        let curves = try survival.survivalCurves(logits: logits, at: [horizon])
        let accuracy = try? SurvivalMetrics.survivalStatusAccuracy(
            survivalAtHorizon: curves.map { $0[0] }, times: testData.time, events: testData.event, horizon: horizon)
        return (concordance.index, accuracy?.accuracy)
    }

    /// Minibatch Adam on the mean discrete-time loss, same epochs and batch size, no clipping or noise.
    func runWithoutPrivacy(
        model: BilayerAttentionModel, config: ModelConfig, survival: DiscreteTimeSurvival, trainData: SurvivalDataset,
        testData: SurvivalDataset, referenceData: SurvivalDataset, plan: PrivateTrainingPlan, preprocessingJSON: String
    ) throws -> (result: Result, model: BilayerAttentionModel) {
        let input = ModelInput(dataset: trainData, config: config)
        let optimizer = Adam(parameters: model.parameters, learningRate: plan.learningRate)
        var generator = SeededGenerator(seed: settings.seed)
        for _ in 0..<max(1, Int(settings.epochs.rounded())) {
            model.trainEpoch(on: input, batchSize: settings.batchSize, optimizer: optimizer, generator: &generator) {
                output, indices in
                let loss = try! survival.loss(
                    logits: output.storage.map(Double.init), times: indices.map { trainData.time[$0] },
                    events: indices.map { trainData.event[$0] })
                return (loss.value, Matrix(rows: output.rows, cols: output.cols, storage: loss.gradient.map(Float.init)))
            }
        }
        let (concordance, accuracy) = try evaluate(
            model: model, config: config, survival: survival, testData: testData, referenceData: referenceData)
        return (
            Result(
                releases: [], epsilon: .infinity, pureEpsilon: nil, testConcordance: concordance, testAccuracy: accuracy,
                parameterCount: model.parameterCount, trainingPatients: trainData.count, plan: plan,
                preprocessingJSON: preprocessingJSON, breaks: survival.breaks),
            model
        )
    }
}

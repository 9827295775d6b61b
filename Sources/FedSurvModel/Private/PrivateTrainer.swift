import FedSurvCore
import FedSurvLedger
import FedSurvNN
import FedSurvPrivacy
import Foundation

/// One release a private run makes, with the ID suffix its ledger entry gets.
public struct PlannedRelease: Sendable, Equatable {
    /// `warmup`, `relevance` or `adaptive` (a uniform run has only `warmup`, named `steps`).
    public var phase: String
    public var record: ReleaseRecord
}

/// Differentially private training of the bilayer model on one site's data.
///
/// Each step (Abadi et al. 2016, with per-group clipping as in McMahan et al. 2018):
/// 1) Poisson-sample the training patients with rate q;
/// 2) forward, and per-example gradients of the discrete-time loss (a sum of
///    per-example terms, so one patient changes only its own term);
/// 3) per-example gradient norms of each parameter group, from cached layer
///    inputs and output gradients (`BilayerAttentionModel.perExampleGradientNorms`);
/// 4) the clipped sum sum_i min(1, C / ||g_i||) g_i of each group;
/// 5) exact discrete Laplace or Gaussian noise on each group's sum
///    (`NoiseMechanism.release`), so one patient moves each group's sum by at most C;
/// 6) an Adam step on the noised sum divided by q n.
///
/// The guarantee (docs/PRIVACY.md states the theorem) assumes three things.
/// The model uses layer normalisation. The clip is applied with a relative
/// margin of 1e-3, which is assumed to cover Float32 rounding in the norms and
/// sums. The sampling and noise come from `random`, which must be a
/// `SecureRandomSource` outside tests.
public final class PrivateTrainer<Random: NoiseRandomSource> {
    public let model: BilayerAttentionModel
    public let plan: PrivateTrainingPlan
    public let survival: DiscreteTimeSurvival
    public private(set) var random: Random
    /// The releases of the run, fixed before any data is touched.
    public let releases: [PlannedRelease]
    /// Released (noised) relevance scores per genomic modality, after the relevance release.
    public private(set) var releasedRelevance: [ModelConfig.Modality: [Double]] = [:]
    /// Interval index (0 = T1, most relevant) of each input feature, per genomic modality.
    public private(set) var featureIntervals: [ModelConfig.Modality: [Int]] = [:]

    let input: ModelInput
    let times: [Double]
    let events: [Bool]
    let optimizer: Adam
    let logger = Logger(label: "fedsurv.private")
    /// One secure generator per core for drawing noise in parallel; nil with a test generator.
    var noiseSources: [SecureRandomSource]?

    static var clipMargin: Double { 1e-3 }

    /// Prepares a run and fixes its releases.
    ///
    /// - Throws: `PrivateTrainingError` for an invalid plan or a batch-normalised model.
    public convenience init(
        model: BilayerAttentionModel, input: ModelInput, times: [Double], events: [Bool],
        survival: DiscreteTimeSurvival, plan: PrivateTrainingPlan, random: Random
    ) throws {
        try self.init(
            model: model, input: input, times: times, events: events, survival: survival, plan: plan,
            fixedRelease: nil, publicIntervals: [:], random: random)
    }

    /// Prepares a run of one fixed release whose relevance intervals are already
    /// known from public data (a federated round), so no relevance release is made.
    ///
    /// - Throws: `PrivateTrainingError` for an invalid plan or a batch-normalised model.
    public convenience init(
        model: BilayerAttentionModel, input: ModelInput, times: [Double], events: [Bool],
        survival: DiscreteTimeSurvival, plan: PrivateTrainingPlan, release: ReleaseRecord,
        publicIntervals: [ModelConfig.Modality: [Int]], random: Random
    ) throws {
        try self.init(
            model: model, input: input, times: times, events: events, survival: survival, plan: plan,
            fixedRelease: release, publicIntervals: publicIntervals, random: random)
    }

    /// Validates the plan, then takes `fixedRelease` as the run's only release or plans the releases from `plan`.
    private init(
        model: BilayerAttentionModel, input: ModelInput, times: [Double], events: [Bool],
        survival: DiscreteTimeSurvival, plan: PrivateTrainingPlan, fixedRelease: ReleaseRecord?,
        publicIntervals: [ModelConfig.Modality: [Int]], random: Random
    ) throws {
        try plan.validate()
        guard model.config.normalization == .layer || model.config.modalities == [.clinical] else {
            throw PrivateTrainingError.batchNormalization
        }
        self.model = model
        self.plan = plan
        self.survival = survival
        self.input = input
        self.times = times
        self.events = events
        self.optimizer = Adam(parameters: model.parameters, learningRate: plan.learningRate)
        self.featureIntervals = publicIntervals

        var generator = random
        if let fixedRelease {
            self.releases = [PlannedRelease(phase: "round", record: fixedRelease)]
        } else {
            self.releases = Self.planReleases(model: model, plan: plan, using: &generator)
        }
        self.random = generator
        guard releases.allSatisfy({ $0.record.groups.count >= 1 }) else {
            throw PrivateTrainingError.invalidPlan(field: "allocation", reason: "produced a release without groups")
        }

        if random is SecureRandomSource {
            let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
            noiseSources = try (0..<cores).map { _ in try SecureRandomSource() }
        }
    }

    // MARK: - Planning

    static func genomicModalities(_ model: BilayerAttentionModel) -> [ModelConfig.Modality] {
        model.omics.map(\.modality)
    }

    /// Builds the run's release records. Adaptive runs record every interval
    /// group even if relevance later leaves it empty: an empty group releases
    /// nothing, so counting it only overstates the loss.
    static func planReleases(
        model: BilayerAttentionModel, plan: PrivateTrainingPlan, using generator: inout some RandomNumberGenerator
    ) -> [PlannedRelease] {
        func record(_ groups: [(name: String, parameters: MechanismParameters)], rate: Double, steps: Int)
            -> ReleaseRecord
        {
            ReleaseRecord(
                samplingRate: rate, steps: steps,
                groups: groups.map { group in
                    var parameters = group.parameters
                    parameters.granularityExponent = BudgetAllocation.granularityExponent(for: parameters)
                    return ReleaseRecord.Group(name: group.name, parameters: parameters)
                })
        }

        let uniform = BudgetAllocation.mechanisms(
            weights: [("all", 1)], plan: plan, granularityExponents: [:])
        let genomic = genomicModalities(model)
        guard plan.allocation == .adaptive, !genomic.isEmpty else {
            return [PlannedRelease(phase: "steps", record: record(uniform, rate: plan.samplingRate, steps: plan.steps))]
        }

        let intervalWeights = plan.intervalWeights ?? BudgetAllocation.intervalWeights(plan: plan, using: &generator)
        var weights: [(name: String, weight: Double)] = [("rest", plan.epsilonMax)]
        for modality in genomic {
            for (k, weight) in intervalWeights.enumerated() {
                weights.append(("\(modality.rawValue).T\(k + 1)", weight))
            }
        }
        let adaptive = BudgetAllocation.mechanisms(weights: weights, plan: plan, granularityExponents: [:])
        let relevanceGroups = genomic.map { modality in
            (
                name: "relevance.\(modality.rawValue)",
                parameters: MechanismParameters.laplace(
                    clipBound: 1, epsilon: plan.relevanceEpsilon / Double(genomic.count), granularityExponent: 30)
            )
        }
        let warmup = plan.warmupSteps
        return [
            PlannedRelease(phase: "warmup", record: record(uniform, rate: plan.samplingRate, steps: warmup)),
            PlannedRelease(phase: "relevance", record: record(relevanceGroups, rate: 1, steps: 1)),
            PlannedRelease(
                phase: "adaptive", record: record(adaptive, rate: plan.samplingRate, steps: plan.steps - warmup)),
        ]
    }

    // MARK: - Running

    /// Runs every planned release in order and returns the mean loss of the last step.
    ///
    /// - Parameter progress: called after each step with (step, steps, mean loss of the sampled batch).
    @discardableResult
    public func run(progress: (Int, Int, Double) -> Void = { _, _, _ in }) throws -> Double {
        var lastLoss = 0.0
        var stepNumber = 0
        for release in releases {
            switch release.phase {
            case "relevance":
                try releaseRelevance(release.record)
            default:
                let layout = try GroupLayout(model: model, record: release.record, intervals: featureIntervals)
                for _ in 0..<release.record.steps {
                    lastLoss = try step(layout: layout, record: release.record)
                    stepNumber += 1
                    progress(stepNumber, plan.steps, lastLoss)
                }
            }
        }
        return lastLoss
    }

    /// One noisy step; returns the sampled batch's mean loss (0 for an empty sample).
    func step(layout: GroupLayout, record: ReleaseRecord) throws -> Double {
        // 1) Poisson sample.
        var rows: [Int] = []
        for row in 0..<input.count where Double(random.next() >> 11) * 0x1p-53 < record.samplingRate {
            rows.append(row)
        }
        model.zeroGradients()

        // 2-4) Clipped per-group sums, or zeros for an empty sample.
        var meanLoss = 0.0
        if !rows.isEmpty {
            let batch = input.rows(rows)
            let logits = model.forward(batch, training: true)
            let k = survival.intervalCount
            let terms = try survival.exampleLosses(
                logits: logits.storage.map(Double.init), times: rows.map { times[$0] }, events: rows.map { events[$0] })
            var outputGradient = Matrix(rows: rows.count, cols: k)
            for (i, term) in terms.enumerated() {
                meanLoss += term.value / Double(rows.count)
                for j in 0..<k { outputGradient.storage[i * k + j] = Float(term.gradient[j]) }
            }
            model.backward(outputGradient)
            try clip(layout: layout, norm: plan.mechanism == .laplace ? .l1 : .l2)
        }

        // 5) Noise each group's sum, 6) scale by the expected batch size and step.
        let expectedBatch = Float(record.samplingRate * Double(input.count))
        for (group, recorded) in zip(layout.groups, record.groups) {
            let sum = layout.gather(group)
            let noised: [Double]
            if var sources = noiseSources {
                noised = try NoiseMechanism.release(sum: sum, parameters: recorded.parameters, generators: &sources)
                noiseSources = sources
            } else {
                noised = try NoiseMechanism.release(sum: sum, parameters: recorded.parameters, using: &random)
            }
            layout.scatter(group, values: noised, scale: 1 / expectedBatch)
        }
        optimizer.update()
        return meanLoss
    }

    /// Replaces the gradients with per-group clipped sums.
    func clip(layout: GroupLayout, norm: GradientNorm) throws {
        let parameterNorms = try model.perExampleGradientNorms(norm)
        let n = model.outputLinear.lastInput.rows
        let bound = plan.clipBound / (1 + Self.clipMargin)
        var factors: [String: [Float]] = [:]
        var columnFactors: [ObjectIdentifier: (columns: [Int], factors: [[Float]])] = [:]

        for group in layout.groups {
            var groupNorms = [Double](repeating: 0, count: n)
            switch group.kind {
            case .parameters(let parameters):
                for parameter in parameters {
                    let values = parameterNorms[parameter.name]!
                    for i in 0..<n {
                        let value = Double(values[i])
                        groupNorms[i] += norm == .l1 ? value : value * value
                    }
                }
                if norm == .l2 { groupNorms = groupNorms.map { $0.squareRoot() } }
            case .columns(let linear, let columns):
                groupNorms = Self.columnNorms(linear: linear, columns: columns, norm: norm)
            }
            let groupFactors = groupNorms.map { $0 > bound ? Float(bound / $0) : 1 }
            switch group.kind {
            case .parameters(let parameters):
                for parameter in parameters { factors[parameter.name] = groupFactors }
            case .columns(let linear, let columns):
                factors[linear.weight.name] = [Float](repeating: 1, count: n)
                var entry = columnFactors[ObjectIdentifier(linear)] ?? (Array(repeating: -1, count: linear.inputs), [])
                let slot = entry.factors.count
                for column in columns { entry.columns[column] = slot }
                entry.factors.append(groupFactors)
                columnFactors[ObjectIdentifier(linear)] = entry
            }
        }
        try model.setWeightedGradients(factors)

        // First-layer weights split by column: G = dZ^T X', with X'[i, j] = f_{group(j), i} X[i, j].
        for linear in layout.columnLinears {
            guard let entry = columnFactors[ObjectIdentifier(linear)] else { continue }
            var scaled = linear.lastInput
            let width = scaled.cols
            for i in 0..<scaled.rows {
                for j in 0..<width {
                    let slot = entry.columns[j]
                    precondition(slot >= 0, "feature \(j) of \(linear.weight.name) is in no group")
                    scaled.storage[i * width + j] *= entry.factors[slot][i]
                }
            }
            Matrix.gemm(
                linear.lastOutputGradient, transposeA: true, scaled, transposeB: false, into: &linear.weight.gradient)
        }
    }

    /// Per-example norms of a column block of a linear layer's weight gradient:
    /// ||x_i[S]|| * ||delta_i||, the norm of the outer product delta_i x_i[S]^T.
    static func columnNorms(linear: Linear, columns: [Int], norm: GradientNorm) -> [Double] {
        let input = linear.lastInput
        let delta = linear.lastOutputGradient
        return (0..<input.rows).map { i in
            var inputNorm = 0.0
            for column in columns {
                let value = Double(input.storage[i * input.cols + column])
                inputNorm += norm == .l1 ? abs(value) : value * value
            }
            var deltaNorm = 0.0
            for j in 0..<delta.cols {
                let value = Double(delta.storage[i * delta.cols + j])
                deltaNorm += norm == .l1 ? abs(value) : value * value
            }
            return norm == .l1 ? inputNorm * deltaNorm : (inputNorm * deltaNorm).squareRoot()
        }
    }

    // MARK: - Relevance release

    /// Releases per-feature relevance sums under Laplace noise and cuts them into intervals.
    ///
    /// Each patient's absolute input relevance is normalised to L1 norm 1
    /// (or left at 0), so adding or removing a patient moves the sum by at
    /// most 1 in L1: the release is epsilon-DP with Laplace scale 1 / epsilon.
    func releaseRelevance(_ record: ReleaseRecord) throws {
        for (modality, group) in zip(Self.genomicModalities(model), record.groups) {
            guard let features = input.omics[modality]?.features else { continue }
            var sums = [Double](repeating: 0, count: features.cols)
            let chunk = 512
            var start = 0
            while start < features.rows {
                let rows = Array(start..<min(start + chunk, features.rows))
                let relevance = try model.relevance(of: modality, features: features.gatherRows(rows)).inputs
                for i in 0..<relevance.rows {
                    var total = 0.0
                    for j in 0..<relevance.cols { total += Double(abs(relevance.storage[i * relevance.cols + j])) }
                    guard total > 0, total.isFinite else { continue }
                    for j in 0..<relevance.cols {
                        sums[j] += Double(abs(relevance.storage[i * relevance.cols + j])) / total
                    }
                }
                start += chunk
            }
            let released = try NoiseMechanism.release(sum: sums, parameters: group.parameters, using: &random)
            releasedRelevance[modality] = released
            featureIntervals[modality] = Self.intervals(scores: released, count: plan.intervals)
        }
    }

    /// Cuts the score range into `count` equal-width intervals. Index 0 is the interval of the highest scores.
    static func intervals(scores: [Double], count: Int) -> [Int] {
        guard let low = scores.min(), let high = scores.max(), high > low else {
            return [Int](repeating: 0, count: scores.count)
        }
        let width = (high - low) / Double(count)
        return scores.map { score in
            let fromTop = Int(((high - score) / width).rounded(.down))
            return min(count - 1, max(0, fromTop))
        }
    }
}

import FedSurvLedger
import FedSurvNN
import FedSurvPrivacy
import Foundation
import Testing

@testable import FedSurvModel

/// Builds a small layer-normalised model with clinical and miRNA inputs and 3 discrete-time outputs.
func makePrivateFixture(n: Int = 6, features: Int = 5, seed: UInt64 = 7) throws -> (
    model: BilayerAttentionModel, input: ModelInput, times: [Double], events: [Bool], survival: DiscreteTimeSurvival
) {
    let config = ModelConfig(
        modalities: [.clinical, .mirna], clinicalCardinalities: [3, 2, 2, 2],
        mirna: .init(inputSize: features, hiddenSizes: [4]), dimension: 8, heads: 2, dropout: 0,
        normalization: .layer, outputSize: 3)
    let model = try BilayerAttentionModel(config: config, seed: seed)
    var generator = SeededGenerator(seed: seed + 1)
    let codes = (0..<(n * 4)).map { _ in Int32(generator.next() % 3) }
    let age = (0..<n).map { _ in generator.nextUniform() }
    let values = Matrix(rows: n, cols: features) { generator.nextUniform() }
    let input = ModelInput(
        categorical: codes, age: age,
        omics: [.mirna: OmicsBatch(features: values, presence: [Float](repeating: 1, count: n))])
    let times = (0..<n).map { Double(100 + 150 * $0) }
    let events = (0..<n).map { $0 % 2 == 0 }
    return (model, input, times, events, try DiscreteTimeSurvival(breaks: [0, 300, 600, 1000]))
}

@Suite struct PrivateTrainerTests {
    @Test("per-group clipping matches per-example gradients")
    func clippingMatchesBruteForce() throws {
        let fixture = try makePrivateFixture()
        let plan = PrivateTrainingPlan(
            mechanism: .laplace, allocation: .adaptive, clipBound: 0.05, samplingRate: 1, steps: 4,
            stepEpsilon: 1, intervals: 2, intervalWeights: [0.5, 0.1])
        let trainer = try PrivateTrainer(
            model: fixture.model, input: fixture.input, times: fixture.times, events: fixture.events,
            survival: fixture.survival, plan: plan, random: SeededRandomSource(seed: 1))
        let intervals = [0, 1, 0, 1, 1]
        let record = trainer.releases[2].record
        let layout = try GroupLayout(model: fixture.model, record: record, intervals: [.mirna: intervals])
        let model = fixture.model
        let n = fixture.input.count

        // Expected: clip each example's own gradient per group in L1, then sum.
        var expected: [String: [Float]] = [:]
        for parameter in model.parameters {
            expected[parameter.name] = [Float](repeating: 0, count: parameter.count)
        }
        let firstLayer = model.omics[0].encoder.network.layers[0] as! Linear
        for i in 0..<n {
            model.zeroGradients()
            let output = model.forward(fixture.input.rows([i]), training: true)
            let term = fixture.survival.exampleLoss(
                logits: output.storage.map(Double.init)[...], time: fixture.times[i], event: fixture.events[i])
            model.backward(Matrix(rows: 1, cols: 3, storage: term.gradient.map(Float.init)))
            var groupNorms = [Double](repeating: 0, count: layout.groups.count)
            for (g, group) in layout.groups.enumerated() {
                groupNorms[g] = layout.gather(group).reduce(0) { $0 + abs($1) }
            }
            let bound = 0.05 / (1 + 1e-3)
            for (g, group) in layout.groups.enumerated() {
                let factor = groupNorms[g] > bound ? bound / groupNorms[g] : 1
                switch group.kind {
                case .parameters(let parameters):
                    for parameter in parameters {
                        for k in 0..<parameter.count {
                            expected[parameter.name]![k] += Float(factor) * parameter.gradient.storage[k]
                        }
                    }
                case .columns(let linear, let columns):
                    for row in 0..<linear.outputs {
                        for column in columns {
                            let k = row * linear.inputs + column
                            expected[linear.weight.name]![k] += Float(factor) * linear.weight.gradient.storage[k]
                        }
                    }
                }
            }
        }

        // Actual: one batch through the trainer's clipping.
        model.zeroGradients()
        let output = model.forward(fixture.input, training: true)
        let terms = try fixture.survival.exampleLosses(
            logits: output.storage.map(Double.init), times: fixture.times, events: fixture.events)
        model.backward(Matrix(rows: n, cols: 3, storage: terms.flatMap { $0.gradient.map(Float.init) }))
        try trainer.clip(layout: layout, norm: .l1)

        var worst: Float = 0
        for parameter in model.parameters {
            for k in 0..<parameter.count {
                let difference = abs(parameter.gradient.storage[k] - expected[parameter.name]![k])
                worst = max(worst, difference / max(1e-3, abs(expected[parameter.name]![k])))
            }
        }
        #expect(worst < 1e-3, "largest relative difference \(worst)")
        #expect(layout.groups.map(\.name) == ["rest", "mirna.T1", "mirna.T2"])
        #expect(firstLayer.weight.gradient.storage.contains { $0 != 0 })
    }

    @Test("adaptive run records three releases")
    func plannedReleases() throws {
        let fixture = try makePrivateFixture()
        let plan = PrivateTrainingPlan(
            mechanism: .gaussian, allocation: .adaptive, samplingRate: 0.5, steps: 10, noiseMultiplier: 2,
            intervals: 3, relevanceEpsilon: 0.2, warmupFraction: 0.3)
        let trainer = try PrivateTrainer(
            model: fixture.model, input: fixture.input, times: fixture.times, events: fixture.events,
            survival: fixture.survival, plan: plan, random: SeededRandomSource(seed: 1))
        #expect(trainer.releases.map(\.phase) == ["warmup", "relevance", "adaptive"])
        #expect(trainer.releases.map(\.record.steps) == [3, 1, 7])
        let adaptive = trainer.releases[2].record.groups
        #expect(adaptive.map(\.name) == ["rest", "mirna.T1", "mirna.T2", "mirna.T3"])
        // The effective multiplier (sum sigma_k^-2)^(-1/2) equals the plan's.
        let effective = 1 / adaptive.reduce(0) { $0 + 1 / ($1.noiseMultiplier! * $1.noiseMultiplier!) }.squareRoot()
        #expect(abs(effective - 2) < 1e-12)
        // More relevant intervals get less noise.
        #expect(adaptive[1].noiseMultiplier! < adaptive[2].noiseMultiplier!)
        #expect(adaptive[2].noiseMultiplier! < adaptive[3].noiseMultiplier!)
        #expect(trainer.releases[1].record.groups[0].epsilon == 0.2)
    }

    @Test("Laplace split sums to the step epsilon")
    func laplaceSplit() {
        let plan = PrivateTrainingPlan(
            mechanism: .laplace, allocation: .adaptive, samplingRate: 0.1, steps: 10, stepEpsilon: 0.8)
        let groups = BudgetAllocation.mechanisms(
            weights: [("rest", 0.5), ("a.T1", 0.5), ("a.T2", 0.3), ("a.T3", 0.1)], plan: plan, granularityExponents: [:])
        let total = groups.reduce(0) { $0 + $1.parameters.epsilon! }
        #expect(abs(total - 0.8) < 1e-12)
        #expect(abs(groups[3].parameters.epsilon! - 0.8 * 0.1 / 1.4) < 1e-12)
    }

    @Test("interval weights decrease strictly")
    func intervalWeightsDecrease() {
        let plan = PrivateTrainingPlan(
            mechanism: .laplace, allocation: .adaptive, samplingRate: 0.1, steps: 10, stepEpsilon: 0.8, intervals: 5,
            perturbation: 0.049)
        var generator = SeededRandomSource(seed: 3)
        for _ in 0..<200 {
            let weights = BudgetAllocation.intervalWeights(plan: plan, using: &generator)
            #expect(zip(weights, weights.dropFirst()).allSatisfy { $0 > $1 })
            #expect(weights.allSatisfy { $0 > 0.05 })
            #expect(weights.allSatisfy { $0 < 0.55 })
        }
    }

    @Test("perturbation too wide is rejected")
    func widePerturbationRejected() {
        let plan = PrivateTrainingPlan(
            mechanism: .laplace, allocation: .adaptive, samplingRate: 0.1, steps: 10, stepEpsilon: 0.8, intervals: 5,
            perturbation: 0.06)
        #expect(throws: PrivateTrainingError.self) { try plan.validate() }
    }

    @Test("scores cut into equal-width intervals")
    func scoreIntervals() {
        let intervals = PrivateTrainer<SeededRandomSource>.intervals(scores: [0, 1, 2, 3, 4], count: 2)
        // A score on a boundary (2 here) falls in the less relevant interval.
        #expect(intervals == [1, 1, 1, 0, 0])
        #expect(PrivateTrainer<SeededRandomSource>.intervals(scores: [2, 2], count: 3) == [0, 0])
    }

    @Test("relevance is conserved without biases")
    func relevanceConservation() throws {
        let fixture = try makePrivateFixture()
        let encoder = fixture.model.omics[0].encoder
        for case let linear as Linear in encoder.network.layers { linear.bias?.value.zero() }
        let features = fixture.input.omics[.mirna]!.features
        let relevance = try fixture.model.relevance(of: .mirna, features: features, stabilizer: 1e-6)
        let output = encoder.forward(features, training: false)
        // LRP-epsilon conserves relevance through bias-free linear layers; layer
        // norm and ReLU pass it unchanged, so input and output totals agree.
        for i in 0..<features.rows {
            let inputTotal = (0..<features.cols).reduce(0.0) { $0 + Double(relevance.inputs[i, $1]) }
            let hidden = relevance.layers[1]
            let hiddenTotal = (0..<hidden.cols).reduce(0.0) { $0 + Double(hidden[i, $1]) }
            let outputTotal = (0..<output.cols).reduce(0.0) { $0 + Double(output[i, $1]) }
            #expect(abs(hiddenTotal - outputTotal) < 1e-3 * max(1, abs(outputTotal)))
            #expect(abs(inputTotal - outputTotal) < 1e-3 * max(1, abs(outputTotal)))
        }
    }

    @Test("batch-normalised model is rejected")
    func batchNormRejected() throws {
        let fixture = try makePrivateFixture()
        var config = fixture.model.config
        config.normalization = .batch
        let model = try BilayerAttentionModel(config: config, seed: 1)
        let plan = PrivateTrainingPlan(
            mechanism: .gaussian, allocation: .uniform, samplingRate: 0.5, steps: 2, noiseMultiplier: 1)
        #expect(throws: PrivateTrainingError.batchNormalization) {
            try PrivateTrainer(
                model: model, input: fixture.input, times: fixture.times, events: fixture.events,
                survival: fixture.survival, plan: plan, random: SeededRandomSource(seed: 1))
        }
    }

    @Test("calibration meets the target epsilon")
    func calibration() throws {
        let fixture = try makePrivateFixture()
        let plan = PrivateTrainingPlan(
            mechanism: .gaussian, allocation: .adaptive, samplingRate: 0.1, steps: 20, intervals: 2,
            relevanceEpsilon: 0.1)
        let (calibrated, epsilon) = try NoiseCalibration.calibrate(
            plan: plan, model: fixture.model, targetEpsilon: 2, delta: 1e-5)
        #expect(epsilon <= 2)
        #expect(epsilon > 1.85, "calibration left more than 7.5% of the budget unused: \(epsilon)")
        #expect(calibrated.noiseMultiplier! > 0)
    }

    @Test("low-noise run learns a risk feature")
    func learnsWithLittleNoise() throws {
        // Synthetic cohort: time falls with feature 0, so a model that learns ranks patients.
        let n = 400
        var generator = SeededGenerator(seed: 11)
        let values = Matrix(rows: n, cols: 5) { generator.nextUniform() }
        let times = (0..<n).map { 50 + 900 * (1 - Double(values[$0, 0])) + 100 * Double(generator.nextUniform()) }
        let events = (0..<n).map { _ in generator.nextUniform() < 0.8 }
        let input = ModelInput(
            categorical: [Int32](repeating: 1, count: n * 4), age: [Float](repeating: 0.5, count: n),
            omics: [.mirna: OmicsBatch(features: values, presence: [Float](repeating: 1, count: n))])
        let fixture = try makePrivateFixture()
        let survival = try DiscreteTimeSurvival(breaks: [0, 300, 600, 1100])
        let plan = PrivateTrainingPlan(
            mechanism: .gaussian, allocation: .adaptive, clipBound: 1, samplingRate: 0.25, steps: 120,
            noiseMultiplier: 0.05, learningRate: 0.01, intervals: 2, relevanceEpsilon: 50)
        let trainer = try PrivateTrainer(
            model: fixture.model, input: input, times: times, events: events, survival: survival, plan: plan,
            random: SeededRandomSource(seed: 5))
        try trainer.run()
        let logits = fixture.model.forward(input, training: false)
        let risks = try survival.riskScores(logits: logits.storage.map(Double.init))
        let concordance = try SurvivalMetrics.harrellConcordance(risks: risks, times: times, events: events)
        #expect(concordance.index > 0.75, "C-index \(concordance.index)")
        #expect(trainer.featureIntervals[.mirna]?.count == 5)
    }
}

@Suite struct FederatedRelevanceTests {
    @Test("adaptive round costs what the uniform round costs")
    func adaptiveRoundCost() throws {
        let uniform = LocalRoundTraining.record(
            mechanism: .gaussian, clip: 1, stepEpsilon: nil, noiseMultiplier: 1.1, samplingRate: 0.05, steps: 25)
        let adaptive = LocalRoundTraining.adaptiveRecord(
            genomicModalities: [.mirna, .cnv], clip: 1, noiseMultiplier: 1.1, samplingRate: 0.05, steps: 25,
            intervals: 4, relevanceRatio: 5)
        #expect(adaptive.groups.map(\.name).prefix(3) == ["rest", "mirna.T1", "mirna.T2"])
        #expect(adaptive.groups.count == 9)
        let accountant = PLDLedgerAccountant()
        let uniformEpsilon = try accountant.epsilon(
            mechanism: uniform.mechanism, parameters: uniform.canonicalJSON(), delta: 1e-5).epsilon
        let adaptiveEpsilon = try accountant.epsilon(
            mechanism: adaptive.mechanism, parameters: adaptive.canonicalJSON(), delta: 1e-5).epsilon
        #expect(abs(adaptiveEpsilon - uniformEpsilon) <= 1e-9 * uniformEpsilon, "\(adaptiveEpsilon) vs \(uniformEpsilon)")
        // T1 and rest get the least noise, T4 the most.
        #expect(adaptive.groups[1].noiseMultiplier! < adaptive.groups[4].noiseMultiplier!)
    }

    @Test("public intervals round-trip through metadata")
    func intervalsRoundTrip() throws {
        let fixture = try makePrivateFixture()
        let intervals = try PublicRelevance.intervals(
            model: fixture.model, reference: fixture.input, count: 2)
        #expect(intervals[.mirna]?.count == 5)
        #expect(intervals[.mirna]!.allSatisfy { (0..<2).contains($0) })
        #expect(try PublicRelevance.decode(PublicRelevance.encode(intervals)) == intervals)
    }
}

import FedSurvAgent
import FedSurvFederation
import FedSurvLedger
import FedSurvModel
import FedSurvNN
import FedSurvPrivacy

/// An error of the site's local trainer.
enum LocalTrainerError: Error, CustomStringConvertible {
    case unknownMechanism(String)
    case noRound

    var description: String {
        switch self {
        case .unknownMechanism(let name):
            "the coordinator announces mechanism '\(name)', which this agent does not know; use gaussian or laplace"
        case .noRound:
            "the round assignment has no round number"
        }
    }
}

/// The DP trainer of `site-agent join`: one round of `LocalRoundTraining` on the site's data folder.
///
/// The announced settings become the trainer's plan: mechanism, clip, step
/// epsilon or noise multiplier, sampling rate, steps, learning rate and the
/// relevance intervals and ratio. `plan` returns the uniform record. In Gaussian
/// rounds with relevance groups the group multipliers keep the effective
/// multiplier, so the cap check derives the same epsilon from either record.
final class PrivateRoundTrainer: LocalTrainer {
    let training: LocalRoundTraining

    init(config: SiteConfig) throws {
        training = try LocalRoundTraining(dataDirectory: config.dataFolder)
    }

    func plan(round: RoundAssignment) throws -> ReleaseRecord {
        let settings = round.settings
        return LocalRoundTraining.record(
            mechanism: try Self.mechanism(settings), clip: settings.clip, stepEpsilon: settings.stepEpsilon,
            noiseMultiplier: settings.noiseMultiplier, samplingRate: settings.samplingRate, steps: settings.localSteps)
    }

    func train(round: RoundAssignment, global: SafeTensors) throws -> LocalUpdate {
        guard let number = round.round else { throw LocalTrainerError.noRound }
        let settings = round.settings
        let result = try training.train(
            global: global, mechanism: try Self.mechanism(settings), clip: settings.clip,
            stepEpsilon: settings.stepEpsilon, noiseMultiplier: settings.noiseMultiplier,
            samplingRate: settings.samplingRate, steps: settings.localSteps,
            learningRate: Float(settings.learningRate), round: number,
            relevanceIntervals: settings.relevanceIntervals, relevanceRatio: settings.relevanceRatio)
        return LocalUpdate(delta: result.delta, record: result.record, sampleCount: result.sampleCount)
    }

    private static func mechanism(_ settings: TrainingSettings) throws -> MechanismKind {
        guard let kind = MechanismKind(rawValue: settings.mechanism) else {
            throw LocalTrainerError.unknownMechanism(settings.mechanism)
        }
        return kind
    }
}

/// Returns the local DP trainer `site-agent join` uses for this site.
func makeLocalTrainer(config: SiteConfig) throws -> any LocalTrainer {
    try PrivateRoundTrainer(config: config)
}

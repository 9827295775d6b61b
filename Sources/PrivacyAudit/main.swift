// privacy-audit: parses the command and hands it to its library call.
import FedSurvCore

let usage = """
    usage: privacy-audit <command> [options]

    Commands:
      epsilon    Compute the privacy loss of Poisson-subsampled noisy steps.

    Options of epsilon:
    \(EpsilonCommand.optionsHelp)
    """

runTool(name: "privacy-audit", usage: usage, exitStatus: EpsilonCommand.exitStatus) { words in
    switch words[0] {
    case "epsilon":
        try EpsilonCommand.run(Array(words.dropFirst()))
    default:
        throw UsageError("unknown command '\(words[0])'; the commands are: epsilon")
    }
}

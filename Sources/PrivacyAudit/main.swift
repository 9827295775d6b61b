// privacy-audit: parses the command and hands it to its library call.
import FedSurvCore

let usage = """
    usage: privacy-audit <command> [options]

    Commands:
      epsilon    Compute the privacy loss of Poisson-subsampled noisy steps.
    \(auditUsage)

    Options of epsilon:
    \(EpsilonCommand.optionsHelp)
    """

runTool(name: "privacy-audit", usage: usage, exitStatus: EpsilonCommand.exitStatus) { words in
    switch words[0] {
    case "epsilon":
        try EpsilonCommand.run(Array(words.dropFirst()))
    default:
        var arguments = try Arguments(Array(words.dropFirst()))
        if try runAuditCommand(words[0], &arguments) { return }
        throw UsageError(
            "unknown command '\(words[0])'; the commands are: epsilon, summary, entries, verify, cross-check, export, report")
    }
}

import FedSurvCore

let usage = """
    usage: coordinator <command> [options]

    The coordinator of a FedSurv consortium.

    Commands:
    \(caUsage)
    """

runTool(name: "coordinator", usage: usage) { words in
    switch words[0] {
    case "ca":
        try runCACommand(Array(words.dropFirst()))
    default:
        throw UsageError("unknown command '\(words[0])'; run coordinator --help for the list")
    }
}

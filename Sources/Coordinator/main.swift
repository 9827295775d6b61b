import FedSurvCore

let usage = """
    usage: coordinator <command> [options]

    The coordinator of a FedSurv consortium.

    Commands:
    \(caUsage)
    \(federationUsage)
    """

runTool(name: "coordinator", usage: usage) { words in
    switch words[0] {
    case "ca":
        try runCACommand(Array(words.dropFirst()))
    case "serve":
        try runServeCommand(Array(words.dropFirst()))
    case "status":
        try runStatusCommand(Array(words.dropFirst()))
    case "init-model":
        try runInitModelCommand(Array(words.dropFirst()))
    default:
        throw UsageError("unknown command '\(words[0])'; run coordinator --help for the list")
    }
}

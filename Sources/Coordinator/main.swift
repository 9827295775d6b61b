import FedSurvCore

let usage = """
    usage: coordinator <command> [options]

    The coordinator of a FedSurv consortium. This build has no commands yet:
    certificate management and `serve` arrive with the federation layer.
    """

runTool(name: "coordinator", usage: usage) { words in
    throw UsageError("unknown command '\(words[0])'")
}

import FedSurvCore

let usage = """
    usage: privacy-audit <command> [options]

    Verifies FedSurv privacy-budget ledgers. This build has no commands yet.
    """

runTool(name: "privacy-audit", usage: usage) { words in
    throw UsageError("unknown command '\(words[0])'")
}

import FedSurvCore

let usage = """
    usage: site-agent <command> [options]

    Commands:
      inspect --data DIR     Print a cohort summary of the TCGA-style files in DIR.
    """

runTool(name: "site-agent", usage: usage) { words in
    throw UsageError("unknown command '\(words[0])'")
}

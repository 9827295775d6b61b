import FedSurvCore

let usage = """
    usage: site-agent <command> [options]

    Commands:
      inspect --data DIR     Print a cohort summary of the TCGA-style files in DIR:
                             clinical*.tsv (required) and mrna*, mirna*, cnv*
                             ending in .tsv or .tsv.gz (each optional).
      partition --data DIR --sites K --output DIR [--by tissue-source|patient]
                             Split the cohort in DIR into K simulated hospitals
                             (default 5) and write one folder of input files per
                             hospital under --output. By default whole tissue source
                             sites (barcode characters 6-7) go to one hospital;
                             --by patient deals patients round-robin instead.
    \(csrUsage)
    \(trainUsage)
    \(evaluateUsage)
    \(privateTrainUsage)
    \(relevanceUsage)
    \(joinUsage)
    """

runTool(name: "site-agent", usage: usage, exitStatus: exitStatus(for:)) { words in
    let command = words[0]
    var arguments = try Arguments(Array(words.dropFirst()), flagNames: ["dp"])
    switch command {
    case "inspect": try InspectCommand.run(&arguments)
    case "partition": try PartitionCommand.run(&arguments)
    case "csr": try runCSRCommand(&arguments)
    case "train" where words.contains("--dp"): try PrivateTrainCommand.run(&arguments)
    case "join": try runJoinCommand(&arguments)
    case "bench-parse": try BenchParseCommand.run(&arguments)
    case "train": try TrainCommand.run(&arguments)
    case "evaluate": try EvaluateCommand.run(&arguments)
    case "bench-export": try BenchExportCommand.run(&arguments)
    case "bench-private": try BenchPrivateCommand.run(&arguments)
    case "relevance": try RelevanceCommand.run(&arguments)
    default: throw UsageError("unknown command '\(command)'; run site-agent --help to list the commands")
    }
}

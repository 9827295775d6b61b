import FedSurvAgent
import FedSurvCore

/// Usage of `site-agent join`, for the tool's help text.
let joinUsage = """
      join --config FILE     Join the federated run that FILE (sites/<name>/site.toml)
                             describes: poll the coordinator, train under DP when
                             selected, charge the local ledger, upload; stops when the
                             coordinator reports the run finished.
    """

/// `site-agent join --config FILE`.
func runJoinCommand(_ arguments: inout Arguments) throws {
    let path = try arguments.required("config")
    try arguments.rejectUnknown()

    let config = try SiteConfig.load(path: path)
    let trainer = try makeLocalTrainer(config: config)
    let agent = try SiteAgent(config: config, trainer: trainer, client: try CoordinatorClient(config: config))
    try agent.run()
}

import FedSurvCoordinator
import FedSurvCore
import Foundation

/// Help for `serve`, `status` and `init-model`, part of the tool's usage text.
let federationUsage = """
      serve --config FILE
                Run the coordinator that FILE (coordinator.toml) describes: resume
                from the state database, open and close rounds, aggregate, charge
                the ledger. Stops on SIGINT or SIGTERM; the state stays in the database.
      status --config FILE [--json]
                Print the rounds, their C-index, and every site's last contact and
                epsilon spent and left, read from the state database.
      init-model --config FILE --reference-data DIR [--force]
                Fit the preprocessing on the public reference folder DIR, build the
                model of [model] with its seed, and write the initial global model
                to [model] initial. --force replaces an existing file.
    """

/// `coordinator serve --config FILE`.
func runServeCommand(_ words: [String]) throws {
    var arguments = try Arguments(words)
    let path = try arguments.required("config")
    try arguments.rejectUnknown()

    let config = try CoordinatorConfig.load(path: path)
    let logger = Logger(label: "fedsurv.coordinator")
    let service = try CoordinatorService(config: config, logger: logger)
    try service.start()
    let server = try CoordinatorServer(service: service, logger: logger)
    try server.start()

    // Stop cleanly on SIGINT and SIGTERM; the dispatch sources replace the default handlers.
    var sources: [DispatchSourceSignal] = []
    for signalNumber in [SIGINT, SIGTERM] {
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
        source.setEventHandler {
            logger.info("stop signal received", ["signal": Int(signalNumber)])
            server.stop()
            exit(ExitStatus.success.rawValue)
        }
        source.resume()
        sources.append(source)
    }
    withExtendedLifetime(sources) { dispatchMain() }
}

/// `coordinator status --config FILE [--json]`.
func runStatusCommand(_ words: [String]) throws {
    var arguments = try Arguments(words, flagNames: ["json"])
    let path = try arguments.required("config")
    let asJSON = arguments.flag("json")
    try arguments.rejectUnknown()

    let config = try CoordinatorConfig.load(path: path)
    guard FileManager.default.fileExists(atPath: config.database) else {
        throw UsageError("the state database \(config.database) does not exist; start the coordinator with `serve` first")
    }
    let status = try CoordinatorService(config: config).status()
    if asJSON {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(status), as: UTF8.self))
    } else {
        print(status.text)
    }
}

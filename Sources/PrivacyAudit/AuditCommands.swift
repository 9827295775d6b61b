import FedSurvAudit
import FedSurvConfig
import FedSurvCore
import Foundation

/// Usage text of the ledger-audit commands, for the tool's usage message.
let auditUsage = """
      summary LEDGER [--cap E | --caps FILE.toml]
                 Per site: rounds joined, epsilon spent (pure when every entry has one, and at the
                 ledger's delta), the cap and what is left. --cap E sets one cap for every site;
                 --caps reads per-site caps from a TOML file ([caps] site = E, optional default_cap = E).
      entries LEDGER --site S [--round R]
                 The site's entries with mechanism, epsilons and a table of parameter groups.
      verify LEDGER [--anchor SEQ:HASH ...]
                 Checks sequence numbers and the hash chain, re-derives every epsilon and per-site
                 running total, and checks anchors printed by an earlier verify. Exits 1 and names
                 the first entry that fails.
      cross-check SITE_LEDGER COORDINATOR_LEDGER [--site S]
                 Compares the site's entries on both sides by release ID: round, mechanism,
                 parameters, update SHA-256 and epsilons. Exits 1 on any mismatch.
      export LEDGER --format json|csv [--out FILE]
                 Writes every entry, with the exact recorded parameters, to FILE or standard output.
      report LEDGER --out FILE.html [--cap E | --caps FILE.toml] [--anchor SEQ:HASH ...]
                 Writes a self-contained HTML page: verification result, summary table, cumulative
                 epsilon per site, epsilon per round by parameter group, and the global C-index.
    Every command opens ledgers read-only.
    """

/// Runs the ledger-audit command `name`, or returns false when `name` is not one of them.
///
/// `arguments` contains the words after the command name. A failed `verify` or
/// `cross-check` prints its report and then throws, so the tool exits 1.
func runAuditCommand(_ name: String, _ arguments: inout Arguments) throws -> Bool {
    switch name {
    case "summary": try runSummary(&arguments)
    case "entries": try runEntries(&arguments)
    case "verify": try runVerify(&arguments)
    case "cross-check": try runCrossCheck(&arguments)
    case "export": try runExport(&arguments)
    case "report": try runReport(&arguments)
    default: return false
    }
    return true
}

// MARK: - Commands

private func runSummary(_ arguments: inout Arguments) throws {
    let path = try positionals(arguments, ["LEDGER"], command: "summary")[0]
    let caps = try readCaps(&arguments)
    try arguments.rejectUnknown()

    let ledger = try AuditedLedger(path: path)
    let verification = verify(ledger, accountant: makeAuditAccountant())
    print(AuditText.summary(ledger, sites: summarize(ledger, caps: caps), verification: verification))
}

private func runEntries(_ arguments: inout Arguments) throws {
    let path = try positionals(arguments, ["LEDGER"], command: "entries")[0]
    let site = try arguments.required("site")
    let round = try arguments.int("round")
    try arguments.rejectUnknown()

    let ledger = try AuditedLedger(path: path)
    guard ledger.sites.contains(site) else { throw AuditError.unknownSite(path: path, site: site, sites: ledger.sites) }
    let entries = ledger.entries(site: site).filter { round == nil || $0.round == round }
    print(AuditText.entries(entries, ledger: ledger))
}

private func runVerify(_ arguments: inout Arguments) throws {
    let path = try positionals(arguments, ["LEDGER"], command: "verify")[0]
    let anchors = try arguments.strings("anchor").map { text throws(AuditError) in try LedgerAnchor(parsing: text) }
    try arguments.rejectUnknown()

    let ledger = try AuditedLedger(path: path)
    let result = verify(ledger, accountant: makeAuditAccountant(), anchors: anchors)
    print(AuditText.verification(ledger, result))
    if let failure = result.firstFailure { throw AuditError.verificationFailed(path: path, finding: failure) }
}

private func runCrossCheck(_ arguments: inout Arguments) throws {
    let paths = try positionals(arguments, ["SITE_LEDGER", "COORDINATOR_LEDGER"], command: "cross-check")
    let site = arguments.string("site")
    try arguments.rejectUnknown()

    let siteLedger = try AuditedLedger(path: paths[0])
    let coordinatorLedger = try AuditedLedger(path: paths[1])
    let result = try crossCheck(siteLedger: siteLedger, coordinatorLedger: coordinatorLedger, site: site)
    print(AuditText.crossCheck(siteLedger: siteLedger, coordinatorLedger: coordinatorLedger, result))
    if !result.passed {
        throw AuditError.crossCheckFailed(
            siteLedger: paths[0], coordinatorLedger: paths[1], mismatches: result.mismatches.count)
    }
}

private func runExport(_ arguments: inout Arguments) throws {
    let path = try positionals(arguments, ["LEDGER"], command: "export")[0]
    let formatName = try arguments.required("format")
    guard let format = ExportFormat(rawValue: formatName) else {
        throw UsageError("option --format expects json or csv, got '\(formatName)'")
    }
    let output = arguments.string("out")
    try arguments.rejectUnknown()

    let text = LedgerExport.render(try AuditedLedger(path: path), format: format)
    if let output {
        try write(text, to: output)
    } else {
        print(text, terminator: "")
    }
}

private func runReport(_ arguments: inout Arguments) throws {
    let path = try positionals(arguments, ["LEDGER"], command: "report")[0]
    let output = try arguments.required("out")
    let caps = try readCaps(&arguments)
    let anchors = try arguments.strings("anchor").map { text throws(AuditError) in try LedgerAnchor(parsing: text) }
    try arguments.rejectUnknown()

    let ledger = try AuditedLedger(path: path)
    let verification = verify(ledger, accountant: makeAuditAccountant(), anchors: anchors)
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    let page = HTMLReport.render(
        ledger, sites: summarize(ledger, caps: caps), verification: verification,
        generatedAt: formatter.string(from: Date()))
    try write(page, to: output)
    print("wrote \(output) (verification \(verification.passed ? "passed" : "FAILED"))")
}

// MARK: - Helpers

/// Returns exactly `names.count` positional arguments, or throws a usage error naming the missing ones.
private func positionals(_ arguments: Arguments, _ names: [String], command: String) throws(UsageError) -> [String] {
    let given = arguments.positionals
    guard given.count == names.count else {
        let expected = names.joined(separator: " ")
        if given.count < names.count {
            throw UsageError("\(command) needs \(expected); missing \(names[given.count...].joined(separator: " "))")
        }
        throw UsageError(
            "\(command) takes \(expected), but extra arguments were given: "
                + given[names.count...].joined(separator: " "))
    }
    return given
}

/// Reads `--cap E` or `--caps FILE.toml`; the two are exclusive.
private func readCaps(_ arguments: inout Arguments) throws -> EpsilonCaps {
    let cap = try arguments.double("cap")
    let file = arguments.string("caps")
    if cap != nil && file != nil { throw UsageError("give --cap or --caps, not both") }
    if let cap { return try EpsilonCaps(defaultCap: cap) }
    guard let file else { return try EpsilonCaps() }

    // caps.toml: optional `default_cap = E` and a [caps] table of `site = E`.
    let document = try TOMLDocument(contentsOfFile: file)
    try document.rejectUnknownKeys(allowed: ["default_cap", "caps"])
    var perSite: [String: Double] = [:]
    if let table = try document.table("caps") {
        for site in table.table.keys {
            perSite[site] = try table.required(site) { key throws(ConfigError) in try table.double(key) }
        }
    }
    return try EpsilonCaps(perSite: perSite, defaultCap: try document.double("default_cap"))
}

private func write(_ text: String, to path: String) throws {
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw AuditError.unwritableOutput(path: path, reason: error.localizedDescription)
    }
}

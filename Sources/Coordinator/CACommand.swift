import FedSurvCore
import Foundation

/// Help for the `ca` subcommands, also part of the tool's usage text.
let caUsage = """
      ca init   --dir DIR --name NAME [--days N]
                Create the CA key (mode 0600), the self-signed CA certificate, the
                certificate index and an empty revocation list in DIR. --name is the
                CA's common name; --days its validity in days (default 3650).
      ca sign   --dir DIR --csr FILE --role site|operator|auditor|server [--san NAME]...
                [--days N] [--renew] --out FILE
                Verify the request in FILE and write the certificate to --out. --san
                adds a DNS name or IP address and may repeat; --days is the validity
                in days (default 365); --renew replaces and revokes a live
                certificate with the same common name.
      ca revoke --dir DIR (--serial N | --name CN)
                Revoke one certificate, or every unrevoked one of a common name,
                and reissue DIR/crl.pem.
      ca list   --dir DIR [--json]
                Print every issued certificate with its status, or the index as JSON.
    """

/// Dispatches `coordinator ca <subcommand>`.
func runCACommand(_ words: [String]) throws {
    guard let subcommand = words.first, !["--help", "-h", "help"].contains(subcommand) else {
        print("usage: coordinator ca <subcommand> [options]\n\n\(caUsage)")
        return
    }
    let rest = Array(words.dropFirst())
    switch subcommand {
    case "init":
        var arguments = try Arguments(rest)
        try runCAInit(&arguments)
    case "sign":
        var arguments = try Arguments(rest, flagNames: ["renew"])
        try runCASign(&arguments)
    case "revoke":
        var arguments = try Arguments(rest)
        try runCARevoke(&arguments)
    case "list":
        var arguments = try Arguments(rest, flagNames: ["json"])
        try runCAList(&arguments)
    default:
        throw UsageError("unknown ca subcommand '\(subcommand)'; expected init, sign, revoke or list")
    }
}

/// Reads `--days`, which must be positive when given.
func validityDays(_ arguments: inout Arguments, default defaultDays: Int) throws -> Int {
    let days = try arguments.int("days") ?? defaultDays
    guard days > 0 else { throw UsageError("option --days expects a positive number of days, got \(days)") }
    return days
}

/// Rejects positional words, which no ca subcommand takes.
func rejectPositionals(_ arguments: Arguments) throws {
    if let word = arguments.positionals.first {
        throw UsageError("unexpected argument '\(word)'; every ca option is given as --name value")
    }
}

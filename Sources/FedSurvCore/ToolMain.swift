import Foundation

/// Exit statuses shared by the three executables (BSD sysexits where one fits).
public enum ExitStatus: Int32 {
    case success = 0
    case failure = 1
    case usage = 64
    case dataError = 65
}

/// Runs an executable's body and maps what it throws to an exit status.
///
/// A `UsageError` prints the message and the tool's usage text and exits 64;
/// any other error prints its description and exits with `exitStatus(for:)`,
/// which defaults to 1. Messages go to standard error.
public func runTool(
    name: String,
    usage: String,
    exitStatus: (any Error) -> ExitStatus = { _ in .failure },
    _ body: ([String]) throws -> Void
) -> Never {
    let words = Array(CommandLine.arguments.dropFirst())
    if words.isEmpty || words == ["--help"] || words == ["-h"] || words == ["help"] {
        print(usage)
        exit(words.isEmpty ? ExitStatus.usage.rawValue : ExitStatus.success.rawValue)
    }
    do {
        try body(words)
        exit(ExitStatus.success.rawValue)
    } catch let error as UsageError {
        FileHandle.standardError.write(Data("\(name): \(error.description)\n\n\(usage)\n".utf8))
        exit(ExitStatus.usage.rawValue)
    } catch {
        FileHandle.standardError.write(Data("\(name): error: \(error)\n".utf8))
        exit(exitStatus(error).rawValue)
    }
}

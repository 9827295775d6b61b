import FedSurvCore
import FedSurvData

/// `site-agent inspect --data DIR`: reads the site's files and prints a cohort summary.
///
/// Files are found in DIR by name prefix: `clinical*.tsv` (required), and
/// `mrna*`, `mirna*`, `cnv*` ending in `.tsv` or `.tsv.gz` (each optional).
enum InspectCommand {
    static func run(_ arguments: inout Arguments) throws {
        let directory = try arguments.required("data")
        try arguments.rejectUnknown()
        guard arguments.positionals.isEmpty else {
            throw UsageError("inspect takes no positional arguments, got '\(arguments.positionals[0])'")
        }
        let cohort = try Cohort.load(directory: directory)
        let summary = try CohortSummary(cohort: cohort)
        print(summary.render())
    }
}

/// Maps data errors to exit status 65 (EX_DATAERR); everything else is 1.
func exitStatus(for error: any Error) -> ExitStatus {
    error is DataError ? .dataError : .failure
}

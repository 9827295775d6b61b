import Foundation

/// Errors of the federation module: invalid configuration, a persisted round
/// record that cannot be restored, or aggregation inputs that do not fit.
///
/// Messages name the field, site or tensor and what to change. They never
/// contain parameter values, so nothing a site uploaded is echoed.
public enum FederationError: Error, Equatable, CustomStringConvertible {
    /// A configuration field is out of range: the field, its value and the requirement.
    case invalidConfiguration(field: String, value: String, requirement: String)
    /// A persisted round record is inconsistent, so the machine cannot resume from it.
    case invalidRecord(round: Int, problem: String)
    /// Aggregation was called with no updates.
    case noUpdates
    /// A site's aggregation weight is not a positive finite number.
    case invalidWeight(site: String)
    /// A site's delta does not have the global model's tensor names and sizes.
    case tensorMismatch(site: String, tensor: String, problem: String)
    /// Persisted server-optimiser state does not fit the model.
    case invalidServerState(tensor: String, problem: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let field, let value, let requirement):
            return "invalid federation configuration: \(field) is \(value), but it must be \(requirement); "
                + "fix the value in the coordinator configuration"
        case .invalidRecord(let round, let problem):
            return "cannot restore round \(round) from its persisted record: \(problem); "
                + "the coordinator database may be damaged, so inspect the round tables before restarting"
        case .noUpdates:
            return "aggregation needs at least one update, but none was given"
        case .invalidWeight(let site):
            return "the aggregation weight of site '\(site)' is not a positive finite number; "
                + "check the sample count policy and the reported sample count"
        case .tensorMismatch(let site, let tensor, let problem):
            return "the update of site '\(site)' does not fit the global model at tensor '\(tensor)': \(problem); "
                + "validate updates with UpdateValidator before aggregating"
        case .invalidServerState(let tensor, let problem):
            return "the persisted server optimiser state is invalid at '\(tensor)': \(problem); "
                + "restore the state written with this model or start the optimiser from empty state"
        }
    }
}

/// An error of the coordinator service; request errors carry the HTTP status they map to.
public enum CoordinatorError: Error, CustomStringConvertible, Equatable {
    /// The caller's role or site name may not use the endpoint (HTTP 403).
    case forbidden(String)
    /// The round or model does not exist (HTTP 404).
    case notFound(String)
    /// The request is malformed: an unreadable body, a missing metadata field (HTTP 400).
    case badRequest(String)
    /// The round's state does not allow the request: late, conflicting, not selected, over budget (HTTP 409).
    case conflict(String)
    /// The update fails validation: shape, finiteness or norm, or an underivable release record (HTTP 422).
    case invalidUpdate(String)
    /// The state database holds something this version cannot read.
    case corruptState(String)
    /// The configuration names a file that is missing or unreadable.
    case missingFile(path: String, purpose: String)

    /// The HTTP status of a request error; 500 for the others.
    public var httpStatus: Int {
        switch self {
        case .forbidden: 403
        case .notFound: 404
        case .badRequest: 400
        case .conflict: 409
        case .invalidUpdate: 422
        case .corruptState, .missingFile: 500
        }
    }

    public var description: String {
        switch self {
        case .forbidden(let message), .notFound(let message), .badRequest(let message), .conflict(let message),
            .invalidUpdate(let message):
            return message
        case .corruptState(let message):
            return "the coordinator's state database is inconsistent: \(message); restore it from a backup"
        case .missingFile(let path, let purpose):
            return "cannot read the \(purpose) '\(path)'; check the path in coordinator.toml"
                + (purpose == "initial model" ? " or run `coordinator init-model` first" : "")
        }
    }
}

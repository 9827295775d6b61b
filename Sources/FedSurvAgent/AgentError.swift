/// An error of the site agent.
public enum AgentError: Error, CustomStringConvertible {
    /// The coordinator sent a reply the agent cannot read.
    case invalidReply(path: String, reason: String)
    /// The state folder cannot be created or written.
    case stateFolder(path: String, reason: String)
    /// The round's settings name a sample count policy this agent does not know.
    case unknownSampleCountPolicy(String)
    /// The trainer returned an update that does not fit the global model.
    case updateMismatch(String)
    /// The local ledger already records this round's release but its update file is gone, so the agent cannot resend it.
    case releaseWithoutUpdate(round: Int, releaseID: String)

    public var description: String {
        switch self {
        case .invalidReply(let path, let reason):
            return "the coordinator's reply to \(path) is invalid: \(reason); check that agent and coordinator versions match"
        case .stateFolder(let path, let reason):
            return "cannot use the state folder \(path): \(reason); check [site] state in site.toml"
        case .unknownSampleCountPolicy(let name):
            return "the coordinator asks for sample count policy '\(name)', which this agent does not know; update the agent"
        case .updateMismatch(let message):
            return "the local trainer's update does not fit the global model: \(message)"
        case .releaseWithoutUpdate(let round, let releaseID):
            return "the local ledger records release \(releaseID) for round \(round), but its update file is missing; "
                + "the agent will not train again for this round, because that would be a second release"
        }
    }
}

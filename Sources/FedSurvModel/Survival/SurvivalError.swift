/// Errors from the survival losses and metrics.
///
/// Messages name the argument and the offending index or count, never a
/// patient's time, status or covariate.
public enum SurvivalError: Error, Equatable, CustomStringConvertible {
    /// Two arrays that describe the same patients have different lengths.
    case lengthMismatch(argument: String, expected: Int, actual: Int)
    /// An input array is empty.
    case empty(argument: String)
    /// A value is NaN or infinite where a finite value is required.
    case nonFinite(argument: String, index: Int)
    /// A time is negative.
    case negativeTime(argument: String, index: Int)
    /// A grid of times or interval breaks is not strictly increasing.
    case notIncreasing(argument: String, index: Int)
    /// A parameter is outside its valid range.
    case invalidParameter(name: String, reason: String)
    /// No pair of patients can be ordered, so a concordance index is undefined.
    case noComparablePairs(patients: Int, events: Int)
    /// No patient has a known status at the horizon, so accuracy is undefined.
    case noLabelledPatients(patients: Int)
    /// The censoring distribution is unknown at a time past the training follow-up.
    case beyondFollowUp(argument: String, index: Int)

    public var description: String {
        switch self {
        case .lengthMismatch(let argument, let expected, let actual):
            "'\(argument)' has \(actual) values but \(expected) were expected; pass one value per patient (or per patient and interval)."
        case .empty(let argument):
            "'\(argument)' is empty; pass at least one patient."
        case .nonFinite(let argument, let index):
            "'\(argument)' has a NaN or infinite value at index \(index); check the model output or the input data."
        case .negativeTime(let argument, let index):
            "'\(argument)' has a negative time at index \(index); survival times are durations from diagnosis and must be >= 0."
        case .notIncreasing(let argument, let index):
            "'\(argument)' is not strictly increasing at index \(index); sort the grid and remove duplicates."
        case .invalidParameter(let name, let reason):
            "Invalid '\(name)': \(reason)."
        case .noComparablePairs(let patients, let events):
            "No comparable pair among \(patients) patients with \(events) events, so the concordance index is undefined; evaluate on a set with at least one event followed by a longer observed time."
        case .noLabelledPatients(let patients):
            "None of the \(patients) patients has a known status at the horizon (all were censored before it); choose an earlier horizon."
        case .beyondFollowUp(let argument, let index):
            "'\(argument)' at index \(index) lies past the last training time while the censoring survival is still positive, so the censoring weight is unknown; use times within the training follow-up."
        }
    }
}

// MARK: - Input checks shared by the survival functions

enum SurvivalInput {
    static func checkCount(_ count: Int, _ argument: String, expected: Int) throws {
        guard count == expected else {
            throw SurvivalError.lengthMismatch(argument: argument, expected: expected, actual: count)
        }
    }

    static func checkNotEmpty(_ count: Int, _ argument: String) throws {
        guard count > 0 else { throw SurvivalError.empty(argument: argument) }
    }

    static func checkFinite(_ values: [Double], _ argument: String) throws {
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw SurvivalError.nonFinite(argument: argument, index: index)
        }
    }

    /// Checks that times are finite and not negative.
    static func checkTimes(_ times: [Double], _ argument: String) throws {
        try checkFinite(times, argument)
        if let index = times.firstIndex(where: { $0 < 0 }) {
            throw SurvivalError.negativeTime(argument: argument, index: index)
        }
    }

    static func checkStrictlyIncreasing(_ values: [Double], _ argument: String) throws {
        try checkFinite(values, argument)
        for index in values.indices.dropFirst() where !(values[index] > values[index - 1]) {
            throw SurvivalError.notIncreasing(argument: argument, index: index)
        }
    }
}

import FedSurvCore
import Foundation

/// Exponential backoff with full jitter (Brooker, "Exponential Backoff And
/// Jitter", AWS Architecture Blog, 2015).
///
/// Before retry number `n` (1 for the first retry) the caller waits
///
/// ```
/// delay(n) = U * min(maxDelay, baseDelay * 2^(n-1)),   U ~ Uniform[0, 1)
/// ```
///
/// Full jitter spreads the retries of many sites that failed together (for
/// example when the coordinator restarts) over the whole window, instead of
/// synchronising them into bursts.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in total, the first one included; at least 1.
    public var maxAttempts: Int
    /// Seconds; the window before the first retry.
    public var baseDelay: Double
    /// Seconds; the largest window.
    public var maxDelay: Double

    public init(maxAttempts: Int, baseDelay: Double, maxDelay: Double = 60) {
        precondition(maxAttempts >= 1, "maxAttempts \(maxAttempts) must be at least 1")
        precondition(baseDelay >= 0 && maxDelay >= baseDelay, "need 0 <= baseDelay \(baseDelay) <= maxDelay \(maxDelay)")
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Returns the upper end of the jitter window before retry `retry` (1-based), in seconds.
    public func window(beforeRetry retry: Int) -> Double {
        let exponent = Double(max(0, retry - 1))
        return min(maxDelay, baseDelay * pow(2, exponent))
    }

    /// Returns the delay before retry `retry` for a uniform draw `unit` in [0, 1).
    public func delay(beforeRetry retry: Int, unit: Double) -> Double {
        unit * window(beforeRetry: retry)
    }
}

/// Runs `operation`, retrying it while it throws a transient `TransportError`
/// (see `TransportError.isTransient`), at most `maxAttempts` times in total.
///
/// Any other error, and the last transient one, is rethrown at once.
///
/// - Parameters:
///   - maxAttempts: attempts in total, the first one included.
///   - baseDelay: seconds; see `RetryPolicy` for the backoff formula.
///   - maxDelay: seconds; the cap on the jitter window.
///   - logger: receives one `warning` record per retry.
///   - randomUnit: draws U ~ Uniform[0, 1); replace it in tests.
///   - sleep: waits the given seconds; replace it in tests.
public func withRetries<T>(
    maxAttempts: Int, baseDelay: Double, maxDelay: Double = 60,
    logger: Logger = Logger(label: "fedsurv.transport.retry"),
    randomUnit: () -> Double = { Double.random(in: 0..<1) },
    sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) },
    _ operation: () throws -> T
) throws -> T {
    let policy = RetryPolicy(maxAttempts: maxAttempts, baseDelay: baseDelay, maxDelay: maxDelay)
    var attempt = 1
    while true {
        do {
            return try operation()
        } catch let error as TransportError where error.isTransient && attempt < policy.maxAttempts {
            let delay = policy.delay(beforeRetry: attempt, unit: randomUnit())
            logger.warning(
                "retrying after transient transport error",
                ["retry.attempt": attempt, "retry.max_attempts": policy.maxAttempts, "retry.delay_s": delay,
                 "error": error])
            sleep(delay)
            attempt += 1
        }
    }
}

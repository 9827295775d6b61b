import Testing

@testable import FedSurvTransport

@Suite struct TransportRetryTests {
    static let transient = TransportError.connectionFailed(url: "https://127.0.0.1:1/v1/x", message: "refused")
    static let permanent = TransportError.tlsFailed(url: "https://127.0.0.1:1/v1/x", message: "alert unknown CA")

    /// Fails with `errors` in order, then returns the attempt count.
    final class Script: @unchecked Sendable {
        var errors: [TransportError]
        var attempts = 0
        init(_ errors: [TransportError]) { self.errors = errors }

        func run() throws -> Int {
            attempts += 1
            if !errors.isEmpty { throw errors.removeFirst() }
            return attempts
        }
    }

    @Test("windows double up to the cap")
    func windows() {
        let policy = RetryPolicy(maxAttempts: 6, baseDelay: 0.5, maxDelay: 3)
        let windows = (1...5).map { policy.window(beforeRetry: $0) }
        #expect(windows == [0.5, 1, 2, 3, 3])
    }

    @Test("delay is the uniform draw times the window")
    func jitter() {
        let policy = RetryPolicy(maxAttempts: 4, baseDelay: 1, maxDelay: 60)
        #expect(policy.delay(beforeRetry: 3, unit: 0.25) == 1.0)
        #expect(policy.delay(beforeRetry: 1, unit: 0) == 0)
    }

    @Test("transient errors retried until success")
    func retriesTransient() throws {
        let script = Script([Self.transient, .timedOut(url: "u", message: "m")])
        var sleeps: [Double] = []

        let attempts = try withRetries(
            maxAttempts: 5, baseDelay: 1, randomUnit: { 0.5 }, sleep: { sleeps.append($0) }, script.run)

        #expect(attempts == 3)
        #expect(sleeps == [0.5, 1.0])
    }

    @Test("permanent error not retried")
    func permanentNotRetried() {
        let script = Script([Self.permanent])
        var sleeps: [Double] = []

        #expect(throws: TransportError.self) {
            try withRetries(maxAttempts: 5, baseDelay: 1, randomUnit: { 0.5 }, sleep: { sleeps.append($0) }, script.run)
        }
        #expect(script.attempts == 1)
        #expect(sleeps.isEmpty)
    }

    @Test("gives up after max attempts")
    func givesUp() {
        let script = Script(Array(repeating: Self.transient, count: 10))
        var sleeps: [Double] = []

        #expect(throws: TransportError.self) {
            try withRetries(maxAttempts: 3, baseDelay: 2, randomUnit: { 1 }, sleep: { sleeps.append($0) }, script.run)
        }
        #expect(script.attempts == 3)
        #expect(sleeps == [2, 4])
    }

    @Test(
        "transient statuses",
        arguments: [(408, true), (429, true), (502, true), (503, true), (504, true), (400, false), (404, false),
                    (413, false), (500, false)])
    func transientStatuses(status: Int, expected: Bool) {
        #expect(TransportError.httpStatus(url: "u", status: status, message: "m").isTransient == expected)
    }
}

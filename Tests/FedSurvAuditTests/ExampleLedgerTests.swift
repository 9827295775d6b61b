import Foundation
import Testing

/// Writes the example coordinator ledger that `docs/audit-report.png` shows, when asked to.
///
/// `FEDSURV_AUDIT_EXAMPLE_DIR=/tmp/example swift test --filter ExampleLedgerTests`, then
/// `scripts/render-report /tmp/example/coordinator-ledger.sqlite docs/audit-report.png --cap 1`.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["FEDSURV_AUDIT_EXAMPLE_DIR"] != nil,
        "set FEDSURV_AUDIT_EXAMPLE_DIR to write the example ledger"))
struct ExampleLedgerTests {
    @Test("write the example ledger")
    func writeExample() throws {
        let directory = ProcessInfo.processInfo.environment["FEDSURV_AUDIT_EXAMPLE_DIR"]!
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/coordinator-ledger.sqlite"
        try? FileManager.default.removeItem(atPath: path)
        let rounds = 12
        let cIndices = (0..<rounds).map { 0.58 + 0.19 * (1 - exp(-Double($0) / 3.5)) + 0.006 * sin(Double($0)) }
        try writeLedger(fixtureReleases(rounds: rounds), path: path, cIndices: cIndices)
        let result = try verifyFile(path)
        #expect(result.passed)
    }
}

import Foundation
import Testing

@testable import FedSurvIdentity

/// Runs the built `coordinator` executable, which `swift build --build-tests`
/// places beside the test bundle, and returns its exit status and output.
func runCoordinator(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("coordinator")
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
}

/// True when the coordinator executable was built beside the tests.
let coordinatorBuilt = FileManager.default.isExecutableFile(
    atPath: URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("coordinator").path)

@Suite(.enabled(if: coordinatorBuilt, "build the coordinator first: swift build --build-tests"))
struct CoordinatorCommandTests {
    @Test("ca init, sign, revoke, list")
    func lifecycle() throws {
        let directory = temporaryDirectory()
        let caDirectory = "\(directory)/ca"
        let initialized = try runCoordinator(["ca", "init", "--dir", caDirectory, "--name", "Command Test CA"])
        #expect(initialized.status == 0, "\(initialized.error)")
        #expect(try fileMode("\(caDirectory)/ca.key.pem") == 0o600)

        let request = try makeRequest("site-a")
        let certificatePath = "\(directory)/site-a.cert.pem"
        let signed = try runCoordinator([
            "ca", "sign", "--dir", caDirectory, "--csr", request.csrPath, "--role", "site", "--san", "site-a.example",
            "--san", "10.0.0.7", "--out", certificatePath,
        ])
        #expect(signed.status == 0, "\(signed.error)")
        let identity = try PeerIdentity(pem: try String(contentsOfFile: certificatePath, encoding: .utf8))
        #expect(identity.role == .site)
        #expect(identity.subjectAlternativeNames == [.dns("site-a.example"), .ipAddress("10.0.0.7")])

        let again = try runCoordinator([
            "ca", "sign", "--dir", caDirectory, "--csr", request.csrPath, "--role", "site", "--out", certificatePath,
        ])
        #expect(again.status == 1)
        #expect(again.error.contains("--renew"))

        let revoked = try runCoordinator(["ca", "revoke", "--dir", caDirectory, "--name", "site-a"])
        #expect(revoked.status == 0, "\(revoked.error)")
        let listed = try runCoordinator(["ca", "list", "--dir", caDirectory])
        #expect(listed.status == 0)
        #expect(listed.output.contains("site-a"))
        #expect(listed.output.contains("revoked"))
    }

    @Test("bad role is a usage error")
    func badRole() throws {
        let result = try runCoordinator([
            "ca", "sign", "--dir", "/nonexistent", "--csr", "x", "--role", "admin", "--out", "y",
        ])
        #expect(result.status == 64)
        #expect(result.error.contains("--role expects one of site, operator, auditor, server"))
    }

    @Test("revoke needs serial or name")
    func revokeNeedsTarget() throws {
        let result = try runCoordinator(["ca", "revoke", "--dir", "/nonexistent"])
        #expect(result.status == 64)
    }
}

import Foundation
import Testing

/// Runs the built `site-agent` next to the test bundle. There is no SiteAgent
/// test target, so the command's end-to-end tests live beside the library it drives.
/// NOTE: they need the executable built first (`swift build --build-tests`)
/// and fail with that hint when it is missing.
@Suite struct InspectCommandTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("site-agent")

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData, as: UTF8.self)
        )
    }

    @Test("inspect prints summary")
    func summary() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary.path),
            "build site-agent first: swift build --build-tests")
        let folder = SmallCohort.folder()
        let result = try run(["inspect", "--data", folder.path])
        #expect(result.status == 0)
        #expect(result.output.contains("usable survival 5, excluded 1"))
        #expect(result.output.contains("patients present 4 of 5"))
        let table = result.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(table.contains(["type", "patients", "events", "mirna", "cnv"]))
        #expect(table.contains(["total", "5", "2", "4", "4"]))
    }

    @Test("inspect bad folder exits 65")
    func badFolder() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary.path),
            "build site-agent first: swift build --build-tests")
        let result = try run(["inspect", "--data", "/nonexistent/site"])
        #expect(result.status == 65)
        #expect(result.error.contains("/nonexistent/site: folder not found"))
    }

    @Test("inspect without --data exits 64")
    func usage() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary.path),
            "build site-agent first: swift build --build-tests")
        let result = try run(["inspect"])
        #expect(result.status == 64)
        #expect(result.error.contains("missing required option --data"))
    }
}

import Foundation
import Testing

@testable import FedSurvConfig

@Suite struct TOMLDocumentTests {
    let document: TOMLDocument

    init() throws {
        document = try TOMLDocument(
            parsing: """
                name = "coordinator"
                port = 8443
                epsilon = 1
                quorum = 0.5
                verbose = false
                names = ["a", "b"]
                mixed = ["a", 1]

                [server]
                host = "127.0.0.1"
                prot = 9000
                """,
            file: "coordinator.toml")
    }

    @Test("typed values and defaults")
    func typedValues() throws {
        #expect(try document.string("name") == "coordinator")
        #expect(try document.string("absent", default: "fallback") == "fallback")
        #expect(try document.int("port", default: 1) == 8443)
        #expect(try document.int("absent", default: 7) == 7)
        #expect(try document.double("quorum") == 0.5)
        #expect(try document.double("absent", default: 0.25) == 0.25)
        #expect(try document.bool("verbose", default: true) == false)
        #expect(try document.stringArray("names") == ["a", "b"])
        #expect(try document.stringArray("absent", default: ["x"]) == ["x"])
        #expect(try document.string("absent") == nil)
    }

    @Test("integer accepted as double")
    func integerAsDouble() throws {
        #expect(try document.double("epsilon") == 1.0)
    }

    @Test("wrong type names file, line and key")
    func wrongType() {
        do {
            _ = try document.string("port")
            Issue.record("expected a wrong-type error")
        } catch {
            #expect(error == .wrongType(file: "coordinator.toml", at: TOMLPosition(line: 2, column: 1), key: "port", expected: "a string", found: "an integer"))
            #expect(error.description == "coordinator.toml:2:1: key 'port' must be a string, found an integer; change the value's type")
        }
    }

    @Test("mixed array is not a string array")
    func mixedArray() {
        #expect(throws: ConfigError.self) { try document.stringArray("mixed") }
    }

    @Test("wrong type for int, double, bool")
    func wrongTypes() {
        #expect(throws: ConfigError.self) { try document.int("quorum") }
        #expect(throws: ConfigError.self) { try document.double("name") }
        #expect(throws: ConfigError.self) { try document.bool("port") }
        #expect(throws: ConfigError.self) { try document.table("name") }
    }

    @Test("required key and table")
    func required() throws {
        let port = try document.required("port", document.int)
        #expect(port == 8443)
        do {
            let server = try document.requiredTable("server")
            _ = try server.required("certificate", server.string)
            Issue.record("expected a missing-key error")
        } catch {
            #expect(error == .missingKey(file: "coordinator.toml", table: "server", key: "certificate"))
        }
        #expect(throws: ConfigError.self) { try document.requiredTable("tls") }
    }

    @Test("unknown key reports line and suggestion")
    func unknownKey() throws {
        let server = try document.requiredTable("server")
        #expect(server.unknownKeys(allowed: ["host", "port"]).map(\.key) == ["prot"])
        do {
            try server.rejectUnknownKeys(allowed: ["host", "port"])
            Issue.record("expected an unknown-key error")
        } catch {
            #expect(
                error == .unknownKey(
                    file: "coordinator.toml", at: TOMLPosition(line: 11, column: 1), table: "server", key: "prot",
                    allowed: ["host", "port"], suggestion: "port"))
            #expect(
                error.description
                    == "coordinator.toml:11:1: unknown key 'prot' in table [server]; did you mean 'port'? (accepted keys: host, port)")
        }
    }

    @Test("unknown key with no close match")
    func unknownKeyNoSuggestion() throws {
        let server = try document.requiredTable("server")
        do {
            try server.rejectUnknownKeys(allowed: ["host"])
            Issue.record("expected an unknown-key error")
        } catch {
            guard case let .unknownKey(_, _, _, _, _, suggestion) = error else {
                Issue.record("expected .unknownKey, got \(error)")
                return
            }
            #expect(suggestion == nil)
        }
    }

    @Test("all keys known passes")
    func allKnown() throws {
        let server = try document.requiredTable("server")
        #expect(throws: Never.self) { try server.rejectUnknownKeys(allowed: ["host", "port", "prot"]) }
    }

    @Test("invalid value error carries position")
    func invalidValue() {
        let error = document.invalidValue("quorum", "must be at least 1 site")
        #expect(error.description == "coordinator.toml:4:1: invalid value for 'quorum': must be at least 1 site")
    }

    @Test("edit distance")
    func distance() {
        #expect(editDistance("prot", "port") == 2)
        #expect(editDistance("epsilon", "epsilon") == 0)
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("kitten", "sitting") == 3)
    }

    @Test("reads a file from disk")
    func readsFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedsurv-\(UUID().uuidString).toml").path
        try "[site]\nid = \"site-a\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try TOMLDocument(contentsOfFile: path)
        #expect(loaded.file == path)
        #expect(try loaded.requiredTable("site").string("id") == "site-a")
    }
}

import Testing

@testable import FedSurvCore

@Suite struct ArgumentsTests {
    @Test("options, inline values and flags")
    func parsesOptions() throws {
        var arguments = try Arguments(["inspect", "--data", "/tmp/x", "--folds=5", "--dp"], flagNames: ["dp"])
        #expect(arguments.positionals == ["inspect"])
        let data = arguments.string("data")
        let folds = try arguments.int("folds")
        let dp = arguments.flag("dp")
        #expect(data == "/tmp/x")
        #expect(folds == 5)
        #expect(dp)
        #expect(throws: Never.self) { try arguments.rejectUnknown() }
    }

    @Test("unknown option is rejected")
    func rejectsUnknown() throws {
        var arguments = try Arguments(["--data", "x", "--dta", "y"])
        _ = arguments.string("data")
        #expect(throws: UsageError.self) { try arguments.rejectUnknown() }
    }

    @Test("option without value is rejected")
    func rejectsMissingValue() {
        #expect(throws: UsageError.self) { try Arguments(["--data"]) }
    }

    @Test("non-integer value is rejected")
    func rejectsBadInteger() throws {
        var arguments = try Arguments(["--folds", "five"])
        #expect(throws: UsageError.self) { _ = try arguments.int("folds") }
    }

    @Test("logfmt quoting")
    func quotesValues() {
        #expect(Logger.quote("plain") == "plain")
        #expect(Logger.quote("two words") == "\"two words\"")
        #expect(Logger.quote("a\"b") == "\"a\\\"b\"")
    }
}

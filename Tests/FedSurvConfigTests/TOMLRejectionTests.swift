import Testing

@testable import FedSurvConfig

/// Parses `text` and returns the error it raises, or nil when it parses.
func parseError(_ text: String) -> ConfigError? {
    do {
        _ = try TOMLDocument(parsing: text, file: "bad.toml")
        return nil
    } catch {
        return error
    }
}

@Suite struct TOMLRejectionTests {
    @Test("multi-line basic string")
    func multilineBasic() {
        let error = parseError("a = 1\nb = \"\"\"\ntext\"\"\"")
        guard case let .unsupported(file, at, feature, _) = error else {
            Issue.record("expected .unsupported, got \(String(describing: error))")
            return
        }
        #expect(file == "bad.toml")
        #expect(at == TOMLPosition(line: 2, column: 5))
        #expect(feature == "multi-line strings")
    }

    @Test("multi-line literal string")
    func multilineLiteral() {
        let error = parseError("b = '''\ntext'''")
        guard case .unsupported(_, _, "multi-line strings", _) = error else {
            Issue.record("expected multi-line rejection, got \(String(describing: error))")
            return
        }
    }

    @Test(
        "dates and times",
        arguments: ["1979-05-27", "1979-05-27T07:32:00Z", "1979-05-27 07:32:00", "07:32:00", "1979-05-27T00:32:00.999-07:00"])
    func dates(literal: String) {
        let error = parseError("when = \(literal)")
        guard case let .unsupported(_, at, feature, hint) = error else {
            Issue.record("expected .unsupported, got \(String(describing: error))")
            return
        }
        #expect(feature == "dates and times")
        #expect(at == TOMLPosition(line: 1, column: 8))
        #expect(hint.contains("string"))
    }

    @Test("inf and nan", arguments: ["inf", "+inf", "-inf", "nan", "+nan", "-nan"])
    func infNan(literal: String) {
        let error = parseError("x = \(literal)")
        guard case .unsupported(_, _, "inf and nan", _) = error else {
            Issue.record("expected inf/nan rejection, got \(String(describing: error))")
            return
        }
    }

    @Test("duplicate key names both lines")
    func duplicateKey() {
        let error = parseError("name = \"a\"\n\nname = \"b\"")
        #expect(error == .duplicateKey(file: "bad.toml", at: TOMLPosition(line: 3, column: 1), key: "name", firstLine: 1))
        #expect(error?.description == "bad.toml:3:1: duplicate key 'name', first defined on line 1; remove one of the two")
    }

    @Test("duplicate key through dotted keys")
    func duplicateDottedKey() {
        let error = parseError("a.b = 1\na.b = 2")
        guard case .duplicateKey(_, _, "a.b", 1) = error else {
            Issue.record("expected .duplicateKey, got \(String(describing: error))")
            return
        }
    }

    @Test("duplicate key in inline table")
    func duplicateInlineKey() {
        let error = parseError("t = { x = 1, x = 2 }")
        guard case .duplicateKey(_, _, "t.x", 1) = error else {
            Issue.record("expected .duplicateKey, got \(String(describing: error))")
            return
        }
    }

    @Test(
        "redefined tables",
        arguments: [
            ("[a]\nx = 1\n[a]\ny = 2", 3),  // the same header twice
            ("[a]\nb.c = 1\n[a.b]", 3),  // header reopens a dotted-key table
            ("[a.b]\nx = 1\n[a]\nb.y = 2", 4),  // dotted keys extend a header table
            ("a = { x = 1 }\n[a]", 2),  // header extends an inline table
            ("a = { x = 1 }\na.y = 2", 2),  // dotted key extends an inline table
            ("a = { x = 1 }\n[a.b]", 2),  // header below an inline table
            ("a = 1\n[a]", 2),  // a value becomes a table
            ("a = 1\na.b = 2", 2),  // a value becomes a dotted table
            ("[[a]]\n[a]", 2),  // array of tables reopened as a table
            ("[a]\n[[a]]", 2),  // table turned into an array of tables
            ("a = [1]\n[[a]]", 2),  // static array extended by [[a]]
        ])
    func redefinedTable(text: String, line: Int) {
        let error = parseError(text)
        guard case let .redefinedTable(file, at, _, _, reason) = error else {
            Issue.record("expected .redefinedTable for \(text.debugDescription), got \(String(describing: error))")
            return
        }
        #expect(file == "bad.toml")
        #expect(at.line == line)
        #expect(!reason.isEmpty)
    }

    @Test("redefined table message")
    func redefinedTableMessage() {
        let error = parseError("[server]\nport = 1\n\n[server]")
        #expect(
            error?.description
                == "bad.toml:4:1: table [server] was already defined on line 1; a table is defined once, so merge the two sections")
    }

    @Test(
        "syntax errors with positions",
        arguments: [
            ("a = ", 1, 5),  // missing value
            ("a = \"open", 1, 10),  // unterminated string
            ("a = 'open", 1, 10),  // unterminated literal string
            ("a = \"bad \\q escape\"", 1, 10),  // invalid escape
            ("a = \"\\uD800\"", 1, 6),  // surrogate code point
            ("a = site-a", 1, 5),  // unquoted string
            ("a = 1 b = 2", 1, 7),  // two pairs on one line
            ("a 1", 1, 3),  // missing '='
            ("= 1", 1, 1),  // missing key
            ("a = 01", 1, 5),  // leading zero
            ("a = 1__0", 1, 5),  // double underscore
            ("a = _1", 1, 5),  // leading underscore
            ("a = 1.", 1, 5),  // fraction without digits
            ("a = .5", 1, 5),  // float without integer part
            ("a = 1e", 1, 5),  // exponent without digits
            ("a = -0x10", 1, 5),  // signed hexadecimal
            ("a = 9223372036854775808", 1, 5),  // integer overflow
            ("a = 1e400", 1, 5),  // float overflow
            ("a = [1, 2", 1, 5),  // unterminated array
            ("a = [1 2]", 1, 8),  // missing comma
            ("a = { x = 1,\n y = 2 }", 1, 5),  // inline table over two lines
            ("a = { x = 1, }", 1, 14),  // trailing comma in inline table
            ("[a", 1, 3),  // unterminated header
            ("[[a]", 1, 5),  // half-closed array header
            ("a = 1\r", 1, 6),  // bare carriage return
            ("a = \"x\u{01}\"", 1, 7),  // control character in a string
            ("a = tru", 1, 5),  // misspelt boolean
        ])
    func syntaxErrors(text: String, line: Int, column: Int) {
        let error = parseError(text)
        guard case let .syntax(file, at, message) = error else {
            Issue.record("expected .syntax for \(text.debugDescription), got \(String(describing: error))")
            return
        }
        #expect(file == "bad.toml")
        #expect(at == TOMLPosition(line: line, column: column), "\(text.debugDescription): \(message)")
    }

    @Test("unreadable file names the path")
    func unreadable() {
        #expect(throws: ConfigError.self) {
            try TOMLDocument(contentsOfFile: "/nonexistent/fedsurv/config.toml")
        }
        do {
            _ = try TOMLDocument(contentsOfFile: "/nonexistent/fedsurv/config.toml")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/fedsurv/config.toml: cannot read"))
        }
    }
}

import Testing

@testable import FedSurvConfig

/// Parses `text` as a file named `test.toml`.
func parse(_ text: String) throws -> TOMLDocument {
    try TOMLDocument(parsing: text, file: "test.toml")
}

@Suite struct TOMLFeatureTests {
    @Test("comments and blank lines")
    func comments() throws {
        let document = try parse(
            """
            # a full-line comment

            name = "site-a" # a trailing comment
            \t# an indented comment
            """)
        #expect(document.table.keys == ["name"])
        #expect(try document.string("name") == "site-a")
    }

    @Test("bare and quoted keys")
    func keys() throws {
        let document = try parse(
            """
            bare_key-1 = 1
            "quoted key" = 2
            'literal.key' = 3
            "" = 4
            """)
        #expect(document.table.keys == ["bare_key-1", "quoted key", "literal.key", ""])
        #expect(try document.int("literal.key") == 3)
        #expect(try document.int("") == 4)
    }

    @Test("dotted keys create tables")
    func dottedKeys() throws {
        let document = try parse(
            """
            model.encoder.width = 128
            model . encoder . depth = 2
            model."name" = "bilayer"
            """)
        let encoder = try document.requiredTable("model.encoder")
        #expect(try encoder.int("width") == 128)
        #expect(try encoder.int("depth") == 2)
        #expect(try document.requiredTable("model").string("name") == "bilayer")
        #expect(encoder.tablePath == "model.encoder")
    }

    @Test("table and sub-table headers")
    func tableHeaders() throws {
        let document = try parse(
            """
            top = true

            [server]
            port = 8443

            [server.tls]
            certificate = "server.pem"

            [ privacy ]
            epsilon_cap = 4.0
            """)
        #expect(try document.bool("top") == true)
        #expect(try document.requiredTable("server").int("port") == 8443)
        #expect(try document.requiredTable("server.tls").string("certificate") == "server.pem")
        #expect(try document.requiredTable("privacy").double("epsilon_cap") == 4.0)
        #expect(document.table.keys == ["top", "server", "privacy"])
    }

    @Test("implied table defined later")
    func impliedThenDefined() throws {
        let document = try parse(
            """
            [a.b.c]
            x = 1
            [a]
            y = 2
            """)
        #expect(try document.requiredTable("a").int("y") == 2)
        #expect(try document.requiredTable("a.b.c").int("x") == 1)
    }

    @Test("header adds sub-table under dotted keys")
    func subTableUnderDotted() throws {
        let document = try parse(
            """
            [fruit]
            apple.color = "red"
            [fruit.apple.texture]
            smooth = true
            """)
        #expect(try document.requiredTable("fruit.apple").string("color") == "red")
        #expect(try document.requiredTable("fruit.apple.texture").bool("smooth") == true)
    }

    @Test("arrays of tables")
    func arraysOfTables() throws {
        let document = try parse(
            """
            [[sites]]
            name = "a"
            [sites.budget]
            epsilon = 1.0

            [[sites]]
            name = "b"

            [[consortium.auditors]]
            name = "dpo"
            """)
        let sites = try document.tables("sites")
        #expect(sites.count == 2)
        #expect(try sites[0].string("name") == "a")
        #expect(try sites[0].requiredTable("budget").double("epsilon") == 1.0)
        #expect(try sites[1].string("name") == "b")
        #expect(try sites[1].table("budget") == nil)
        #expect(sites[1].tablePath == "sites[1]")
        let auditors = try document.requiredTable("consortium").tables("auditors")
        #expect(auditors.count == 1)
        #expect(try document.tables("missing").isEmpty)
    }

    @Test("sub-table under each array element")
    func subTablePerElement() throws {
        let document = try parse(
            """
            [[sites]]
            name = "a"
            [sites.tls]
            certificate = "a.pem"
            [[sites]]
            name = "b"
            [sites.tls]
            certificate = "b.pem"
            """)
        let sites = try document.tables("sites")
        #expect(try sites.map { try $0.requiredTable("tls").string("certificate") } == ["a.pem", "b.pem"])
        #expect(try sites[1].requiredTable("tls").tablePath == "sites[1].tls")
    }

    @Test("basic strings with escapes")
    func basicStrings() throws {
        let document = try parse(
            #"""
            escapes = "tab\there \"quoted\" back\\slash\nline"
            unicode = "caf\u00E9 \U0001F600"
            raw = "naïve ünïcode"
            empty = ""
            """#)
        #expect(try document.string("escapes") == "tab\there \"quoted\" back\\slash\nline")
        #expect(try document.string("unicode") == "café 😀")
        #expect(try document.string("raw") == "naïve ünïcode")
        #expect(try document.string("empty") == "")
    }

    @Test("literal strings keep backslashes")
    func literalStrings() throws {
        let document = try parse(#"path = 'C:\data\tcga' "#)
        #expect(try document.string("path") == #"C:\data\tcga"#)
    }

    @Test(
        "integers",
        arguments: [
            ("42", 42), ("+17", 17), ("-5", -5), ("0", 0), ("-0", 0), ("1_000_000", 1_000_000),
            ("0xDEAD_beef", 0xDEAD_BEEF), ("0o755", 0o755), ("0b1101", 13),
            ("9223372036854775807", Int.max), ("-9223372036854775808", Int.min),
        ])
    func integers(literal: String, expected: Int) throws {
        let document = try parse("n = \(literal)")
        #expect(document.table["n"] == .integer(expected))
    }

    @Test(
        "floats",
        arguments: [
            ("0.5", 0.5), ("-3.25", -3.25), ("+1.0", 1.0), ("1e-5", 1e-5), ("5E+22", 5e22), ("6.626e-34", 6.626e-34),
            ("1_000.000_1", 1000.0001), ("-0.0", -0.0), ("2e0_1", 2e1),
        ])
    func floats(literal: String, expected: Double) throws {
        let document = try parse("x = \(literal)")
        #expect(document.table["x"] == .float(expected))
    }

    @Test("booleans")
    func booleans() throws {
        let document = try parse("on = true\noff = false")
        #expect(try document.bool("on") == true)
        #expect(try document.bool("off") == false)
    }

    @Test("multi-line array with comments and trailing comma")
    func arrays() throws {
        let document = try parse(
            """
            modalities = [
              "clinical",  # always present
              "mrna",
              # "mirna",
              "cnv",
            ]
            empty = []
            nested = [[1, 2], ["a"]]
            """)
        #expect(try document.stringArray("modalities") == ["clinical", "mrna", "cnv"])
        #expect(try document.stringArray("empty") == [])
        #expect(document.table["nested"] == .array([.array([.integer(1), .integer(2)]), .array([.string("a")])]))
    }

    @Test("inline tables")
    func inlineTables() throws {
        let document = try parse(
            """
            clip = { l1 = 1.5, groups.first = "encoder" }
            empty = {}
            sites = [ { name = "a" }, { name = "b" } ]
            """)
        let clip = try document.requiredTable("clip")
        #expect(try clip.double("l1") == 1.5)
        #expect(try clip.requiredTable("groups").string("first") == "encoder")
        #expect(try document.requiredTable("empty").table.keys.isEmpty)
        #expect(try document.tables("sites").map { try $0.string("name") } == ["a", "b"])
    }

    @Test("CRLF line ends and byte order mark")
    func crlfAndBOM() throws {
        let document = try parse("\u{FEFF}a = 1\r\n[t]\r\nb = 2\r\n")
        #expect(try document.int("a") == 1)
        #expect(try document.requiredTable("t").int("b") == 2)
    }

    @Test("positions of keys and tables")
    func positions() throws {
        let document = try parse(
            """
            a = 1

            [server]
              port = 8443
            """)
        #expect(document.table.position(of: "a") == TOMLPosition(line: 1, column: 1))
        let server = try document.requiredTable("server")
        #expect(server.table.position == TOMLPosition(line: 3, column: 1))
        #expect(server.table.position(of: "port") == TOMLPosition(line: 4, column: 3))
    }
}

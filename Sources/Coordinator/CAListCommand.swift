import FedSurvCore
import FedSurvIdentity
import Foundation

/// `coordinator ca list --dir DIR [--json]`.
func runCAList(_ arguments: inout Arguments) throws {
    let directory = try arguments.required("dir")
    let asJSON = arguments.flag("json")
    try arguments.rejectUnknown()
    try rejectPositionals(arguments)

    let authority = try CertificateAuthority(directory: directory)
    let records = try authority.issuedCertificates()
    if asJSON {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(records), as: UTF8.self))
        return
    }

    let now = Date()
    let rows = records.map { record -> [String] in
        let status: String
        if let revokedAt = record.revokedAt {
            status = "revoked \(revokedAt.formatted(.iso8601))"
        } else if record.notAfter <= now {
            status = "expired"
        } else {
            status = "valid"
        }
        return [
            String(record.serial), record.commonName, record.role.rawValue, record.notAfter.formatted(.iso8601), status,
            record.subjectAlternativeNames.joined(separator: " "),
        ]
    }
    printTable(header: ["SERIAL", "COMMON NAME", "ROLE", "NOT AFTER", "STATUS", "NAMES"], rows: rows)
    if records.isEmpty { print("(no certificates issued yet)") }
}

/// Prints rows in left-aligned columns separated by two spaces.
func printTable(header: [String], rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        let cells = row.enumerated().map { column, cell in
            column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
        }
        print(cells.joined(separator: "  "))
    }
}

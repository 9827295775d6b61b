import FedSurvCore
import FedSurvIdentity
import Foundation

/// `coordinator ca sign --dir DIR --csr FILE --role ROLE [--san NAME]... [--days N] [--renew] --out FILE`.
func runCASign(_ arguments: inout Arguments) throws {
    let directory = try arguments.required("dir")
    let csrPath = try arguments.required("csr")
    let roleName = try arguments.required("role")
    let outputPath = try arguments.required("out")
    let alternativeNames = arguments.strings("san")
    let days = try validityDays(&arguments, default: 365)
    let renew = arguments.flag("renew")
    try arguments.rejectUnknown()
    try rejectPositionals(arguments)
    guard let role = Role(rawValue: roleName) else {
        let roles = Role.allCases.map(\.rawValue).joined(separator: ", ")
        throw UsageError("option --role expects one of \(roles), got '\(roleName)'")
    }

    let csrPEM: String
    do {
        csrPEM = try String(contentsOfFile: csrPath, encoding: .utf8)
    } catch {
        throw UsageError("cannot read the certificate signing request \(csrPath): \(error.localizedDescription)")
    }
    let authority = try CertificateAuthority(directory: directory)
    let issued = try authority.sign(
        csrPEM: csrPEM, role: role, validityDays: days, subjectAlternativeNames: alternativeNames, renew: renew)
    do {
        try issued.pem.write(toFile: outputPath, atomically: true, encoding: .utf8)
    } catch {
        throw UsageError(
            "issued serial \(issued.record.serial) but cannot write \(outputPath): \(error.localizedDescription); "
                + "a copy is in \(directory)/issued/\(issued.record.serial).cert.pem")
    }

    let record = issued.record
    var summary = "issued serial \(record.serial) to '\(record.commonName)' as \(record.role), "
    summary += "valid until \(record.notAfter.formatted(.iso8601))"
    if !record.subjectAlternativeNames.isEmpty {
        summary += ", names \(record.subjectAlternativeNames.joined(separator: " "))"
    }
    print(summary)
    print("wrote \(outputPath); send it with \(authority.certificatePath) to the holder of the key")
}

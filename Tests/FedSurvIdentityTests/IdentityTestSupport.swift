import Foundation

@testable import FedSurvIdentity

/// Creates a fresh directory under the system's temporary directory.
func temporaryDirectory(_ label: String = "ca") -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedsurv-\(label)-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A fixed issue time: 2027-01-15T08:00:00Z.
let issueTime = Date(timeIntervalSince1970: 1_800_000_000)
let day: TimeInterval = 86400

/// Creates a CA with its clock fixed at `time`, in a new directory.
func makeAuthority(name: String = "FedSurv Test Consortium", at time: Date = issueTime) throws -> CertificateAuthority {
    try CertificateAuthority.initialize(
        directory: temporaryDirectory(), commonName: name, validityDays: 3650, clock: { time })
}

/// Creates a key and CSR for `commonName` in a new site directory.
func makeRequest(_ commonName: String) throws -> KeyAndCSR {
    try makeKeyAndCSR(commonName: commonName, directory: temporaryDirectory("site"))
}

/// Flips the last byte of a PEM object's DER encoding, which for a CSR lies in its signature.
func corruptLastByte(ofPEM pem: String) -> String {
    let lines = pem.split(separator: "\n").map(String.init)
    let header = lines.first!
    let footer = lines.last!
    var der = Data(base64Encoded: lines.dropFirst().dropLast().joined())!
    der[der.count - 1] ^= 0x01
    let body = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
    return "\(header)\n\(body)\n\(footer)\n"
}

func fileMode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as! NSNumber).intValue
}

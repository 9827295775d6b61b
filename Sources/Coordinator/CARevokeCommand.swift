import FedSurvCore
import FedSurvIdentity

/// `coordinator ca revoke --dir DIR (--serial N | --name CN)`.
func runCARevoke(_ arguments: inout Arguments) throws {
    let directory = try arguments.required("dir")
    let serialText = arguments.string("serial")
    let name = arguments.string("name")
    try arguments.rejectUnknown()
    try rejectPositionals(arguments)

    enum Target {
        case serial(UInt64)
        case commonName(String)
    }
    let target: Target
    switch (serialText, name) {
    case let (serialText?, nil):
        guard let serial = UInt64(serialText) else {
            throw UsageError("option --serial expects a positive integer, got '\(serialText)'")
        }
        target = .serial(serial)
    case let (nil, name?):
        target = .commonName(name)
    default:
        throw UsageError("give exactly one of --serial N or --name CN")
    }

    let authority = try CertificateAuthority(directory: directory)
    let revoked: [IssuedCertificateRecord]
    switch target {
    case let .serial(serial): revoked = [try authority.revoke(serial: serial)]
    case let .commonName(name): revoked = try authority.revoke(commonName: name)
    }
    for record in revoked {
        print("revoked serial \(record.serial) ('\(record.commonName)', \(record.role))")
    }
    print("reissued \(authority.crlPath); reload it wherever peers are verified")
}

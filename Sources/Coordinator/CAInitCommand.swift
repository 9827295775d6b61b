import FedSurvCore
import FedSurvIdentity

/// `coordinator ca init --dir DIR --name NAME [--days N]`.
func runCAInit(_ arguments: inout Arguments) throws {
    let directory = try arguments.required("dir")
    let name = try arguments.required("name")
    let days = try validityDays(&arguments, default: 3650)
    try arguments.rejectUnknown()
    try rejectPositionals(arguments)

    let authority = try CertificateAuthority.initialize(directory: directory, commonName: name, validityDays: days)
    print("created CA '\(name)' in \(authority.directory), valid for \(days) days")
    print("give \(authority.certificatePath) to every site, operator and auditor; keep ca.key.pem private")
}

import FedSurvCore
import FedSurvIdentity

/// Usage of `site-agent csr`, for the tool's help text.
let csrUsage = """
      csr --dir DIR --name CN
                             Create the site's private key (DIR/key.pem, mode 0600) and a
                             certificate signing request (DIR/request.csr.pem) for common
                             name CN. Send only the request to the consortium operator.
    """

/// `site-agent csr --dir DIR --name CN`: creates the site key and a certificate signing request.
///
/// - Throws: `UsageError` for missing or unknown options, `IdentityError` when
///   the name is invalid or DIR already contains a key.
func runCSRCommand(_ arguments: inout Arguments) throws {
    let directory = try arguments.required("dir")
    let name = try arguments.required("name")
    try arguments.rejectUnknown()

    let result = try makeKeyAndCSR(commonName: name, directory: directory)
    print("wrote the private key to \(result.keyPath) (mode 0600); it never leaves this machine")
    print("wrote the certificate signing request to \(result.csrPath)")
    print("send the request to the consortium operator, who signs it with `coordinator ca sign`")
}

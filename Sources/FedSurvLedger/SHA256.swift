import COpenSSL

/// SHA-256 (FIPS 180-4) through OpenSSL's EVP interface.
public enum SHA256 {
    /// Returns the lowercase hexadecimal digest of `bytes`.
    public static func hex<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digest = Array(bytes).withUnsafeBytes { buffer -> [UInt8] in
            var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            let status = EVP_Digest(buffer.baseAddress, buffer.count, &output, &length, EVP_sha256(), nil)
            precondition(status == 1, "EVP_Digest(SHA-256) failed; OpenSSL is unusable")
            return Array(output.prefix(Int(length)))
        }
        return digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    public static func hex(_ text: String) -> String {
        hex(Array(text.utf8))
    }
}

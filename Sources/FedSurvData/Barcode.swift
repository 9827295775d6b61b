/// A TCGA sample barcode such as `TCGA-OR-A5J1-01A-11R-A29W-13`.
///
/// Only the first 15 characters are interpreted: project `TCGA`, the tissue
/// source site (characters 6-7), the participant (characters 9-12) and the
/// sample type (characters 14-15). The patient barcode is the first 12
/// characters. Longer aliquot suffixes are kept verbatim in `full`.
public struct SampleBarcode: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let full: String
    public let patient: String
    public let sampleType: Int

    /// Parses `text`, returning nil when it is not a TCGA sample barcode.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 15, PatientBarcode.isValid(bytes[0..<12]), bytes[12] == UInt8(ascii: "-"),
            isDigit(bytes[13]), isDigit(bytes[14])
        else { return nil }
        if bytes.count > 15 {
            guard isAlphanumeric(bytes[15]) || bytes[15] == UInt8(ascii: "-") else { return nil }
        }
        full = text
        patient = String(decoding: bytes[0..<12], as: UTF8.self)
        sampleType = Int(bytes[13] - 48) * 10 + Int(bytes[14] - 48)
    }

    public var tissueSourceSite: String { PatientBarcode.tissueSourceSite(of: patient) }
    public var kind: SampleKind { SampleKind(code: sampleType) }
    public var description: String { full }

    public static func < (lhs: SampleBarcode, rhs: SampleBarcode) -> Bool {
        lhs.full.utf8.lexicographicallyPrecedes(rhs.full.utf8)
    }
}

/// The sample-type classes that decide which sample represents a patient.
public enum SampleKind: Equatable, Sendable {
    /// A tumour sample usable as the patient's primary sample, with its rank (0 is preferred).
    case tumour(rank: Int)
    /// Solid tissue normal, blood normal and other normal types (codes 10-14).
    case normal
    /// Any other type (cell lines, xenografts, controls), not used.
    case other

    /// Tumour preference: 01 primary solid tumour, 03 primary blood cancer,
    /// 02 recurrent solid tumour, 06 metastatic.
    public static let tumourPreference = [1, 3, 2, 6]

    public init(code: Int) {
        if let rank = Self.tumourPreference.firstIndex(of: code) {
            self = .tumour(rank: rank)
        } else if (10...14).contains(code) {
            self = .normal
        } else {
            self = .other
        }
    }
}

/// Checks and slices 12-character TCGA patient barcodes (`TCGA-OR-A5J1`).
public enum PatientBarcode {
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 12 && isValid(bytes[0..<12])
    }

    static func isValid(_ bytes: ArraySlice<UInt8>) -> Bool {
        let b = Array(bytes)
        guard b.count == 12, b[0] == UInt8(ascii: "T"), b[1] == UInt8(ascii: "C"), b[2] == UInt8(ascii: "G"),
            b[3] == UInt8(ascii: "A"), b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-")
        else { return false }
        return isAlphanumeric(b[5]) && isAlphanumeric(b[6]) && b[8...11].allSatisfy(isAlphanumeric)
    }

    /// Returns characters 6-7 of a patient barcode, the tissue source site.
    public static func tissueSourceSite(of patient: String) -> String {
        let bytes = Array(patient.utf8)
        return String(decoding: bytes[5..<7], as: UTF8.self)
    }
}

private func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

private func isAlphanumeric(_ byte: UInt8) -> Bool {
    isDigit(byte) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
}

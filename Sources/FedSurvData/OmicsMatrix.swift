/// The data modalities of a patient.
public enum Modality: String, CaseIterable, Codable, Sendable {
    case clinical, mrna, mirna, cnv

    /// The omics modalities, in the order used by files and summaries.
    public static let omics: [Modality] = [.mrna, .mirna, .cnv]
}

/// How an omics file lays out its matrix.
public enum OmicsOrientation: String, Sendable {
    /// UCSC Xena: features as rows, sample barcodes as header columns.
    case featuresAsRows
    /// One row per sample, the barcode in the first column, features in the header.
    case samplesAsRows
}

/// A raw omics matrix exactly as read, one `Float` per cell, `NaN` for missing.
///
/// The values stay in file order (one array per file line) so reading never
/// holds a second copy of the matrix: for `featuresAsRows` `rows[f][s]` is
/// feature `f` of sample `s`, and for `samplesAsRows` it is `rows[s][f]`.
public struct OmicsMatrix: Sendable {
    public let path: String
    public let orientation: OmicsOrientation
    public let featureNames: [String]
    public let samples: [SampleBarcode]
    public let rows: [[Float]]
    /// Decompressed bytes read, for throughput measurements.
    public let bytesRead: Int

    public init(
        path: String, orientation: OmicsOrientation, featureNames: [String], samples: [SampleBarcode],
        rows: [[Float]], bytesRead: Int = 0
    ) {
        self.path = path
        self.orientation = orientation
        self.featureNames = featureNames
        self.samples = samples
        self.rows = rows
        self.bytesRead = bytesRead
    }

    public func value(sample: Int, feature: Int) -> Float {
        switch orientation {
        case .featuresAsRows: rows[feature][sample]
        case .samplesAsRows: rows[sample][feature]
        }
    }
}

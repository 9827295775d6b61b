/// A failure to read or prepare TCGA-style input.
///
/// Every case names the file and, where one exists, the line (1-based) and
/// column (1-based), and its description states what to do next.
/// Descriptions never contain numeric cell values. Identifiers (barcodes,
/// feature names) and a non-numeric cell's text (first 32 characters) do
/// appear, because they are what the user must fix.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(path: String)
    case folderNotFound(path: String)
    case unreadable(path: String, reason: String)
    case truncatedGzip(path: String, reason: String)
    case emptyFile(path: String)
    case noDataRows(path: String)
    case wrongDelimiter(path: String, line: Int, found: String)
    case raggedRow(path: String, line: Int, expected: Int, found: Int)
    case nonNumeric(path: String, line: Int, column: Int, text: String)
    case notABarcode(path: String, line: Int, column: Int, identifier: String)
    case headerWithoutBarcodes(path: String)
    case duplicateFeature(path: String, name: String, firstLine: Int, line: Int)
    case duplicateSample(path: String, barcode: String, firstPosition: Int, position: Int)
    case duplicatePatient(path: String, barcode: String, firstLine: Int, line: Int)
    case missingColumn(path: String, column: String)
    case duplicateColumn(path: String, column: String)
    case noClinicalFile(directory: String)
    case ambiguousFiles(directory: String, prefix: String, matches: [String])
    case invalidRows(count: Int, reason: String)
    case missingFittedFeature(modality: String, feature: String)
    case writeFailed(path: String, reason: String)
    case invalidPreprocessingFile(path: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): file not found; check the path and the file name"
        case .folderNotFound(let path):
            return "\(path): folder not found; pass the folder that holds clinical*.tsv and the omics files"
        case .unreadable(let path, let reason):
            return "\(path): cannot be read (\(reason)); check that the file exists and is readable"
        case .truncatedGzip(let path, let reason):
            return "\(path): gzip data is truncated or corrupt (\(reason)); download the file again"
        case .emptyFile(let path):
            return "\(path): the file is empty; expected a header line and data rows"
        case .noDataRows(let path):
            return "\(path): the file has a header but no data rows; check that the download finished"
        case .wrongDelimiter(let path, let line, let found):
            return
                "\(path):\(line): no tab found but \(found) are present; the file must be tab-separated (TSV), convert it first"
        case .raggedRow(let path, let line, let expected, let found):
            return "\(path):\(line): row has \(found) cells but the header has \(expected); fix the row or remove it"
        case .nonNumeric(let path, let line, let column, let text):
            return
                "\(path):\(line): column \(column): '\(text)' is not a number in Float range; use a decimal number, or NA or an empty cell for a missing value"
        case .notABarcode(let path, let line, let column, let identifier):
            return
                "\(path):\(line): column \(column): '\(identifier)' is not a TCGA sample barcode (TCGA-XX-XXXX-NN...); use full sample barcodes as sample identifiers"
        case .headerWithoutBarcodes(let path):
            return
                "\(path): no TCGA sample barcodes in the header or in the first column; give samples as columns (Xena) or as rows, identified by barcodes such as TCGA-OR-A5J1-01A"
        case .duplicateFeature(let path, let name, let firstLine, let line):
            return
                "\(path): feature '\(name)' appears twice (lines \(firstLine) and \(line)); remove or rename one of them"
        case .duplicateSample(let path, let barcode, let firstPosition, let position):
            return
                "\(path): sample '\(barcode)' appears twice (positions \(firstPosition) and \(position)); remove one of them"
        case .duplicatePatient(let path, let barcode, let firstLine, let line):
            return
                "\(path): patient '\(barcode)' appears twice (lines \(firstLine) and \(line)); keep one row per patient"
        case .missingColumn(let path, let column):
            return
                "\(path): required column '\(column)' is missing from the header; add it or rename the matching column"
        case .duplicateColumn(let path, let column):
            return "\(path): column '\(column)' appears twice in the header; keep one of them"
        case .noClinicalFile(let directory):
            return "\(directory): no clinical*.tsv file found; put the clinical table in this folder"
        case .ambiguousFiles(let directory, let prefix, let matches):
            return
                "\(directory): several files start with '\(prefix)' (\(matches.joined(separator: ", "))); keep one per modality"
        case .invalidRows(let count, let reason):
            return "\(count) row indices are invalid (\(reason)); pass indices into the cohort's patient list"
        case .missingFittedFeature(let modality, let feature):
            return
                "\(modality): feature '\(feature)' was used when the preprocessing was fitted but is missing from this site's file; every site needs the same features"
        case .writeFailed(let path, let reason):
            return "\(path): write failed (\(reason)); check the folder exists and is writable"
        case .invalidPreprocessingFile(let path):
            return
                "\(path): not a valid preprocessing file; fit the preprocessing again and save it with Preprocessing.save(to:)"
        }
    }
}

import Glibc

/// Reads omics matrices in UCSC Xena orientation or with samples as rows.
///
/// The file is tab-separated, plain or gzip-compressed. The first header
/// cell is a label (for example `sample`) and is ignored. Empty cells and
/// `NA`, `NaN` or `nan` are missing and stored as `NaN`. Any other cell that
/// is not a decimal number is an error. Blank lines are skipped.
/// A repeated feature name or a repeated full sample barcode is an error,
/// never merged. Distinct aliquots of one patient are kept, and the cohort
/// picks one per patient later.
public enum OmicsReader {
    /// Reads the matrix in `path`.
    ///
    /// When `orientation` is nil it is detected. Barcodes in the header mean
    /// Xena (features as rows), otherwise each row must start with a barcode.
    public static func read(path: String, orientation: OmicsOrientation? = nil) throws -> OmicsMatrix {
        var state = ReaderState(path: path, requested: orientation)
        let bytes = try LineReader(path: path).forEachLine { line, number in
            try state.consume(line, number)
        }
        return try state.finish(bytesRead: bytes)
    }
}

private struct ReaderState {
    let path: String
    let requested: OmicsOrientation?
    var orientation: OmicsOrientation = .featuresAsRows
    var headerNames: [String] = []
    var headerSeen = false
    var expectedCells = 0
    var rowNames: [String] = []
    var rowLines: [String: Int] = [:]
    var rows: [[Float]] = []

    init(path: String, requested: OmicsOrientation?) {
        self.path = path
        self.requested = requested
    }

    mutating func consume(_ line: UnsafeBufferPointer<UInt8>, _ number: Int) throws {
        if line.isEmpty { return }
        if !headerSeen {
            try readHeader(line, number)
            return
        }
        try readRow(line, number)
    }

    // MARK: - Header

    private mutating func readHeader(_ line: UnsafeBufferPointer<UInt8>, _ number: Int) throws {
        headerSeen = true
        var cursor = CellCursor(line)
        var cells: [String] = []
        while let cell = cursor.nextCell() { cells.append(String(cell: cell)) }
        if cells.count == 1 {
            let text = cells[0]
            if text.contains(",") { throw DataError.wrongDelimiter(path: path, line: number, found: "commas") }
            if text.contains(";") { throw DataError.wrongDelimiter(path: path, line: number, found: "semicolons") }
        }
        headerNames = Array(cells.dropFirst())
        expectedCells = cells.count

        let barcodeColumn = headerNames.firstIndex { SampleBarcode($0) != nil }
        switch requested {
        case .featuresAsRows?:
            guard barcodeColumn != nil else { throw DataError.headerWithoutBarcodes(path: path) }
            orientation = .featuresAsRows
        case .samplesAsRows?:
            orientation = .samplesAsRows
        case nil:
            orientation = barcodeColumn == nil ? .samplesAsRows : .featuresAsRows
        }
        try checkHeaderNames(line: number)
    }

    private func checkHeaderNames(line: Int) throws {
        var firstColumn: [String: Int] = [:]
        for (offset, name) in headerNames.enumerated() {
            let column = offset + 2
            if orientation == .featuresAsRows && SampleBarcode(name) == nil {
                throw DataError.notABarcode(path: path, line: line, column: column, identifier: name)
            }
            if let first = firstColumn[name] {
                if orientation == .featuresAsRows {
                    throw DataError.duplicateSample(path: path, barcode: name, firstPosition: first, position: column)
                }
                throw DataError.duplicateFeature(path: path, name: name, firstLine: line, line: line)
            }
            firstColumn[name] = column
        }
    }

    // MARK: - Rows

    private mutating func readRow(_ line: UnsafeBufferPointer<UInt8>, _ number: Int) throws {
        let base = line.baseAddress!
        let end = base + line.count
        let tab = memchr(base, 0x09, line.count).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) }
        let name = String(cell: UnsafeBufferPointer(start: base, count: (tab ?? end) - base))
        try checkRowName(name, number)

        let width = expectedCells - 1
        var values = [Float](repeating: .nan, count: width)
        var column = 0
        if var p = tab.map({ $0 + 1 }) {
            try values.withUnsafeMutableBufferPointer { output in
                while true {
                    guard column < width else {
                        var rest = CellCursor(UnsafeBufferPointer(start: p, count: end - p))
                        let found = expectedCells + rest.countRemaining()
                        throw DataError.raggedRow(path: path, line: number, expected: expectedCells, found: found)
                    }
                    let (cell, cellEnd) = FloatParser.parseCell(from: p, end: end)
                    switch cell {
                    case .value(let value): output[column] = value
                    case .missing: break
                    case .invalid:
                        let text = String(String(cell: UnsafeBufferPointer(start: p, count: cellEnd - p)).prefix(32))
                        throw DataError.nonNumeric(path: path, line: number, column: column + 2, text: text)
                    }
                    column += 1
                    if cellEnd == end { break }
                    p = cellEnd + 1
                }
            }
        }
        guard column == width else {
            throw DataError.raggedRow(path: path, line: number, expected: expectedCells, found: column + 1)
        }
        rowNames.append(name)
        rows.append(values)
    }

    private mutating func checkRowName(_ name: String, _ number: Int) throws {
        if orientation == .samplesAsRows && SampleBarcode(name) == nil {
            // The first data row decides whether the file has barcodes at all.
            if rows.isEmpty && requested == nil { throw DataError.headerWithoutBarcodes(path: path) }
            throw DataError.notABarcode(path: path, line: number, column: 1, identifier: name)
        }
        if let first = rowLines[name] {
            if orientation == .samplesAsRows {
                throw DataError.duplicateSample(path: path, barcode: name, firstPosition: first, position: number)
            }
            throw DataError.duplicateFeature(path: path, name: name, firstLine: first, line: number)
        }
        rowLines[name] = number
    }

    // MARK: - Result

    func finish(bytesRead: Int) throws -> OmicsMatrix {
        guard headerSeen else { throw DataError.emptyFile(path: path) }
        guard !rows.isEmpty else { throw DataError.noDataRows(path: path) }
        switch orientation {
        case .featuresAsRows:
            return OmicsMatrix(
                path: path, orientation: .featuresAsRows, featureNames: rowNames,
                samples: headerNames.map { SampleBarcode($0)! }, rows: rows, bytesRead: bytesRead)
        case .samplesAsRows:
            return OmicsMatrix(
                path: path, orientation: .samplesAsRows, featureNames: headerNames,
                samples: rowNames.map { SampleBarcode($0)! }, rows: rows, bytesRead: bytesRead)
        }
    }
}

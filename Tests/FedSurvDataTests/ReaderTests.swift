import Foundation
import Testing

@testable import FedSurvData

@Suite struct BarcodeTests {
    @Test("sample barcode fields")
    func fields() throws {
        let barcode = try #require(SampleBarcode("TCGA-OR-A5J1-01A-11R-A29W-13"))
        #expect(barcode.patient == "TCGA-OR-A5J1")
        #expect(barcode.sampleType == 1)
        #expect(barcode.tissueSourceSite == "OR")
        #expect(barcode.kind == .tumour(rank: 0))
    }

    @Test(
        "sample kinds by type code",
        arguments: [
            (1, SampleKind.tumour(rank: 0)), (3, .tumour(rank: 1)), (2, .tumour(rank: 2)), (6, .tumour(rank: 3)),
            (10, .normal), (11, .normal), (14, .normal), (5, .other), (50, .other),
        ])
    func kinds(code: Int, kind: SampleKind) {
        #expect(SampleKind(code: code) == kind)
    }

    @Test(
        "non-barcodes rejected",
        arguments: [
            "TCGA-OR-A5J1", "TCGA-OR-A5J1-0", "TCGA-OR-A5J1-XXA", "GENE1", "TARGET-OR-A5J1-01A", "TCGA_OR_A5J1_01A", "",
        ])
    func rejected(text: String) {
        #expect(SampleBarcode(text) == nil)
    }
}

@Suite struct FloatParserTests {
    @Test(
        "numbers match Float(String)",
        arguments: [
            "0", "1", "-1", "+2.5", "1.348e+04", "3.31e4", "0.063", "-0.043", "7129", "1E-3", ".5", "5.",
            "123456789012345678901234", "1e-30", "3.4028234e38", "0.00000000000000000000001234",
        ])
    func numbers(text: String) {
        let parsed = parse(text)
        guard case .value(let value) = parsed else {
            Issue.record("'\(text)' did not parse")
            return
        }
        #expect(value == Float(text)!)
    }

    @Test("missing markers", arguments: ["", "NA", "NaN", "nan"])
    func missing(text: String) {
        guard case .missing = parse(text) else {
            Issue.record("'\(text)' is not missing")
            return
        }
    }

    @Test("invalid cells", arguments: ["abc", "1.2.3", "1e", "--1", "1,5", "N/A", "inf", "1e99", " 1"])
    func invalid(text: String) {
        guard case .invalid = parse(text) else {
            Issue.record("'\(text)' should be invalid")
            return
        }
    }

    private func parse(_ text: String) -> FloatParser.Cell {
        Array(text.utf8).withUnsafeBufferPointer { FloatParser.parse($0) }
    }
}

@Suite struct OmicsReaderTests {
    @Test("Xena gzip detected and read")
    func xenaGzip() throws {
        let folder = TemporaryFolder()
        let path = folder.writeGzip("m.tsv.gz", SmallCohort.mirna)
        let matrix = try OmicsReader.read(path: path)
        #expect(matrix.orientation == .featuresAsRows)
        #expect(matrix.featureNames == ["hsa-1", "hsa-2", "hsa-3"])
        #expect(matrix.samples.count == 6)
        #expect(matrix.value(sample: 2, feature: 0) == 7)
        #expect(matrix.value(sample: 5, feature: 0).isNaN)
        #expect(matrix.value(sample: 3, feature: 2).isNaN)
    }

    @Test("samples as rows detected")
    func samplesAsRows() throws {
        let folder = TemporaryFolder()
        let matrix = try OmicsReader.read(path: folder.write("c.tsv", SmallCohort.cnv))
        #expect(matrix.orientation == .samplesAsRows)
        #expect(matrix.featureNames == ["GENE1", "GENE2"])
        #expect(matrix.samples.map(\.patient) == ["TCGA-AA-0001", "TCGA-AA-0002", "TCGA-BB-0003", "TCGA-CC-0005"])
        #expect(matrix.value(sample: 1, feature: 1) == 1)
    }

    @Test("CRLF line endings")
    func crlf() throws {
        let folder = TemporaryFolder()
        let path = folder.write("c.tsv", "sample\tG1\r\nTCGA-AA-0001-01A\t2.5\r\n")
        let matrix = try OmicsReader.read(path: path)
        #expect(matrix.value(sample: 0, feature: 0) == 2.5)
    }

    @Test("line longer than the buffer")
    func longLine() throws {
        let folder = TemporaryFolder()
        let samples = (0..<200_000).map { String(format: "TCGA-AA-%04d-01A-%06d", $0 % 10_000, $0) }
        let text =
            "sample\t" + samples.joined(separator: "\t") + "\nG1" + String(repeating: "\t1.5", count: samples.count)
            + "\n"
        let matrix = try OmicsReader.read(path: folder.writeGzip("wide.tsv.gz", text))
        #expect(matrix.samples.count == 200_000)
        #expect(matrix.value(sample: 199_999, feature: 0) == 1.5)
    }

    // MARK: - Bad input, one test per kind

    @Test("truncated gzip")
    func truncatedGzip() throws {
        let folder = TemporaryFolder()
        let rows = (0..<5_000).map { "hsa-\($0)\t\($0 % 97)\t\($0 % 89)" }
        let path = folder.writeGzip(
            "m.tsv.gz", "sample\tTCGA-AA-0001-01A\tTCGA-AA-0002-01A\n" + rows.joined(separator: "\n"))
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        #expect(throws: DataError.truncatedGzip(path: path, reason: "unexpected end of file")) {
            try OmicsReader.read(path: path)
        }
    }

    @Test("ragged row")
    func raggedRow() throws {
        let folder = TemporaryFolder()
        let path = folder.write("m.tsv", "sample\tTCGA-AA-0001-01A\tTCGA-AA-0002-01A\nhsa-1\t1\t2\nhsa-2\t3\n")
        #expect(throws: DataError.raggedRow(path: path, line: 3, expected: 3, found: 2)) {
            try OmicsReader.read(path: path)
        }
        let longer = folder.write("n.tsv", "sample\tTCGA-AA-0001-01A\nhsa-1\t1\t2\t3\n")
        #expect(throws: DataError.raggedRow(path: longer, line: 2, expected: 2, found: 4)) {
            try OmicsReader.read(path: longer)
        }
    }

    @Test("non-numeric value")
    func nonNumeric() throws {
        let folder = TemporaryFolder()
        let path = folder.write("m.tsv", "sample\tTCGA-AA-0001-01A\tTCGA-AA-0002-01A\nhsa-1\t1\thigh\n")
        #expect(throws: DataError.nonNumeric(path: path, line: 2, column: 3, text: "high")) {
            try OmicsReader.read(path: path)
        }
    }

    @Test("duplicated gene")
    func duplicatedGene() throws {
        let folder = TemporaryFolder()
        let path = folder.write("m.tsv", "sample\tTCGA-AA-0001-01A\nTP53\t1\nEGFR\t2\nTP53\t3\n")
        #expect(throws: DataError.duplicateFeature(path: path, name: "TP53", firstLine: 2, line: 4)) {
            try OmicsReader.read(path: path)
        }
        let rows = folder.write("c.tsv", "sample\tTP53\tTP53\nTCGA-AA-0001-01A\t1\t2\n")
        #expect(throws: DataError.duplicateFeature(path: rows, name: "TP53", firstLine: 1, line: 1)) {
            try OmicsReader.read(path: rows)
        }
    }

    @Test("duplicated sample")
    func duplicatedSample() throws {
        let folder = TemporaryFolder()
        let path = folder.write("m.tsv", "sample\tTCGA-AA-0001-01A\tTCGA-AA-0002-01A\tTCGA-AA-0001-01A\nG\t1\t2\t3\n")
        #expect(
            throws: DataError.duplicateSample(path: path, barcode: "TCGA-AA-0001-01A", firstPosition: 2, position: 4)
        ) {
            try OmicsReader.read(path: path)
        }
        let rows = folder.write("c.tsv", "sample\tG\nTCGA-AA-0001-01A\t1\nTCGA-AA-0001-01A\t2\n")
        #expect(
            throws: DataError.duplicateSample(path: rows, barcode: "TCGA-AA-0001-01A", firstPosition: 2, position: 3)
        ) {
            try OmicsReader.read(path: rows)
        }
    }

    @Test("header without barcodes")
    func headerWithoutBarcodes() throws {
        let folder = TemporaryFolder()
        let path = folder.write("m.tsv", "gene\tpatient1\tpatient2\nTP53\t1\t2\n")
        #expect(throws: DataError.headerWithoutBarcodes(path: path)) {
            try OmicsReader.read(path: path)
        }
        #expect(throws: DataError.headerWithoutBarcodes(path: path)) {
            try OmicsReader.read(path: path, orientation: .featuresAsRows)
        }
    }

    @Test("non-barcode among barcodes")
    func mixedHeader() throws {
        let folder = TemporaryFolder()
        let path = folder.write("m.tsv", "sample\tTCGA-AA-0001-01A\tTCGA-AA-0002\nG\t1\t2\n")
        #expect(throws: DataError.notABarcode(path: path, line: 1, column: 3, identifier: "TCGA-AA-0002")) {
            try OmicsReader.read(path: path)
        }
    }

    @Test("empty file")
    func emptyFile() throws {
        let folder = TemporaryFolder()
        let path = folder.write("m.tsv", "")
        #expect(throws: DataError.emptyFile(path: path)) { try OmicsReader.read(path: path) }
        let gzip = folder.writeGzip("m.tsv.gz", "")
        #expect(throws: DataError.emptyFile(path: gzip)) { try OmicsReader.read(path: gzip) }
    }

    @Test("header without rows")
    func headerOnly() throws {
        let folder = TemporaryFolder()
        let path = folder.write("m.tsv", "sample\tTCGA-AA-0001-01A\n")
        #expect(throws: DataError.noDataRows(path: path)) { try OmicsReader.read(path: path) }
    }

    @Test("comma-separated file")
    func wrongDelimiter() throws {
        let folder = TemporaryFolder()
        let path = folder.write("m.csv", "sample,TCGA-AA-0001-01A\nG,1\n")
        #expect(throws: DataError.wrongDelimiter(path: path, line: 1, found: "commas")) {
            try OmicsReader.read(path: path)
        }
    }

    @Test("missing file")
    func missingFile() {
        #expect(throws: DataError.fileNotFound(path: "/nonexistent/m.tsv")) {
            try OmicsReader.read(path: "/nonexistent/m.tsv")
        }
    }

    @Test("error text names file and line")
    func errorText() {
        let text = DataError.nonNumeric(path: "m.tsv", line: 7, column: 3, text: "x").description
        #expect(text.hasPrefix("m.tsv:7: column 3:"))
        #expect(text.contains("NA"))
    }
}

@Suite struct ClinicalReaderTests {
    @Test("exclusions counted by reason")
    func exclusions() throws {
        let folder = TemporaryFolder()
        let path = folder.write(
            "clinical.tsv",
            """
            bcr_patient_barcode\ttype\tOS\tOS.time
            TCGA-AA-0001\tACC\t1\t10
            TCGA-AA-0002\tACC\t0\t
            TCGA-AA-0003\tACC\t0\tNA
            TCGA-AA-0004\tACC\t1\t-5
            TCGA-AA-0005\tACC\t2\t10
            TCGA-AA-0006\tACC\t\t10
            TCGA-AA-0007\tACC\t0.0\t0
            TCGA-AA-0008\tACC\t1\tsoon

            """)
        let table = try ClinicalReader.read(path: path)
        #expect(table.records.map(\.patient) == ["TCGA-AA-0001", "TCGA-AA-0007"])
        #expect(table.exclusions[.missingTime] == 2)
        #expect(table.exclusions[.invalidTime] == 1)
        #expect(table.exclusions[.negativeTime] == 1)
        #expect(table.exclusions[.invalidEvent] == 2)
        #expect(table.rowCount == 8)
        #expect(table.records[1].event == false)
        #expect(table.records[0].age == nil)
    }

    @Test("unknown markers are missing")
    func markers() throws {
        let folder = TemporaryFolder()
        let table = try ClinicalReader.read(path: folder.write("clinical.tsv", SmallCohort.clinical))
        #expect(table.records[1].race == nil)
        #expect(table.records[3].histologicalType == nil)
        #expect(table.records[2].age == nil)
        #expect(table.records[0].gender == "MALE")
    }

    @Test("duplicated patient")
    func duplicatedPatient() throws {
        let folder = TemporaryFolder()
        let path = folder.write(
            "clinical.tsv",
            "bcr_patient_barcode\ttype\tOS\tOS.time\nTCGA-AA-0001\tACC\t1\t10\nTCGA-AA-0001\tACC\t0\t20\n")
        #expect(throws: DataError.duplicatePatient(path: path, barcode: "TCGA-AA-0001", firstLine: 2, line: 3)) {
            try ClinicalReader.read(path: path)
        }
    }

    @Test("patient id not a barcode")
    func notBarcode() throws {
        let folder = TemporaryFolder()
        let path = folder.write(
            "clinical.tsv", "bcr_patient_barcode\ttype\tOS\tOS.time\nTCGA-AA-0001-01A\tACC\t1\t10\n")
        #expect(throws: DataError.notABarcode(path: path, line: 2, column: 1, identifier: "TCGA-AA-0001-01A")) {
            try ClinicalReader.read(path: path)
        }
    }

    @Test("missing required column")
    func missingColumn() throws {
        let folder = TemporaryFolder()
        let path = folder.write("clinical.tsv", "bcr_patient_barcode\ttype\tOS\nTCGA-AA-0001\tACC\t1\n")
        #expect(throws: DataError.missingColumn(path: path, column: "OS.time")) {
            try ClinicalReader.read(path: path)
        }
    }

    @Test("duplicated clinical column")
    func duplicatedColumn() throws {
        let folder = TemporaryFolder()
        let path = folder.write(
            "clinical.tsv", "bcr_patient_barcode\ttype\tOS\tOS.time\tOS\nTCGA-AA-0001\tACC\t1\t10\t0\n")
        #expect(throws: DataError.duplicateColumn(path: path, column: "OS")) {
            try ClinicalReader.read(path: path)
        }
    }

    @Test("comma-separated clinical file")
    func commaSeparated() throws {
        let folder = TemporaryFolder()
        let path = folder.write("clinical.tsv", "bcr_patient_barcode,type,OS,OS.time\nTCGA-AA-0001,ACC,1,10\n")
        #expect(throws: DataError.wrongDelimiter(path: path, line: 1, found: "commas")) {
            try ClinicalReader.read(path: path)
        }
    }
}

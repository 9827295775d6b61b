import CZlib
import Foundation

@testable import FedSurvData

/// A temporary folder for test files, removed when the value is released.
final class TemporaryFolder {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "fedsurv-data-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` and returns the full path.
    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let file = "\(path)/\(name)"
        try! Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// Writes `text` gzip-compressed to `name` and returns the full path.
    @discardableResult
    func writeGzip(_ name: String, _ text: String) -> String {
        let file = "\(path)/\(name)"
        let handle = gzopen(file, "wb")!
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { gzwrite(handle, $0.baseAddress, UInt32($0.count)) }
        gzclose(handle)
        return file
    }
}

/// A small cohort in the real files' formats: 6 clinical rows, of which one
/// lacks OS.time, and Xena miRNA plus samples-as-rows CNV.
enum SmallCohort {
    static let clinical = """
        bcr_patient_barcode\ttype\tage_at_initial_pathologic_diagnosis\tgender\trace\thistological_type\tOS\tOS.time
        TCGA-AA-0001\tACC\t40\tMALE\tWHITE\tUsual\t1\t100
        TCGA-AA-0002\tACC\t60\tFEMALE\t[Not Evaluated]\tUsual\t0\t200
        TCGA-BB-0003\tBRCA\t\tFEMALE\tASIAN\tDuctal\t1.0\t300.0
        TCGA-BB-0004\tBRCA\t50\tFEMALE\tWHITE\t\t0.0\t400
        TCGA-CC-0005\tBRCA\t70\tMALE\tBLACK\tLobular\t0\t500
        TCGA-CC-0006\tACC\t30\tMALE\tWHITE\tUsual\t1\t

        """

    /// Patient 0005 has no miRNA sample; 0001 has a normal and two tumour samples.
    static let mirna = """
        sample\tTCGA-AA-0001-11A\tTCGA-AA-0001-01B\tTCGA-AA-0001-01A\tTCGA-AA-0002-01A\tTCGA-BB-0003-01A\tTCGA-BB-0004-01A
        hsa-1\t1000\t3\t7\t1\t15\tNA
        hsa-2\t5\t5\t5\t5\t5\t5
        hsa-3\t0\t1\t3\t\t0\t1

        """

    static let cnv = """
        sample\tGENE1\tGENE2
        TCGA-AA-0001-01A\t0.5\t-0.5
        TCGA-AA-0002-01A\t-1\t1
        TCGA-BB-0003-01A\t1\t0
        TCGA-CC-0005-01A\t0\t-1

        """

    /// Writes the files, loads them and removes them again.
    static func cohort() throws -> Cohort {
        let files = folder()
        return try withExtendedLifetime(files) { try Cohort.load(directory: files.path) }
    }

    static func folder() -> TemporaryFolder {
        let folder = TemporaryFolder()
        folder.write("clinical.tsv", clinical)
        folder.writeGzip("mirna_small.tsv.gz", mirna)
        folder.write("cnv_small.tsv", cnv)
        return folder
    }
}

import FedSurvCore
import Foundation

/// A raw cohort: usable clinical rows plus the omics matrices as read, and
/// for each omics modality the sample chosen for each patient.
///
/// Row `i` of every per-patient array is `clinical.records[i]`, in clinical
/// file order. Only patients with usable survival are rows. Omics samples of
/// other patients are read but never used.
public struct Cohort: Sendable {
    public var clinical: ClinicalTable
    public var omics: [Modality: OmicsMatrix]
    /// Per omics modality and patient row, the index of the chosen sample in
    /// `omics[modality].samples`, or nil when the patient has none.
    public var chosenSample: [Modality: [Int?]]
    public var selection: [Modality: SampleSelection]

    public var patients: [String] { clinical.records.map(\.patient) }
    public var count: Int { clinical.records.count }

    /// Builds a cohort and chooses one primary-tumour sample per patient and modality.
    public init(clinical: ClinicalTable, omics: [Modality: OmicsMatrix]) {
        self.clinical = clinical
        self.omics = omics
        var chosenSample: [Modality: [Int?]] = [:]
        var selection: [Modality: SampleSelection] = [:]
        let rowOfPatient = Dictionary(
            clinical.records.enumerated().map { ($0.element.patient, $0.offset) }, uniquingKeysWith: { a, _ in a })
        for (modality, matrix) in omics {
            let result = SampleSelection.choose(matrix.samples, rowOfPatient: rowOfPatient)
            chosenSample[modality] = result.chosen
            selection[modality] = result.summary
        }
        self.chosenSample = chosenSample
        self.selection = selection
    }

    /// Reads the clinical table and whichever omics files `directory` holds.
    ///
    /// Files are found by name prefix, see `CohortFiles.discover(in:)`.
    public static func load(directory: String) throws -> Cohort {
        let files = try CohortFiles.discover(in: directory)
        return try load(files)
    }

    public static func load(_ files: CohortFiles) throws -> Cohort {
        let logger = Logger(label: "fedsurv.data")
        let clinical = try ClinicalReader.read(path: files.clinical)
        logger.debug(
            "clinical table read",
            ["file": files.clinical, "rows": clinical.rowCount, "usable": clinical.records.count])
        var omics: [Modality: OmicsMatrix] = [:]
        for (modality, path) in files.omics {
            let matrix = try OmicsReader.read(path: path)
            logger.debug(
                "omics file read",
                [
                    "file": path, "modality": modality.rawValue, "features": matrix.featureNames.count,
                    "samples": matrix.samples.count, "orientation": matrix.orientation.rawValue,
                ])
            omics[modality] = matrix
        }
        return Cohort(clinical: clinical, omics: omics)
    }

    /// Returns whether each patient row has a sample for `modality`.
    public func present(_ modality: Modality) -> [Bool] {
        guard let chosen = chosenSample[modality] else { return Array(repeating: false, count: count) }
        return chosen.map { $0 != nil }
    }
}

/// The rule that picks one sample per patient, and what it left out.
///
/// Rule: among a patient's samples whose type (barcode characters 14-15) is
/// a tumour type, prefer 01 (primary solid tumour), then 03 (primary blood
/// cancer), then 02 (recurrent), then 06 (metastatic). Among samples of the
/// best type, take the lowest full barcode in byte order, so vial A comes
/// before B, then the lowest portion and plate. Normal types 10-14 and all
/// other types are never chosen.
public struct SampleSelection: Sendable, Equatable {
    public var samples = 0
    public var normalSamples = 0
    public var otherTypeSamples = 0
    /// Tumour samples whose patient has no usable clinical row.
    public var samplesWithoutClinical = 0
    /// Tumour samples that lost to a better sample of the same patient.
    public var unchosenTumourSamples = 0
    /// Patients (rows of the cohort) with a chosen sample.
    public var patientsPresent = 0

    static func choose(_ barcodes: [SampleBarcode], rowOfPatient: [String: Int]) -> (
        chosen: [Int?], summary: SampleSelection
    ) {
        var summary = SampleSelection()
        var chosen = [Int?](repeating: nil, count: rowOfPatient.count)
        var bestRank = [Int](repeating: Int.max, count: rowOfPatient.count)
        summary.samples = barcodes.count
        for (index, barcode) in barcodes.enumerated() {
            guard case .tumour(let rank) = barcode.kind else {
                if barcode.kind == .normal { summary.normalSamples += 1 } else { summary.otherTypeSamples += 1 }
                continue
            }
            guard let row = rowOfPatient[barcode.patient] else {
                summary.samplesWithoutClinical += 1
                continue
            }
            if let current = chosen[row] {
                summary.unchosenTumourSamples += 1
                let better = rank < bestRank[row] || (rank == bestRank[row] && barcode < barcodes[current])
                if !better { continue }
            }
            chosen[row] = index
            bestRank[row] = rank
        }
        summary.patientsPresent = chosen.count { $0 != nil }
        return (chosen, summary)
    }
}

/// The input files of one site, found by name in one folder.
public struct CohortFiles: Sendable, Equatable {
    public var clinical: String
    public var omics: [Modality: String]

    public init(clinical: String, omics: [Modality: String]) {
        self.clinical = clinical
        self.omics = omics
    }

    /// Finds the files in `directory` by name prefix: `clinical*.tsv`, and
    /// `mrna*`, `mirna*`, `cnv*` ending in `.tsv` or `.tsv.gz`. Hidden files
    /// are ignored. The clinical file is required. Each omics file is
    /// optional, and a missing one makes that modality absent for every patient.
    ///
    /// - Throws: `DataError.noClinicalFile` or `.ambiguousFiles` when a prefix matches twice.
    public static func discover(in directory: String) throws -> CohortFiles {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
            throw DataError.folderNotFound(path: directory)
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw DataError.unreadable(path: directory, reason: "cannot list the folder")
        }
        func match(_ prefix: String, gzipAllowed: Bool) throws -> String? {
            let matches = names.filter { name in
                name.lowercased().hasPrefix(prefix)
                    && (name.hasSuffix(".tsv") || (gzipAllowed && name.hasSuffix(".tsv.gz")))
            }
            guard matches.count <= 1 else {
                throw DataError.ambiguousFiles(directory: directory, prefix: prefix, matches: matches)
            }
            return matches.first.map { (directory as NSString).appendingPathComponent($0) }
        }
        guard let clinical = try match("clinical", gzipAllowed: false) else {
            throw DataError.noClinicalFile(directory: directory)
        }
        var omics: [Modality: String] = [:]
        for modality in Modality.omics {
            omics[modality] = try match(modality.rawValue, gzipAllowed: true)
        }
        return CohortFiles(clinical: clinical, omics: omics)
    }
}

/// One patient of a TCGA-CDR-style clinical table whose survival fields are usable.
public struct ClinicalRecord: Sendable, Equatable {
    /// 12-character patient barcode.
    public var patient: String
    /// TCGA study abbreviation (`type` column), such as `ACC`.
    public var cancerType: String
    /// Age at diagnosis in years, or nil when missing.
    public var age: Double?
    /// Categorical fields, nil when missing or an unknown marker such as `[Not Evaluated]`.
    public var gender: String?
    public var race: String?
    public var histologicalType: String?
    /// `OS.time`, days from diagnosis to death or last follow-up.
    public var time: Double
    /// True when `OS == 1` (death observed), false when censored.
    public var event: Bool
}

extension ClinicalRecord {
    /// The cancer type, or nil when the `type` cell was empty.
    var knownCancerType: String? { cancerType.isEmpty ? nil : cancerType }
}

/// Why a clinical row was left out of the cohort.
public enum SurvivalExclusion: String, CaseIterable, Sendable, Codable {
    case missingTime = "missing OS.time"
    case invalidTime = "OS.time not a finite number"
    case negativeTime = "negative OS.time"
    case invalidEvent = "OS missing or not 0/1"
}

/// The usable rows of a clinical table and counts of the rows left out.
public struct ClinicalTable: Sendable {
    public var path: String
    public var records: [ClinicalRecord]
    /// Rows excluded per reason. Each row is counted once, under the first failing check
    /// in the order time missing, time not a number, time negative, event invalid.
    public var exclusions: [SurvivalExclusion: Int]
    /// Rows in the file, usable or not.
    public var rowCount: Int
}

/// Reads the clinical TSV (one row per patient, TCGA Pan-Cancer Clinical Data Resource columns).
///
/// Required columns: `bcr_patient_barcode`, `type`, `OS`, `OS.time`. Optional:
/// `age_at_initial_pathologic_diagnosis`, `gender`, `race`, `histological_type`
/// (absent columns read as missing). Other columns are ignored. Empty cells,
/// `NA` and bracketed markers such as `[Not Available]` are missing, and so
/// is an age that is not a number >= 0. A row is usable when `OS.time` is a
/// finite number of days >= 0 and `OS` is 0 or 1 (written `0`, `1`, `0.0`
/// or `1.0`). Other rows are excluded and counted by reason.
public enum ClinicalReader {
    static let required = ["bcr_patient_barcode", "type", "OS", "OS.time"]
    static let optional = ["age_at_initial_pathologic_diagnosis", "gender", "race", "histological_type"]

    public static func read(path: String) throws -> ClinicalTable {
        var header: [String: Int] = [:]
        var headerCount = 0
        var records: [ClinicalRecord] = []
        var exclusions: [SurvivalExclusion: Int] = [:]
        var firstLine: [String: Int] = [:]
        var rowCount = 0

        try LineReader(path: path).forEachLine { line, number in
            if line.isEmpty { return }
            var cursor = CellCursor(line)
            var cells: [String] = []
            while let cell = cursor.nextCell() { cells.append(String(cell: cell)) }

            // 1) The header fixes the column positions.
            if headerCount == 0 {
                if cells.count == 1 && cells[0].contains(",") {
                    throw DataError.wrongDelimiter(path: path, line: number, found: "commas")
                }
                for (index, name) in cells.enumerated() {
                    if header[name] != nil && (required + optional).contains(name) {
                        throw DataError.duplicateColumn(path: path, column: name)
                    }
                    header[name] = index
                }
                for name in required where header[name] == nil {
                    throw DataError.missingColumn(path: path, column: name)
                }
                headerCount = cells.count
                return
            }
            guard cells.count == headerCount else {
                throw DataError.raggedRow(path: path, line: number, expected: headerCount, found: cells.count)
            }
            rowCount += 1

            // 2) Identify the patient.
            let patient = cells[header["bcr_patient_barcode"]!]
            guard PatientBarcode.isValid(patient) else {
                throw DataError.notABarcode(
                    path: path, line: number, column: header["bcr_patient_barcode"]! + 1, identifier: patient)
            }
            if let first = firstLine[patient] {
                throw DataError.duplicatePatient(path: path, barcode: patient, firstLine: first, line: number)
            }
            firstLine[patient] = number

            // 3) Validate survival and count exclusions by reason.
            func field(_ name: String) -> String? { header[name].flatMap { missingToNil(cells[$0]) } }
            let timeText = field("OS.time")
            let time = timeText.flatMap(Double.init)
            let event = field("OS").flatMap(Double.init)
            let reason: SurvivalExclusion? =
                if timeText == nil { .missingTime } else if time == nil || !time!.isFinite {
                    .invalidTime
                } else if time! < 0 { .negativeTime } else if event != 0 && event != 1 { .invalidEvent } else { nil }
            if let reason {
                exclusions[reason, default: 0] += 1
                return
            }

            let ageText = field("age_at_initial_pathologic_diagnosis")
            let age = ageText.flatMap(Double.init).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
            records.append(
                ClinicalRecord(
                    patient: patient, cancerType: field("type") ?? "", age: age, gender: field("gender"),
                    race: field("race"), histologicalType: field("histological_type"), time: time!,
                    event: event == 1))
        }
        guard headerCount > 0 else { throw DataError.emptyFile(path: path) }
        return ClinicalTable(path: path, records: records, exclusions: exclusions, rowCount: rowCount)
    }
}

/// Maps empty cells, `NA` and bracketed TCGA markers (`[Not Available]`, `[Unknown]`) to nil.
func missingToNil(_ text: String) -> String? {
    if text.isEmpty || text == "NA" || (text.hasPrefix("[") && text.hasSuffix("]")) { return nil }
    return text
}

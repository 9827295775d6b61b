import Glibc

/// Patients split into simulated hospitals by tissue source site (barcode characters 6-7).
///
/// Every tissue source site goes whole to one hospital, so a hospital holds
/// the patients that one set of real contributing institutions sent. Sites
/// are assigned greedily, largest first: sort tissue source sites by patient
/// count (descending, ties by code), then give each to the hospital with the
/// fewest patients so far (ties to the lowest index). This is the LPT rule
/// (Graham 1969), so the largest hospital exceeds the mean by at most the
/// size of one tissue source site.
public struct HospitalPartition: Sendable, Equatable {
    /// Cohort rows per hospital, each sorted ascending.
    public var rows: [[Int]]
    /// The hospital index of each tissue source site code.
    public var hospitalOfTissueSource: [String: Int]

    public init(patients: [String], hospitals k: Int) {
        precondition(k >= 1, "need at least one hospital, got \(k)")
        var rowsOfSource: [String: [Int]] = [:]
        for (row, patient) in patients.enumerated() {
            rowsOfSource[PatientBarcode.tissueSourceSite(of: patient), default: []].append(row)
        }
        let order = rowsOfSource.keys.sorted { a, b in
            let (na, nb) = (rowsOfSource[a]!.count, rowsOfSource[b]!.count)
            return na != nb ? na > nb : a < b
        }
        var rows = [[Int]](repeating: [], count: k)
        var assignment: [String: Int] = [:]
        for source in order {
            let smallest = rows.indices.min {
                rows[$0].count < rows[$1].count || (rows[$0].count == rows[$1].count && $0 < $1)
            }!
            rows[smallest].append(contentsOf: rowsOfSource[source]!)
            assignment[source] = smallest
        }
        self.rows = rows.map { $0.sorted() }
        self.hospitalOfTissueSource = assignment
    }

    /// Splits patients round-robin in cohort order: patient i goes to hospital i mod k.
    ///
    /// For cohorts that come almost entirely from one tissue source site (TCGA
    /// ACC: 82 of 92 patients from `OR`), where whole-site assignment would
    /// leave hospitals nearly empty.
    public init(roundRobinOf count: Int, hospitals k: Int) {
        precondition(k >= 1, "need at least one hospital, got \(k)")
        var rows = [[Int]](repeating: [], count: k)
        for row in 0..<count { rows[row % k].append(row) }
        self.rows = rows
        self.hospitalOfTissueSource = [:]
    }

    /// Writes one folder per hospital (`site-1`, `site-2`, ...) under `directory`,
    /// in the input formats: `clinical.tsv` with the columns the reader uses,
    /// and `mrna.tsv`, `mirna.tsv`, `cnv.tsv` in Xena orientation holding every
    /// sample (normal ones too) of the hospital's patients, so the hospital
    /// applies the same sample rule. Missing values are written as `NA`.
    ///
    /// - Returns: the folder paths.
    /// - Throws: `DataError.writeFailed`.
    @discardableResult
    public func writeSiteFolders(cohort: Cohort, to directory: String) throws -> [String] {
        var folders: [String] = []
        for (index, siteRows) in rows.enumerated() {
            let folder = "\(directory)/site-\(index + 1)"
            guard mkdir(folder, 0o755) == 0 || errno == EEXIST else {
                throw DataError.writeFailed(path: folder, reason: String(cString: strerror(errno)))
            }
            try writeClinical(cohort: cohort, rows: siteRows, path: "\(folder)/clinical.tsv")
            let patients = Set(siteRows.map { cohort.clinical.records[$0].patient })
            for modality in Modality.omics {
                guard let matrix = cohort.omics[modality] else { continue }
                try writeXena(matrix: matrix, patients: patients, path: "\(folder)/\(modality.rawValue).tsv")
            }
            folders.append(folder)
        }
        return folders
    }

    private func writeClinical(cohort: Cohort, rows: [Int], path: String) throws {
        var writer = try TextWriter(path: path)
        writer.write(
            "bcr_patient_barcode\ttype\tage_at_initial_pathologic_diagnosis\tgender\trace\thistological_type\tOS\tOS.time\n"
        )
        for row in rows {
            let r = cohort.clinical.records[row]
            let cells = [
                r.patient, r.cancerType, r.age.map { "\($0)" } ?? "", r.gender ?? "", r.race ?? "",
                r.histologicalType ?? "", r.event ? "1" : "0", "\(r.time)",
            ]
            writer.write(cells.joined(separator: "\t") + "\n")
        }
        try writer.close()
    }

    private func writeXena(matrix: OmicsMatrix, patients: Set<String>, path: String) throws {
        let columns = matrix.samples.indices.filter { patients.contains(matrix.samples[$0].patient) }
        var writer = try TextWriter(path: path)
        writer.write((["sample"] + columns.map { matrix.samples[$0].full }).joined(separator: "\t") + "\n")
        for feature in matrix.featureNames.indices {
            writer.write(matrix.featureNames[feature])
            for column in columns {
                let value = matrix.value(sample: column, feature: feature)
                writer.write(value.isNaN ? "\tNA" : "\t\(value)")
            }
            writer.write("\n")
        }
        try writer.close()
    }
}

/// A buffered text file writer over stdio.
struct TextWriter {
    let path: String
    private let file: UnsafeMutablePointer<FILE>

    init(path: String) throws {
        guard let file = fopen(path, "w") else {
            throw DataError.writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
        self.path = path
        self.file = file
    }

    mutating func write(_ text: String) {
        fputs(text, file)
    }

    func close() throws {
        let failed = ferror(file) != 0
        if fclose(file) != 0 || failed {
            throw DataError.writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
    }
}

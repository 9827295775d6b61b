/// A cohort summary: patients with usable survival, events, cancer types,
/// and per omics modality the samples, present patients and feature counts.
///
/// Feature counts "after" use the preprocessing defaults
/// (`OmicsOptions.defaults(for:)`) fitted on every usable patient, because
/// a summary has no training split. A model fits them on training rows only.
public struct CohortSummary: Sendable {
    public var clinicalPath: String
    public var clinicalRows: Int
    public var exclusions: [SurvivalExclusion: Int]
    /// Patients with usable survival.
    public var patients: Int
    public var events: Int
    public var cancerTypes: [CancerTypeCount]
    public var modalities: [ModalitySummary]

    public struct CancerTypeCount: Sendable, Equatable {
        public var cancerType: String
        public var patients: Int
        public var events: Int
        /// Patients with a sample, per omics modality in the cohort.
        public var present: [Modality: Int]
    }

    public struct ModalitySummary: Sendable, Equatable {
        public var modality: Modality
        public var path: String
        public var selection: SampleSelection
        public var featuresBefore: Int
        public var featuresAfter: Int
        /// Present patients whose values over the kept features are all 0 or missing.
        public var allZeroRows: Int
        public var options: OmicsOptions
    }

    public init(cohort: Cohort, options: [Modality: OmicsOptions] = [:]) throws {
        let records = cohort.clinical.records
        clinicalPath = cohort.clinical.path
        clinicalRows = cohort.clinical.rowCount
        exclusions = cohort.clinical.exclusions
        patients = records.count
        events = records.count { $0.event }

        // 1) Per cancer type.
        var byType: [String: CancerTypeCount] = [:]
        for (row, record) in records.enumerated() {
            var entry =
                byType[record.cancerType]
                ?? CancerTypeCount(
                    cancerType: record.cancerType, patients: 0, events: 0, present: [:])
            entry.patients += 1
            if record.event { entry.events += 1 }
            for (modality, chosen) in cohort.chosenSample where chosen[row] != nil {
                entry.present[modality, default: 0] += 1
            }
            byType[record.cancerType] = entry
        }
        cancerTypes = byType.values.sorted { $0.cancerType < $1.cancerType }

        // 2) Per modality, with the default thresholds fitted on all rows.
        var resolved = OmicsOptions.defaults
        resolved.merge(options) { _, given in given }
        let fitted = try Preprocessing.fit(cohort: cohort, trainingRows: Array(0..<records.count), options: resolved)
        modalities = Modality.omics.compactMap { modality in
            guard let matrix = cohort.omics[modality], let transform = fitted.omics[modality] else { return nil }
            return ModalitySummary(
                modality: modality, path: matrix.path, selection: cohort.selection[modality]!,
                featuresBefore: matrix.featureNames.count, featuresAfter: transform.featureNames.count,
                allZeroRows: Self.allZeroRows(matrix: matrix, chosen: cohort.chosenSample[modality]!, kept: transform),
                options: transform.options)
        }
    }

    private static func allZeroRows(matrix: OmicsMatrix, chosen: [Int?], kept: FittedOmicsTransform) -> Int {
        let indexOfName = Dictionary(
            matrix.featureNames.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let columns = kept.featureNames.compactMap { indexOfName[$0] }
        var count = 0
        for sample in chosen.compactMap({ $0 }) {
            let allZero = columns.allSatisfy { column in
                let value = matrix.value(sample: sample, feature: column)
                return value == 0 || value.isNaN
            }
            if allZero { count += 1 }
        }
        return count
    }

    // MARK: - Text

    /// Renders the summary as aligned plain text.
    public func render() -> String {
        var lines: [String] = []
        let excluded = exclusions.values.reduce(0, +)
        lines.append("Clinical: \(clinicalPath)")
        lines.append("  rows \(clinicalRows), usable survival \(patients), excluded \(excluded)")
        for reason in SurvivalExclusion.allCases where (exclusions[reason] ?? 0) > 0 {
            lines.append("    \(reason.rawValue): \(exclusions[reason]!)")
        }
        lines.append("  events (deaths) \(events), censored \(patients - events), cancer types \(cancerTypes.count)")
        lines.append("")
        if !modalities.isEmpty {
            lines.append(
                "One tumour sample per patient: type 01, else 03, 02, 06; ties by lowest barcode; types 10-14 excluded."
            )
            lines.append("Feature thresholds are the defaults, fitted here on all usable patients.")
            lines.append("")
        }

        for summary in modalities {
            let s = summary.selection
            let o = summary.options
            lines.append("\(summary.modality.rawValue): \(summary.path)")
            lines.append(
                "  samples \(s.samples): normal excluded \(s.normalSamples), other types excluded \(s.otherTypeSamples), "
                    + "without usable clinical row \(s.samplesWithoutClinical), extra tumour samples not chosen \(s.unchosenTumourSamples)"
            )
            lines.append("  patients present \(s.patientsPresent) of \(patients)")
            let log = o.log2Transform ? "log2(x+1), " : ""
            lines.append(
                "  features \(summary.featuresBefore) before, \(summary.featuresAfter) after (\(log)variance > \(o.varianceThreshold), "
                    + "measured in >= \(Int(o.minimumMeasuredFraction * 100))% of samples)")
            lines.append("  all-zero rows (present patients, kept features all 0 or NA) \(summary.allZeroRows)")
            lines.append("")
        }

        let omics = modalities.map(\.modality)
        let header = ["type", "patients", "events"] + omics.map(\.rawValue)
        var table = [header]
        for entry in cancerTypes {
            table.append(
                [entry.cancerType, "\(entry.patients)", "\(entry.events)"] + omics.map { "\(entry.present[$0] ?? 0)" })
        }
        table.append(["total", "\(patients)", "\(events)"] + modalities.map { "\($0.selection.patientsPresent)" })
        let widths = header.indices.map { column in table.map { $0[column].count }.max()! }
        for row in table {
            let cells = row.enumerated().map { column, text in
                column == 0
                    ? text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - text.count) + text
            }
            lines.append(cells.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }
}

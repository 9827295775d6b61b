import Foundation
import Testing

@testable import FedSurvData

/// The real TCGA folder from `FEDSURV_TCGA`, parsed once per test process.
enum RealData {
    static let folder = ProcessInfo.processInfo.environment["FEDSURV_TCGA"]

    static let cohort: Result<Cohort, any Error> = Result {
        guard let folder else { throw DataError.fileNotFound(path: "$FEDSURV_TCGA") }
        return try Cohort.load(directory: folder)
    }
}

/// Checks against counts computed independently by `bench/reference-counts.py`
/// (Python standard library only, run once on the development share):
///
///     python3 bench/reference-counts.py $FEDSURV_TCGA
///     clinical rows 9488 patients 9425 events 3052
///     mrna present/features/kept (290, 20531, 1637)
///     mirna present/features/kept (8537, 1071, 994)
///     cnv present/features/kept (9222, 5000, 5000)
///
/// The script restates the rules (usable survival, sample-type preference,
/// default thresholds fitted on all present patients) in its own code.
@Suite(.enabled(if: RealData.folder != nil, "FEDSURV_TCGA is not set; skipping tests on real TCGA data"))
struct RealDataTests {
    @Test("patients and events")
    func patients() throws {
        let cohort = try RealData.cohort.get()
        #expect(cohort.clinical.rowCount == 9488)
        #expect(cohort.count == 9425)
        #expect(cohort.clinical.records.count { $0.event } == 3052)
        #expect(cohort.clinical.exclusions.values.reduce(0, +) == 9488 - 9425)
        #expect(Set(cohort.clinical.records.map(\.cancerType)).count == 33)
    }

    @Test(
        "summary matches reference",
        arguments: [
            (Modality.mrna, 290, 20531, 1637), (.mirna, 8537, 1071, 994), (.cnv, 9222, 5000, 5000),
        ])
    func modality(modality: Modality, present: Int, before: Int, after: Int) throws {
        let summary = try RealDataTests.summary.get()
        let entry = try #require(summary.modalities.first { $0.modality == modality })
        #expect(entry.selection.patientsPresent == present)
        #expect(entry.featuresBefore == before)
        #expect(entry.featuresAfter == after)
    }

    static let summary: Result<CohortSummary, any Error> = Result {
        try CohortSummary(cohort: RealData.cohort.get())
    }

    @Test("hospital partition balance")
    func partition() throws {
        let cohort = try RealData.cohort.get()
        let partition = HospitalPartition(patients: cohort.patients, hospitals: 5)
        var sourceSizes: [String: Int] = [:]
        for patient in cohort.patients { sourceSizes[PatientBarcode.tissueSourceSite(of: patient), default: 0] += 1 }
        let sizes = partition.rows.map(\.count)
        #expect(sizes.reduce(0, +) == cohort.count)
        // Largest-first greedy: the spread is at most the largest tissue source site.
        #expect(sizes.max()! - sizes.min()! <= sourceSizes.values.max()!)
        for (row, patient) in cohort.patients.enumerated() {
            let hospital = partition.hospitalOfTissueSource[PatientBarcode.tissueSourceSite(of: patient)]!
            #expect(partition.rows[hospital].contains(row))
        }
    }

    @Test("fold preprocessing shapes")
    func foldPreprocessing() throws {
        let cohort = try RealData.cohort.get()
        let folds = stratifiedKFold(cohort, k: 5, seed: 1)
        let fold = folds[0]
        let fitted = try Preprocessing.fit(cohort: cohort, trainingRows: fold.training)
        let test = try fitted.apply(cohort: cohort, rows: fold.test)
        #expect(test.count == fold.test.count)
        #expect(test.categoricalCardinalities[0] == 34)
        for modality in Modality.omics {
            let block = try #require(test.omics[modality])
            #expect(block.values.count == test.count * block.featureCount)
            #expect(block.values.allSatisfy { $0 >= 0 })
            #expect(block.values.allSatisfy { $0 <= 1 })
            let absent = block.present.indices.filter { !block.present[$0] }
            #expect(absent.allSatisfy { block.row($0).allSatisfy { $0 == 0 } })
        }
    }
}

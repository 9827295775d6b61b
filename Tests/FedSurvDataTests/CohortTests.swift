import Foundation
import Testing

@testable import FedSurvData

@Suite struct CohortTests {
    @Test("files discovered by prefix")
    func discovery() throws {
        let folder = SmallCohort.folder()
        folder.write("notes.txt", "x")
        let files = try CohortFiles.discover(in: folder.path)
        #expect(files.clinical == "\(folder.path)/clinical.tsv")
        #expect(files.omics[.mirna] == "\(folder.path)/mirna_small.tsv.gz")
        #expect(files.omics[.cnv] == "\(folder.path)/cnv_small.tsv")
        #expect(files.omics[.mrna] == nil)
    }

    @Test("two files for one prefix")
    func ambiguous() throws {
        let folder = SmallCohort.folder()
        folder.write("cnv_other.tsv.gz", "")
        #expect(
            throws: DataError.ambiguousFiles(
                directory: folder.path, prefix: "cnv", matches: ["cnv_other.tsv.gz", "cnv_small.tsv"])
        ) {
            try CohortFiles.discover(in: folder.path)
        }
    }

    @Test("folder not found")
    func noFolder() {
        #expect(throws: DataError.folderNotFound(path: "/nonexistent/site")) {
            try CohortFiles.discover(in: "/nonexistent/site")
        }
    }

    @Test("no clinical file")
    func noClinical() throws {
        let folder = TemporaryFolder()
        folder.write("cnv.tsv", SmallCohort.cnv)
        #expect(throws: DataError.noClinicalFile(directory: folder.path)) {
            try CohortFiles.discover(in: folder.path)
        }
    }

    @Test("primary sample rule")
    func primarySample() throws {
        let cohort = try SmallCohort.cohort()
        #expect(cohort.patients.count == 5)
        let chosen = try #require(cohort.chosenSample[.mirna])
        let samples = cohort.omics[.mirna]!.samples
        // 0001 has 11A (normal), 01B and 01A: the lowest barcode of type 01 wins.
        #expect(chosen[0].map { samples[$0].full } == "TCGA-AA-0001-01A")
        #expect(chosen[4] == nil)
        #expect(cohort.selection[.mirna]!.normalSamples == 1)
        #expect(cohort.selection[.mirna]!.unchosenTumourSamples == 1)
        #expect(cohort.selection[.mirna]!.patientsPresent == 4)
    }

    @Test(
        "type preference 01, 03, 02, 06",
        arguments: [
            (["TCGA-AA-0001-06A", "TCGA-AA-0001-02A", "TCGA-AA-0001-03A", "TCGA-AA-0001-01C"], "TCGA-AA-0001-01C"),
            (["TCGA-AA-0001-06A", "TCGA-AA-0001-02A", "TCGA-AA-0001-03B"], "TCGA-AA-0001-03B"),
            (["TCGA-AA-0001-06A", "TCGA-AA-0001-02B", "TCGA-AA-0001-02A"], "TCGA-AA-0001-02A"),
            (["TCGA-AA-0001-10A", "TCGA-AA-0001-06A"], "TCGA-AA-0001-06A"),
            (["TCGA-AA-0001-01A-11R-X", "TCGA-AA-0001-01A-01R-Y"], "TCGA-AA-0001-01A-01R-Y"),
        ])
    func preference(barcodes: [String], expected: String) {
        let samples = barcodes.map { SampleBarcode($0)! }
        let result = SampleSelection.choose(samples, rowOfPatient: ["TCGA-AA-0001": 0])
        #expect(result.chosen[0].map { samples[$0].full } == expected)
    }

    @Test("normal-only patient absent")
    func normalOnly() {
        let samples = ["TCGA-AA-0001-10A", "TCGA-AA-0001-11A", "TCGA-AA-0001-14A"].map { SampleBarcode($0)! }
        let result = SampleSelection.choose(samples, rowOfPatient: ["TCGA-AA-0001": 0])
        #expect(result.chosen[0] == nil)
        #expect(result.summary.normalSamples == 3)
    }

    @Test("summary counts")
    func summary() throws {
        let cohort = try SmallCohort.cohort()
        let options: [Modality: OmicsOptions] = [
            .mirna: OmicsOptions(log2Transform: false, varianceThreshold: 0, minimumMeasuredFraction: 0.5)
        ]
        let summary = try CohortSummary(cohort: cohort, options: options)
        #expect(summary.patients == 5)
        #expect(summary.events == 2)
        #expect(summary.exclusions[.missingTime] == 1)
        #expect(summary.cancerTypes.map(\.cancerType) == ["ACC", "BRCA"])
        let mirna = try #require(summary.modalities.first { $0.modality == .mirna })
        // hsa-2 is constant (variance 0) and is dropped.
        #expect(mirna.featuresBefore == 3)
        #expect(mirna.featuresAfter == 2)
        let cnv = try #require(summary.modalities.first { $0.modality == .cnv })
        // Default CNV threshold 0.05: both genes vary far more.
        #expect(cnv.featuresAfter == 2)
        #expect(cnv.selection.patientsPresent == 4)
        #expect(summary.render().contains("patients present 4 of 5"))
    }
}

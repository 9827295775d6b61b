import Foundation
import Testing

@testable import FedSurvData

@Suite struct PreprocessingTests {
    /// miRNA without log, so values are easy to follow.
    static let plain: [Modality: OmicsOptions] = [
        .mirna: OmicsOptions(log2Transform: false, varianceThreshold: 0, minimumMeasuredFraction: 0.5),
        .cnv: OmicsOptions(log2Transform: false, varianceThreshold: 0.05, minimumMeasuredFraction: 0.5),
    ]

    @Test("min-max fitted on training rows only")
    func trainingOnly() throws {
        let cohort = try SmallCohort.cohort()
        // Training rows 0001, 0002, 0004. hsa-1: 7, 1, NA. hsa-3: 3, NA, 1. hsa-2 is constant.
        let (fitted, train, test) = try Preprocessing.fitAndApply(
            cohort: cohort, trainingRows: [0, 1, 3], testRows: [2, 4], options: Self.plain)
        let transform = try #require(fitted.omics[.mirna])
        #expect(transform.featureNames == ["hsa-1", "hsa-3"])
        #expect(transform.minimums == [1, 1])
        #expect(transform.maximums == [7, 3])

        let mirna = try #require(train.omics[.mirna])
        #expect(Array(mirna.row(0)) == [1, 1])
        // Missing cells inside a present sample become 0 after scaling.
        #expect(Array(mirna.row(1)) == [0, 0])
        #expect(Array(mirna.row(2)) == [0, 0])
        #expect(mirna.present == [true, true, true])

        let testBlock = try #require(test.omics[.mirna])
        // 0003: hsa-1 = 15 is above the training maximum and hsa-3 = 0 below the minimum; both clamp.
        #expect(Array(testBlock.row(0)) == [1, 0])
        // 0005 has no miRNA sample: zero vector, not present.
        #expect(testBlock.present == [true, false])
        #expect(Array(testBlock.row(1)) == [0, 0])
    }

    @Test("scaling inside the range")
    func scalingInside() throws {
        let cohort = try SmallCohort.cohort()
        // CNV GENE1 over 0001, 0002, 0003: 0.5, -1, 1, so 0005 (0) scales to (0 + 1) / 2.
        let (_, _, test) = try Preprocessing.fitAndApply(
            cohort: cohort, trainingRows: [0, 1, 2], testRows: [4], options: Self.plain)
        let cnv = try #require(test.omics[.cnv])
        #expect(cnv.featureNames == ["GENE1", "GENE2"])
        #expect(abs(cnv.row(0).first! - 0.5) <= 1e-6)
    }

    @Test("log2 and variance threshold")
    func logAndVariance() throws {
        let cohort = try SmallCohort.cohort()
        let options: [Modality: OmicsOptions] = [
            .mirna: OmicsOptions(log2Transform: true, varianceThreshold: 1.0, minimumMeasuredFraction: 0.5)
        ]
        let fitted = try Preprocessing.fit(cohort: cohort, trainingRows: [0, 1, 2, 3], options: options)
        let transform = try #require(fitted.omics[.mirna])
        // log2(x+1) of hsa-1 over 0001..0003 = 3, 1, 4 (0004 is NA): variance 14/9 > 1.
        // hsa-3: 2, NA, 0, 1: variance 2/3 <= 1.
        #expect(transform.featureNames == ["hsa-1"])
        #expect(transform.minimums == [1])
        #expect(transform.maximums == [4])
    }

    @Test("measured fraction filter")
    func measuredFraction() throws {
        let cohort = try SmallCohort.cohort()
        let options: [Modality: OmicsOptions] = [
            .mirna: OmicsOptions(log2Transform: false, varianceThreshold: 0, minimumMeasuredFraction: 0.8)
        ]
        // Training rows 1 and 3: hsa-1 is 1 and NA, hsa-3 is NA and 1: each measured in 1 of 2.
        let fitted = try Preprocessing.fit(cohort: cohort, trainingRows: [1, 3], options: options)
        #expect(fitted.omics[.mirna]!.featureNames.isEmpty)
    }

    @Test("categorical codes and age")
    func clinical() throws {
        let cohort = try SmallCohort.cohort()
        let (fitted, train, test) = try Preprocessing.fitAndApply(
            cohort: cohort, trainingRows: [0, 1, 2], testRows: [3, 4], options: Self.plain)
        #expect(fitted.categorical.map(\.variable) == ["cancer type", "gender", "race", "histological type"])
        #expect(train.categoricalCardinalities == [3, 3, 3, 3])
        // ACC=1, BRCA=2; FEMALE=1, MALE=2; ASIAN=1, WHITE=2; Ductal=1, Usual=2.
        #expect(train.categorical[0] == [1, 2, 2, 2])
        #expect(train.categorical[1] == [1, 1, 0, 2])
        // 0005: race BLACK and histology Lobular were not seen in training.
        #expect(test.categorical[1] == [2, 2, 0, 0])
        // Training ages 40, 60 and missing: range 40...60, median 50.
        #expect(train.age == [0, 1, 0.5])
        #expect(test.age == [0.5, 1])
        #expect(test.time == [400, 500])
        #expect(test.event == [false, false])
        #expect(test.patients == ["TCGA-BB-0004", "TCGA-CC-0005"])
    }

    @Test("JSON round trip applies the same")
    func jsonRoundTrip() throws {
        let cohort = try SmallCohort.cohort()
        let fitted = try Preprocessing.fit(cohort: cohort, trainingRows: [0, 2, 4])
        let restored = try Preprocessing.load(jsonData: fitted.jsonData())
        let before = try fitted.apply(cohort: cohort, rows: [0, 1, 2, 3, 4])
        let after = try restored.apply(cohort: cohort, rows: [0, 1, 2, 3, 4])
        #expect(restored.omics == fitted.omics)
        for modality in [Modality.mirna, .cnv] {
            #expect(before.omics[modality]!.values == after.omics[modality]!.values)
        }
        #expect(before.categorical == after.categorical)
        #expect(before.age == after.age)
        let json = String(decoding: try fitted.jsonData(), as: UTF8.self)
        #expect(json.contains("\"mirna\""))
    }

    @Test("save and load file")
    func saveAndLoad() throws {
        let cohort = try SmallCohort.cohort()
        let fitted = try Preprocessing.fit(cohort: cohort, trainingRows: [0, 1, 2])
        let folder = TemporaryFolder()
        try fitted.save(to: "\(folder.path)/preprocessing.json")
        let loaded = try Preprocessing.load(path: "\(folder.path)/preprocessing.json")
        #expect(loaded.omics == fitted.omics)
        #expect(loaded.categorical == fitted.categorical)
        #expect(loaded.age == fitted.age)
        let broken = folder.write("broken.json", "{}")
        #expect(throws: DataError.invalidPreprocessingFile(path: broken)) { try Preprocessing.load(path: broken) }
    }

    @Test("missing fitted feature")
    func missingFeature() throws {
        let cohort = try SmallCohort.cohort()
        var fitted = try Preprocessing.fit(cohort: cohort, trainingRows: [0, 1, 2], options: Self.plain)
        fitted.omics[.cnv]!.featureNames[0] = "GENE9"
        #expect(throws: DataError.missingFittedFeature(modality: "cnv", feature: "GENE9")) {
            try fitted.apply(cohort: cohort, rows: [0])
        }
    }

    @Test("row outside the cohort")
    func invalidRows() throws {
        let cohort = try SmallCohort.cohort()
        #expect(throws: DataError.invalidRows(count: 1, reason: "outside 0..<5")) {
            try Preprocessing.fit(cohort: cohort, trainingRows: [0, 5])
        }
    }

    @Test("dataset subset")
    func subset() throws {
        let cohort = try SmallCohort.cohort()
        let dataset = try Preprocessing.fit(cohort: cohort, trainingRows: [0, 1, 2, 3, 4], options: Self.plain)
            .apply(cohort: cohort, rows: [0, 1, 2, 3, 4])
        let part = dataset.subset([4, 0])
        #expect(part.patients == ["TCGA-CC-0005", "TCGA-AA-0001"])
        #expect(part.omics[.cnv]!.present == [true, true])
        #expect(Array(part.omics[.cnv]!.row(1)) == Array(dataset.omics[.cnv]!.row(0)))
        #expect(part.omics[.mirna]!.present == [false, true])
    }
}

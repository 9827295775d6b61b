import Foundation
import Testing

@testable import FedSurvData

@Suite struct SplitTests {
    @Test("SplitMix64 reference output")
    func splitMix() {
        // Reference: Vigna's splitmix64.c with x = 0 returns 0xE220A8397B1DCDAF first.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
    }

    static let types = (0..<103).map { ["ACC", "BRCA", "GBM"][$0 % 3] }
    static let events = (0..<103).map { $0 % 5 == 0 }

    @Test("folds partition the rows")
    func partition() {
        let folds = stratifiedKFold(cancerTypes: Self.types, events: Self.events, k: 5, seed: 42)
        #expect(folds.count == 5)
        let all = folds.flatMap(\.test).sorted()
        #expect(all == Array(0..<103))
        for fold in folds {
            #expect(Set(fold.training).isDisjoint(with: fold.test))
            #expect(fold.training.count + fold.test.count == 103)
        }
        let sizes = folds.map(\.test.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
    }

    @Test("strata spread evenly")
    func strata() {
        let folds = stratifiedKFold(cancerTypes: Self.types, events: Self.events, k: 5, seed: 7)
        for type in ["ACC", "BRCA", "GBM"] {
            for event in [false, true] {
                let perFold = folds.map { fold in
                    fold.test.count { Self.types[$0] == type && Self.events[$0] == event }
                }
                #expect(perFold.max()! - perFold.min()! <= 1, "stratum \(type)/\(event): \(perFold)")
            }
        }
    }

    @Test("same seed same folds")
    func deterministic() {
        let a = stratifiedKFold(cancerTypes: Self.types, events: Self.events, k: 5, seed: 42)
        let b = stratifiedKFold(cancerTypes: Self.types, events: Self.events, k: 5, seed: 42)
        let c = stratifiedKFold(cancerTypes: Self.types, events: Self.events, k: 5, seed: 43)
        #expect(a == b)
        #expect(a != c)
    }
}

@Suite struct PartitionTests {
    @Test("tissue source sites kept whole and balanced")
    func balanced() {
        // Sources: AA x5, BB x3, CC x3, DD x2, EE x1.
        let sources = ["AA", "AA", "BB", "CC", "AA", "BB", "DD", "CC", "AA", "EE", "BB", "CC", "DD", "AA"]
        let patients = sources.enumerated().map { "TCGA-\($0.element)-\(String(format: "%04d", $0.offset))" }
        let partition = HospitalPartition(patients: patients, hospitals: 3)
        // Greedy: AA(5)->0, BB(3)->1, CC(3)->2, DD(2)->1 or 2 (tie: lowest index 1), EE(1)->2.
        #expect(partition.hospitalOfTissueSource == ["AA": 0, "BB": 1, "CC": 2, "DD": 1, "EE": 2])
        #expect(partition.rows.map(\.count) == [5, 5, 4])
        #expect(partition.rows.flatMap { $0 }.sorted() == Array(0..<14))
    }

    @Test("site folders read back")
    func writeAndRead() throws {
        let cohort = try SmallCohort.cohort()
        let partition = HospitalPartition(patients: cohort.patients, hospitals: 2)
        let output = TemporaryFolder()
        let folders = try partition.writeSiteFolders(cohort: cohort, to: output.path)
        #expect(folders.count == 2)

        var seen: [String] = []
        for (site, folder) in folders.enumerated() {
            let siteCohort = try Cohort.load(directory: folder)
            let expected = partition.rows[site].map { cohort.clinical.records[$0] }
            #expect(siteCohort.clinical.records == expected)
            seen += siteCohort.patients
            for (row, patient) in siteCohort.patients.enumerated() {
                let original = cohort.patients.firstIndex(of: patient)!
                for modality in [Modality.mirna, .cnv] {
                    let a = cohort.chosenSample[modality]![original].map { cohort.omics[modality]!.samples[$0] }
                    let b = siteCohort.chosenSample[modality]![row].map { siteCohort.omics[modality]!.samples[$0] }
                    #expect(a == b)
                    if let i = cohort.chosenSample[modality]![original], let j = siteCohort.chosenSample[modality]![row]
                    {
                        let features = cohort.omics[modality]!.featureNames.indices
                        let x = features.map { cohort.omics[modality]!.value(sample: i, feature: $0) }
                        let y = features.map { siteCohort.omics[modality]!.value(sample: j, feature: $0) }
                        // Float.description round-trips exactly; NA stays missing.
                        #expect(zip(x, y).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
                    }
                }
            }
        }
        #expect(seen.sorted() == cohort.patients.sorted())
    }
}

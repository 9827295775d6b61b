import FedSurvData
import FedSurvLedger
import FedSurvPrivacy
import Foundation
import Testing

@testable import FedSurvModel

/// Writes a 120-patient cohort folder (clinical.tsv, mirna.tsv) whose survival
/// time falls with the first miRNA, and returns its path.
func writeSyntheticCohort() throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cohort-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var generator = SystemRandomNumberGenerator()
    var clinical = "bcr_patient_barcode\ttype\tage_at_initial_pathologic_diagnosis\tgender\tOS\tOS.time\n"
    var samples: [String] = []
    var features = [[Double]](repeating: [], count: 6)
    for index in 0..<120 {
        let patient = String(format: "TCGA-AB-%04d", index)
        let signal = Double.random(in: 0...10, using: &generator)
        let time = Int(100 + 300 * (10 - signal) + Double.random(in: 0...200, using: &generator))
        let type = index % 2 == 0 ? "BRCA" : "LUAD"
        clinical += "\(patient)\t\(type)\t\(40 + index % 30)\t\(index % 3 == 0 ? "MALE" : "FEMALE")\t\(index % 4 == 0 ? 0 : 1)\t\(time)\n"
        samples.append("\(patient)-01A-11R-A000-13")
        features[0].append(pow(2, signal) - 1)
        for k in 1..<6 { features[k].append(Double.random(in: 0...500, using: &generator)) }
    }
    var mirna = "sample\t" + samples.joined(separator: "\t") + "\n"
    for (k, row) in features.enumerated() {
        mirna += "hsa-mir-\(k)\t" + row.map { String(format: "%.3f", $0) }.joined(separator: "\t") + "\n"
    }
    try clinical.write(toFile: "\(folder)/clinical.tsv", atomically: true, encoding: .utf8)
    try mirna.write(toFile: "\(folder)/mirna.tsv", atomically: true, encoding: .utf8)
    return folder
}

@Suite struct PrivateExperimentTests {
    func settings(target: Double) -> PrivateExperiment.Settings {
        let plan = PrivateTrainingPlan(
            mechanism: .gaussian, allocation: .adaptive, samplingRate: 1, steps: 2, noiseMultiplier: 1,
            relevanceEpsilon: 0.05 * target)
        return PrivateExperiment.Settings(
            modalities: [.clinical, .mirna], plan: plan, targetEpsilon: target, delta: 1e-5, batchSize: 16, epochs: 2,
            hiddenSizes: [.mirna: [8]], dimension: 8, intervalCount: 4)
    }

    @Test("ledger records the run and the cap rejects the next")
    func ledgerAndCap() throws {
        let cohort = try Cohort.load(directory: try writeSyntheticCohort())
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("site-\(UUID().uuidString).sqlite").path
        let ledger = try Ledger(path: path, delta: 1e-5, accountant: PLDLedgerAccountant())
        var random = SeededRandomSource(seed: 9)

        let (result, _) = try PrivateExperiment(settings: settings(target: 1)).run(
            cohort: cohort, random: &random, ledger: ledger, cap: 1.5, site: "site-a")
        let entries = try ledger.entries(site: "site-a")
        #expect(entries.map { $0.releaseID.split(separator: "/").last! } == ["warmup", "relevance", "adaptive"])
        #expect(result.epsilon <= 1)
        #expect(abs(entries.last!.totalEpsilon - result.epsilon) < 1e-9)
        #expect(verifyLedger(entries, delta: 1e-5, accountant: PLDLedgerAccountant()) == nil)

        // Two Gaussian runs of epsilon 1 compose to more than 1.1 (PLD composition is
        // sub-additive, so the cap is set below the sum): rejected before training.
        var message = ""
        do {
            _ = try PrivateExperiment(settings: settings(target: 1)).run(
                cohort: cohort, random: &random, ledger: ledger, cap: 1.1, site: "site-a")
        } catch let error as LedgerError {
            message = error.description
        }
        #expect(message.contains("is left"), "\(message)")
        #expect(try ledger.entries(site: "site-a").count == 3)
    }
}

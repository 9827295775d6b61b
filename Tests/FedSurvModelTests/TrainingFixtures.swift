import FedSurvData
import Foundation

/// A temporary folder for training tests, removed when the value is released.
final class TrainingFolder {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "fedsurv-training-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Returns the full path of `name` inside the folder.
    func file(_ name: String) -> String { "\(path)/\(name)" }

    func write(_ name: String, _ text: String) {
        try! Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
    }
}

/// Synthetic cohorts with a known survival signal, written in the real files' formats.
///
/// Each patient has a cancer type A or B, an age, and 6 miRNA values. The
/// log hazard is `1.2 * (type == B) + 0.04 * (age - 60) + 1.5 * z` with
/// `z` the standardised first miRNA. Event times are exponential with that
/// hazard (scale 1,000 days) and censoring is uniform on 0...3,000 days.
enum SyntheticCohort {
    static let miRNACount = 6

    /// Writes `clinical.tsv` and `mirna_synthetic.tsv` (Xena layout) for `patients`
    /// patients into a new folder. `dropFeature` leaves one miRNA out of the file.
    static func folder(patients: Int, seed: UInt64, prefix: String = "AA", dropFeature: Int? = nil) -> TrainingFolder {
        var generator = SplitMix64(seed: seed)
        func uniform() -> Double { Double(generator.next() >> 11) / Double(1 << 53) }
        func normal() -> Double {
            let u1 = max(uniform(), 1e-12)
            return (-2 * log(u1)).squareRoot() * cos(2 * .pi * uniform())
        }

        var clinical =
            "bcr_patient_barcode\ttype\tage_at_initial_pathologic_diagnosis\tgender\trace\thistological_type\tOS\tOS.time\n"
        var columns: [String] = []
        var values = [[String]](repeating: [], count: miRNACount)
        for index in 0..<patients {
            let patient = "TCGA-\(prefix)-\(String(format: "%04d", index))"
            let typeB = uniform() < 0.5
            let age = 30 + 60 * uniform()
            let z = normal()
            let logHazard = 1.2 * (typeB ? 1 : 0) + 0.04 * (age - 60) + 1.5 * z
            let eventTime = -log(max(uniform(), 1e-12)) * 1000 / exp(logHazard)
            let censorTime = 3000 * uniform()
            let event = eventTime <= censorTime
            let time = max(1, (min(eventTime, censorTime)).rounded())
            let gender = uniform() < 0.5 ? "MALE" : "FEMALE"
            clinical +=
                "\(patient)\t\(typeB ? "BBB" : "AAA")\t\(Int(age))\t\(gender)\tWHITE\tUsual\t\(event ? 1 : 0)\t\(Int(time))\n"
            columns.append("\(patient)-01A")
            for feature in 0..<miRNACount {
                // RPM-like values: log2(x + 1) of the first feature is z shifted, the others are noise.
                let log2Value = feature == 0 ? 6 + z : 5 + normal()
                values[feature].append(String(format: "%.3f", pow(2, max(log2Value, 0)) - 1))
            }
        }
        var mirna = "sample\t" + columns.joined(separator: "\t") + "\n"
        for feature in 0..<miRNACount where feature != dropFeature {
            mirna += "hsa-mir-\(feature)\t" + values[feature].joined(separator: "\t") + "\n"
        }
        let folder = TrainingFolder()
        folder.write("clinical.tsv", clinical)
        folder.write("mirna_synthetic.tsv", mirna)
        return folder
    }

    /// Loads a synthetic cohort of `patients` patients.
    static func cohort(patients: Int, seed: UInt64) throws -> Cohort {
        let folder = folder(patients: patients, seed: seed)
        return try withExtendedLifetime(folder) { try Cohort.load(directory: folder.path) }
    }
}

import FedSurvCore
import FedSurvData
import Foundation

/// `site-agent partition --data DIR --sites K --output DIR`: splits a cohort
/// into K simulated hospitals by tissue source site and writes one folder of
/// input files per hospital, for federated experiments on public data.
enum PartitionCommand {
    static func run(_ arguments: inout Arguments) throws {
        let directory = try arguments.required("data")
        let output = try arguments.required("output")
        let sites = try arguments.int("sites") ?? 5
        let rule = arguments.string("by") ?? "tissue-source"
        try arguments.rejectUnknown()
        guard rule == "tissue-source" || rule == "patient" else {
            throw UsageError("option --by must be tissue-source or patient, got '\(rule)'")
        }
        guard sites >= 1 else { throw UsageError("option --sites must be at least 1, got \(sites)") }

        let logger = Logger(label: "site-agent")
        let cohort = try Cohort.load(directory: directory)
        let partition =
            rule == "patient"
            ? HospitalPartition(roundRobinOf: cohort.count, hospitals: sites)
            : HospitalPartition(patients: cohort.patients, hospitals: sites)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let folders = try partition.writeSiteFolders(cohort: cohort, to: output)
        for (index, folder) in folders.enumerated() {
            if rule == "patient" {
                print("\(folder): \(partition.rows[index].count) patients")
            } else {
                let sources = partition.hospitalOfTissueSource.values.count { $0 == index }
                print("\(folder): \(partition.rows[index].count) patients from \(sources) tissue source sites")
            }
        }
        logger.info("partition written", ["sites": sites, "output": output])
    }
}

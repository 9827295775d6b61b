import FedSurvCore
import FedSurvData

/// `site-agent partition --data DIR --sites K --output DIR`: splits a cohort
/// into K simulated hospitals by tissue source site and writes one folder of
/// input files per hospital, for federated experiments on public data.
enum PartitionCommand {
    static func run(_ arguments: inout Arguments) throws {
        let directory = try arguments.required("data")
        let output = try arguments.required("output")
        let sites = try arguments.int("sites") ?? 5
        try arguments.rejectUnknown()
        guard sites >= 1 else { throw UsageError("option --sites must be at least 1, got \(sites)") }

        let logger = Logger(label: "site-agent")
        let cohort = try Cohort.load(directory: directory)
        let partition = HospitalPartition(patients: cohort.patients, hospitals: sites)
        let folders = try partition.writeSiteFolders(cohort: cohort, to: output)
        for (index, folder) in folders.enumerated() {
            let sources = partition.hospitalOfTissueSource.values.count { $0 == index }
            print("\(folder): \(partition.rows[index].count) patients from \(sources) tissue source sites")
        }
        logger.info("partition written", ["sites": sites, "output": output])
    }
}

import FedSurvCore
import FedSurvData
import Foundation

/// `site-agent bench-parse FILE`: parses one omics file and prints the
/// decompressed bytes, the wall time and the throughput. Not listed in the
/// usage text; `bench/parse-speed` calls it.
enum BenchParseCommand {
    static func run(_ arguments: inout Arguments) throws {
        try arguments.rejectUnknown()
        guard arguments.positionals.count == 1 else { throw UsageError("bench-parse takes one FILE") }
        let path = arguments.positionals[0]

        let start = ContinuousClock.now
        let matrix = try OmicsReader.read(path: path)
        let elapsed = ContinuousClock.now - start

        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let megabytes = Double(matrix.bytesRead) / 1_000_000
        print(
            String(
                format: "file=%@ features=%d samples=%d bytes=%d seconds=%.3f mb_per_s=%.1f",
                (path as NSString).lastPathComponent, matrix.featureNames.count, matrix.samples.count,
                matrix.bytesRead, seconds, megabytes / seconds))
    }
}

import FedSurvCore
import FedSurvData
import Foundation

/// `site-agent bench-parse FILE [--repeat N]`: parses one omics file N times
/// (default 5) and prints the decompressed size, the best and median wall
/// time, and the throughput at the best time. It is not listed in the usage
/// text because only `bench/parse-speed` calls it.
enum BenchParseCommand {
    static func run(_ arguments: inout Arguments) throws {
        let repeats = try arguments.int("repeat") ?? 5
        try arguments.rejectUnknown()
        guard arguments.positionals.count == 1 else { throw UsageError("bench-parse takes one FILE") }
        guard repeats >= 1 else { throw UsageError("option --repeat must be at least 1, got \(repeats)") }
        let path = arguments.positionals[0]

        var seconds: [Double] = []
        var matrix: OmicsMatrix?
        for _ in 0..<repeats {
            matrix = nil
            let start = ContinuousClock.now
            matrix = try OmicsReader.read(path: path)
            let elapsed = ContinuousClock.now - start
            seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }

        seconds.sort()
        let result = matrix!
        let megabytes = Double(result.bytesRead) / 1_000_000
        print(
            String(
                format: "file=%@ features=%d samples=%d bytes=%d runs=%d best_s=%.3f median_s=%.3f mb_per_s_best=%.1f",
                (path as NSString).lastPathComponent, result.featureNames.count, result.samples.count,
                result.bytesRead, repeats, seconds[0], seconds[seconds.count / 2], megabytes / seconds[0]))
    }
}

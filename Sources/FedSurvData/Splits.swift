/// SplitMix64 (Steele, Lea and Flood 2014, "Fast splittable pseudorandom
/// number generators"): a 64-bit state advanced by the golden-ratio constant
/// and mixed by two multiply-xorshift rounds.
///
/// Used only to shuffle data splits reproducibly from a seed. It is not a
/// cryptographic generator and must never drive privacy noise.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Returns a uniform integer in `0..<bound` by rejection, so the result does
    /// not depend on the standard library's sampling algorithm.
    public mutating func uniform(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive, got \(bound)")
        let range = UInt64(bound)
        let limit = UInt64.max - UInt64.max % range
        while true {
            let value = next()
            if value < limit { return Int(value % range) }
        }
    }
}

/// One cross-validation fold: row indices, each sorted ascending.
public struct Fold: Sendable, Equatable {
    public var training: [Int]
    public var test: [Int]
}

/// Splits rows into `k` folds stratified by cancer type and event.
///
/// Steps: 1) group rows by the pair (cancer type, event). 2) Visit the groups
/// in sorted order and shuffle each with Fisher-Yates driven by
/// `SplitMix64(seed:)`. 3) Deal the rows to folds round-robin, the counter
/// continuing from one group to the next, so every fold's size differs from
/// every other's by at most one and each group is spread as evenly as its size
/// allows. The same inputs and seed give the same folds on every platform.
///
/// - Precondition: `cancerTypes` and `events` have the same length and `k >= 2`.
public func stratifiedKFold(cancerTypes: [String], events: [Bool], k: Int, seed: UInt64) -> [Fold] {
    precondition(cancerTypes.count == events.count, "cancerTypes and events differ in length")
    precondition(k >= 2, "k-fold needs k >= 2, got \(k)")
    var groups: [String: [Int]] = [:]
    for row in cancerTypes.indices {
        groups["\(cancerTypes[row])\t\(events[row] ? 1 : 0)", default: []].append(row)
    }

    var generator = SplitMix64(seed: seed)
    var testRows = [[Int]](repeating: [], count: k)
    var next = 0
    for key in groups.keys.sorted() {
        var rows = groups[key]!
        for i in stride(from: rows.count - 1, to: 0, by: -1) {
            rows.swapAt(i, generator.uniform(below: i + 1))
        }
        for row in rows {
            testRows[next].append(row)
            next = (next + 1) % k
        }
    }

    return testRows.map { test in
        let testSet = Set(test)
        return Fold(training: cancerTypes.indices.filter { !testSet.contains($0) }, test: test.sorted())
    }
}

/// Splits a dataset's rows into stratified folds, as `stratifiedKFold(cancerTypes:events:k:seed:)`.
public func stratifiedKFold(_ dataset: SurvivalDataset, k: Int, seed: UInt64) -> [Fold] {
    stratifiedKFold(cancerTypes: dataset.cancerType, events: dataset.event, k: k, seed: seed)
}

/// Splits a raw cohort's rows into stratified folds, as `stratifiedKFold(cancerTypes:events:k:seed:)`.
public func stratifiedKFold(_ cohort: Cohort, k: Int, seed: UInt64) -> [Fold] {
    stratifiedKFold(
        cancerTypes: cohort.clinical.records.map(\.cancerType), events: cohort.clinical.records.map(\.event), k: k,
        seed: seed)
}

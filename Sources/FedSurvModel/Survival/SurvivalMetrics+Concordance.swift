/// Evaluation metrics for survival predictions.
public enum SurvivalMetrics {}

/// Pair counts behind Harrell's concordance index.
public struct ConcordanceResult: Sendable, Equatable {
    /// `(concordant + 0.5 tiedRisk) / comparable`.
    public let index: Double
    public let concordantPairs: Int
    public let discordantPairs: Int
    /// Comparable pairs whose risks are exactly equal; each counts one half.
    public let tiedRiskPairs: Int

    public var comparablePairs: Int { concordantPairs + discordantPairs + tiedRiskPairs }
}

extension SurvivalMetrics {
    /// Computes Harrell's concordance index (Harrell et al. 1982) of risk scores.
    ///
    /// A higher risk should mean a shorter survival. The pair rules are those
    /// of lifelines' `concordance_index` (version 0.30), which takes predicted
    /// survival times, so it equals `concordance_index(times, -risks, events)`:
    /// - a pair `(i, j)` is comparable when `i` has an event and `T_i < T_j`,
    ///   or `T_i == T_j` and `j` is censored (the death is taken to come first);
    /// - two events at the same time, and pairs whose earlier time is a
    ///   censoring, are not comparable;
    /// - a comparable pair is concordant when `risk_i > risk_j`, and counts
    ///   one half when the risks are exactly equal.
    ///
    /// Cost: O(n log n), by a Fenwick tree over risk ranks, scanning time groups
    /// from the latest.
    ///
    /// - Throws: ``SurvivalError/noComparablePairs(patients:events:)`` when no
    ///   pair is comparable, for example without events. Throws other
    ///   ``SurvivalError`` cases for a NaN risk, an invalid time or unequal lengths.
    public static func harrellConcordance(risks: [Double], times: [Double], events: [Bool]) throws -> ConcordanceResult {
        let n = risks.count
        try SurvivalInput.checkNotEmpty(n, "risks")
        try SurvivalInput.checkCount(times.count, "times", expected: n)
        try SurvivalInput.checkCount(events.count, "events", expected: n)
        try SurvivalInput.checkTimes(times, "times")
        if let index = risks.firstIndex(where: { $0.isNaN }) {
            throw SurvivalError.nonFinite(argument: "risks", index: index)
        }

        // 1) Dense ranks 1...m of the risks, so equal risks share a rank.
        let distinctRisks = Array(Set(risks)).sorted()
        var rankOf: [Double: Int] = [:]
        for (offset, risk) in distinctRisks.enumerated() { rankOf[risk] = offset + 1 }
        let ranks = risks.map { rankOf[$0]! }

        // 2) Scan groups of equal time from the latest. Before a group's events
        //    are queried the tree contains every later patient and the group's
        //    censored patients: exactly the partners each event is comparable with.
        let order = times.indices.sorted { times[$0] > times[$1] }
        var tree = FenwickTree(size: distinctRisks.count)
        var concordant = 0
        var tied = 0
        var discordant = 0
        var start = 0
        while start < n {
            var end = start
            while end < n && times[order[end]] == times[order[start]] { end += 1 }
            let group = order[start..<end]

            for patient in group where !events[patient] { tree.add(at: ranks[patient]) }
            for patient in group where events[patient] {
                let lower = tree.prefixSum(through: ranks[patient] - 1)
                let equal = tree.prefixSum(through: ranks[patient]) - lower
                concordant += lower
                tied += equal
                discordant += tree.total - lower - equal
            }
            for patient in group where events[patient] { tree.add(at: ranks[patient]) }
            start = end
        }

        let comparable = concordant + tied + discordant
        guard comparable > 0 else {
            throw SurvivalError.noComparablePairs(patients: n, events: events.filter { $0 }.count)
        }
        return ConcordanceResult(
            index: (Double(concordant) + 0.5 * Double(tied)) / Double(comparable),
            concordantPairs: concordant, discordantPairs: discordant, tiedRiskPairs: tied)
    }

    /// Computes the time-dependent concordance of Antolini, Boracchi & Biganzoli
    /// (2005, Statistics in Medicine 24:3927-3944) from per-patient survival curves.
    ///
    /// Matches pycox's `concordance_td(method='antolini')` (pycox 0.3): each
    /// patient's event time `T_i` is mapped to the first grid index whose time
    /// is `>= T_i` (the last index when none is), and over ordered pairs
    ///
    /// ```
    /// comparable(i, j) = delta_i and (T_i < T_j or (T_i == T_j and not delta_j))
    /// concordant(i, j) = comparable(i, j) and S_i(g(T_i)) < S_j(g(T_i))
    /// C_td = sum concordant / sum comparable
    /// ```
    ///
    /// Equal survival probabilities count as not concordant (no half credit).
    /// Cost: O(n^2) pair checks after an O(n log n) sort.
    ///
    /// - Parameters:
    ///   - survival: one row per patient with the survival probability at each grid time.
    ///   - gridTimes: strictly increasing times of the survival columns.
    ///   - times: observed times; `events`: `true` for a death.
    /// - Throws: ``SurvivalError`` on mismatched shapes, NaN or infinite
    ///   values, a grid that is not increasing, or no comparable pair.
    public static func antoliniConcordance(
        survival: [[Double]], gridTimes: [Double], times: [Double], events: [Bool]
    ) throws -> Double {
        let n = times.count
        try SurvivalInput.checkNotEmpty(n, "times")
        try SurvivalInput.checkCount(events.count, "events", expected: n)
        try SurvivalInput.checkTimes(times, "times")
        try checkCurves(survival, patients: n, gridTimes: gridTimes)

        let gridIndex = times.map { time in
            min(gridTimes.firstIndex { $0 >= time } ?? gridTimes.count - 1, gridTimes.count - 1)
        }
        let order = times.indices.sorted { times[$0] < times[$1] }
        var comparable = 0
        var concordant = 0
        var start = 0
        while start < n {
            var end = start
            while end < n && times[order[end]] == times[order[start]] { end += 1 }

            for i in order[start..<end] where events[i] {
                let column = gridIndex[i]
                let own = survival[i][column]
                let partners = order[start..<end].lazy.filter { !events[$0] }.map { $0 }
                for j in partners {
                    comparable += 1
                    if own < survival[j][column] { concordant += 1 }
                }
                for j in order[end...] {
                    comparable += 1
                    if own < survival[j][column] { concordant += 1 }
                }
            }
            start = end
        }

        guard comparable > 0 else {
            throw SurvivalError.noComparablePairs(patients: n, events: events.filter { $0 }.count)
        }
        return Double(concordant) / Double(comparable)
    }

    /// Checks a per-patient matrix of survival probabilities against its grid.
    static func checkCurves(_ survival: [[Double]], patients: Int, gridTimes: [Double]) throws {
        try SurvivalInput.checkNotEmpty(gridTimes.count, "gridTimes")
        try SurvivalInput.checkStrictlyIncreasing(gridTimes, "gridTimes")
        try SurvivalInput.checkCount(survival.count, "survival", expected: patients)
        for (patient, row) in survival.enumerated() {
            try SurvivalInput.checkCount(row.count, "survival[\(patient)]", expected: gridTimes.count)
            try SurvivalInput.checkFinite(row, "survival[\(patient)]")
        }
    }
}

/// Counts per rank with O(log m) update and prefix sum (Fenwick 1994).
struct FenwickTree {
    private var counts: [Int]
    private(set) var total = 0

    init(size: Int) { counts = [Int](repeating: 0, count: size + 1) }

    /// Adds one at `rank` (1-based).
    mutating func add(at rank: Int) {
        var index = rank
        while index < counts.count {
            counts[index] += 1
            index += index & -index
        }
        total += 1
    }

    /// Returns the count of ranks `1...rank`; 0 for `rank <= 0`.
    func prefixSum(through rank: Int) -> Int {
        var index = rank
        var sum = 0
        while index > 0 {
            sum += counts[index]
            index -= index & -index
        }
        return sum
    }
}

import Testing

@testable import FedSurvFederation

@Suite struct SampleCountPolicyTests {
    @Test(
        "rounded report to nearest multiple",
        arguments: [(1, 50), (24, 50), (25, 50), (74, 50), (75, 100), (130, 150), (1000, 1000), (1024, 1000)])
    func roundedReport(trueCount: Int, expected: Int) {
        #expect(SampleCountPolicy.rounded(to: 50).reportedCount(trueCount: trueCount) == expected)
    }

    @Test("equal weights report one")
    func equalReport() {
        #expect(SampleCountPolicy.equalWeights.reportedCount(trueCount: 437) == 1)
        #expect(SampleCountPolicy.equalWeights.aggregationWeight(reportedCount: 1) == 1)
    }

    @Test("accepted reports", arguments: [(50, true), (100, true), (49, false), (0, false), (-50, false), (1, false)])
    func roundedAccepts(count: Int, expected: Bool) {
        #expect(SampleCountPolicy.rounded(to: 50).accepts(reportedCount: count) == expected)
    }

    @Test("equal weights accept only one")
    func equalAccepts() {
        #expect(SampleCountPolicy.equalWeights.accepts(reportedCount: 1))
        #expect(!SampleCountPolicy.equalWeights.accepts(reportedCount: 50))
    }

    @Test("rounded weight is the count")
    func roundedWeight() {
        #expect(SampleCountPolicy.rounded(to: 50).aggregationWeight(reportedCount: 150) == 150)
    }
}

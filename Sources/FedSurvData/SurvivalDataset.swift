/// Model-ready data after preprocessing. Row `i` of every array is patient `patients[i]`.
public struct SurvivalDataset: Sendable {
    /// 12-character patient barcodes.
    public var patients: [String]
    /// `OS.time` in days.
    public var time: [Double]
    /// `OS == 1` (death observed).
    public var event: [Bool]
    /// Raw cancer-type label, kept for stratification.
    public var cancerType: [String]
    /// `[patient][variable]` codes for cancer type, gender, race and histological type, 0 = unknown.
    public var categorical: [[Int]]
    /// Number of levels per categorical variable, the unknown level included.
    public var categoricalCardinalities: [Int]
    /// Age at diagnosis scaled to [0, 1].
    public var age: [Float]
    /// The omics blocks (`.mrna`, `.mirna`, `.cnv`), each with one row per patient.
    public var omics: [Modality: OmicsBlock]

    public init(
        patients: [String], time: [Double], event: [Bool], cancerType: [String], categorical: [[Int]],
        categoricalCardinalities: [Int], age: [Float], omics: [Modality: OmicsBlock]
    ) {
        self.patients = patients
        self.time = time
        self.event = event
        self.cancerType = cancerType
        self.categorical = categorical
        self.categoricalCardinalities = categoricalCardinalities
        self.age = age
        self.omics = omics
    }

    public var count: Int { patients.count }

    /// Returns the rows `rows`, in that order (repeats allowed).
    public func subset(_ rows: [Int]) -> SurvivalDataset {
        precondition(rows.allSatisfy { $0 >= 0 && $0 < count }, "subset row out of range 0..<\(count)")
        return SurvivalDataset(
            patients: rows.map { patients[$0] }, time: rows.map { time[$0] }, event: rows.map { event[$0] },
            cancerType: rows.map { cancerType[$0] }, categorical: rows.map { categorical[$0] },
            categoricalCardinalities: categoricalCardinalities, age: rows.map { age[$0] },
            omics: omics.mapValues { $0.subset(rows) })
    }
}

/// One omics modality after preprocessing.
public struct OmicsBlock: Sendable {
    public var featureNames: [String]
    /// Row-major `patients x features`, each value in [0, 1], all zeros for an absent patient.
    public var values: [Float]
    /// Whether the patient has a sample for this modality.
    public var present: [Bool]

    public init(featureNames: [String], values: [Float], present: [Bool]) {
        precondition(values.count == featureNames.count * present.count, "values must be patients x features")
        self.featureNames = featureNames
        self.values = values
        self.present = present
    }

    public var featureCount: Int { featureNames.count }

    /// Returns the features of patient `row`.
    public func row(_ row: Int) -> ArraySlice<Float> {
        values[(row * featureCount)..<((row + 1) * featureCount)]
    }

    public func subset(_ rows: [Int]) -> OmicsBlock {
        var selected: [Float] = []
        selected.reserveCapacity(rows.count * featureCount)
        for row in rows { selected.append(contentsOf: self.row(row)) }
        return OmicsBlock(featureNames: featureNames, values: selected, present: rows.map { present[$0] })
    }
}

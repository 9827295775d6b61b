import Foundation

extension Modality: CodingKeyRepresentable {}

/// Settings for one omics modality, with defaults in `OmicsOptions.defaults(for:)`.
public struct OmicsOptions: Codable, Sendable, Equatable {
    /// Apply `log2(x + 1)` before anything else (values <= -1 become missing).
    public var log2Transform: Bool
    /// Keep a feature when its population variance over training patients, missing cells
    /// left out, is strictly greater than this.
    public var varianceThreshold: Double
    /// Keep a feature only when it is measured (not missing) in at least this fraction
    /// of the training patients that have the modality.
    public var minimumMeasuredFraction: Double

    public init(log2Transform: Bool, varianceThreshold: Double, minimumMeasuredFraction: Double) {
        self.log2Transform = log2Transform
        self.varianceThreshold = varianceThreshold
        self.minimumMeasuredFraction = minimumMeasuredFraction
    }

    /// Returns the defaults. mRNA (RSEM): `log2(x+1)`, variance > 7 as in Chen
    /// et al. (2026). miRNA (RPM): `log2(x+1)`, variance > 0. On the TCGA
    /// development data this keeps 994 of 1,071 miRNAs, dropping 25 measured
    /// only on the 705-miRNA platform and 52 that are 0 in every sample. CNV (segment log2 ratio): variance > 0.05,
    /// because the 0.2 used for GISTIC calls keeps only about 25 genes of
    /// segment means. Every modality requires measurement in at least half of
    /// the training patients that have it.
    public static func defaults(for modality: Modality) -> OmicsOptions {
        switch modality {
        case .mrna: OmicsOptions(log2Transform: true, varianceThreshold: 7, minimumMeasuredFraction: 0.5)
        case .mirna: OmicsOptions(log2Transform: true, varianceThreshold: 0, minimumMeasuredFraction: 0.5)
        case .cnv: OmicsOptions(log2Transform: false, varianceThreshold: 0.05, minimumMeasuredFraction: 0.5)
        case .clinical: OmicsOptions(log2Transform: false, varianceThreshold: 0, minimumMeasuredFraction: 0)
        }
    }

    /// The defaults of every omics modality.
    public static var defaults: [Modality: OmicsOptions] {
        Dictionary(uniqueKeysWithValues: Modality.omics.map { ($0, defaults(for: $0)) })
    }

    func transform(_ value: Float) -> Float {
        guard log2Transform else { return value }
        return value > -1 ? log2(value + 1) : .nan
    }
}

/// A preprocessing fitted on training patients, to be saved and applied unchanged later.
///
/// Steps per omics modality: 1) optional `log2(x+1)`, 2) drop features by
/// measured fraction and variance, 3) min-max scale each kept feature to
/// [0, 1] with the training minimum and maximum, `(x - min) / (max - min)`, clamping values
/// outside the training range (0 when `max == min`). A missing cell inside a
/// present sample becomes 0 after scaling, the same as the training minimum.
/// An absent patient gets a zero vector and `present = false`.
///
/// Clinical: each categorical variable maps the sorted training levels to
/// codes 1...n and missing or unseen values to 0. Age is min-max scaled with
/// the training range and clamped, and a missing age takes the training median.
public struct Preprocessing: Codable, Sendable {
    public static let formatVersion = 1
    public var formatVersion = Preprocessing.formatVersion
    public var categorical: [CategoricalEncoder]
    public var age: AgeScaler
    public var omics: [Modality: FittedOmicsTransform]

    /// Fits on the cohort rows `trainingRows`.
    ///
    /// - Throws: `DataError.invalidRows` when an index is outside the cohort.
    public static func fit(
        cohort: Cohort, trainingRows: [Int],
        options: [Modality: OmicsOptions] = OmicsOptions.defaults
    ) throws -> Preprocessing {
        try checkRows(trainingRows, count: cohort.count)
        let records = trainingRows.map { cohort.clinical.records[$0] }
        let categorical = [
            CategoricalEncoder(variable: "cancer type", values: records.map(\.knownCancerType)),
            CategoricalEncoder(variable: "gender", values: records.map(\.gender)),
            CategoricalEncoder(variable: "race", values: records.map(\.race)),
            CategoricalEncoder(variable: "histological type", values: records.map(\.histologicalType)),
        ]
        var omics: [Modality: FittedOmicsTransform] = [:]
        for (modality, matrix) in cohort.omics {
            let chosen = cohort.chosenSample[modality]!
            let samples = trainingRows.compactMap { chosen[$0] }
            omics[modality] = FittedOmicsTransform.fit(
                matrix: matrix, samples: samples, options: options[modality] ?? .defaults(for: modality))
        }
        return Preprocessing(categorical: categorical, age: AgeScaler(ages: records.compactMap(\.age)), omics: omics)
    }

    /// Transforms the cohort rows `rows` into a dataset, in that order.
    ///
    /// - Throws: `DataError.invalidRows`, or `.missingFittedFeature` when the cohort's
    ///   file lacks a feature the preprocessing kept.
    public func apply(cohort: Cohort, rows: [Int]) throws -> SurvivalDataset {
        try Self.checkRows(rows, count: cohort.count)
        let records = rows.map { cohort.clinical.records[$0] }
        let categoricalRows = records.map { record in
            [record.knownCancerType, record.gender, record.race, record.histologicalType].enumerated().map {
                categorical[$0.offset].code($0.element)
            }
        }
        var blocks: [Modality: OmicsBlock] = [:]
        for (modality, transform) in omics {
            let chosen = cohort.chosenSample[modality].map { all in rows.map { all[$0] } }
            blocks[modality] = try transform.apply(
                modality: modality, matrix: cohort.omics[modality],
                samples: chosen ?? Array(repeating: nil, count: rows.count))
        }
        return SurvivalDataset(
            patients: records.map(\.patient), time: records.map(\.time), event: records.map(\.event),
            cancerType: records.map(\.cancerType), categorical: categoricalRows,
            categoricalCardinalities: categorical.map(\.cardinality), age: records.map { age.scale($0.age) },
            omics: blocks)
    }

    /// Fits on `trainingRows` and applies to them and to `testRows`.
    public static func fitAndApply(
        cohort: Cohort, trainingRows: [Int], testRows: [Int],
        options: [Modality: OmicsOptions] = OmicsOptions.defaults
    ) throws -> (preprocessing: Preprocessing, train: SurvivalDataset, test: SurvivalDataset) {
        let fitted = try fit(cohort: cohort, trainingRows: trainingRows, options: options)
        return (
            fitted, try fitted.apply(cohort: cohort, rows: trainingRows),
            try fitted.apply(cohort: cohort, rows: testRows)
        )
    }

    // MARK: - Saving

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public static func load(jsonData: Data) throws -> Preprocessing {
        try JSONDecoder().decode(Preprocessing.self, from: jsonData)
    }

    /// Writes the fitted preprocessing as JSON to `path`.
    ///
    /// - Throws: `DataError.writeFailed`.
    public func save(to path: String) throws {
        do {
            try jsonData().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw DataError.writeFailed(path: path, reason: "\(error.localizedDescription)")
        }
    }

    /// Reads a preprocessing saved by `save(to:)`.
    ///
    /// - Throws: `DataError.fileNotFound`, or `.invalidPreprocessingFile` when the JSON does not decode.
    public static func load(path: String) throws -> Preprocessing {
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError.fileNotFound(path: path) }
        do {
            return try load(jsonData: data)
        } catch {
            throw DataError.invalidPreprocessingFile(path: path)
        }
    }

    private static func checkRows(_ rows: [Int], count: Int) throws {
        let invalid = rows.count { $0 < 0 || $0 >= count }
        if invalid > 0 { throw DataError.invalidRows(count: invalid, reason: "outside 0..<\(count)") }
    }
}

// MARK: - Clinical encoders

/// Codes for one categorical variable: 0 for unknown, 1...n for the sorted training levels.
public struct CategoricalEncoder: Codable, Sendable, Equatable {
    public var variable: String
    public var levels: [String]

    init(variable: String, values: [String?]) {
        self.variable = variable
        self.levels = Set(values.compactMap { $0 }).sorted()
    }

    /// Number of codes, the unknown level included.
    public var cardinality: Int { levels.count + 1 }

    public func code(_ value: String?) -> Int {
        guard let value, let index = levels.firstIndex(of: value) else { return 0 }
        return index + 1
    }
}

/// Min-max scaling of age in years, with the training median for a missing age.
public struct AgeScaler: Codable, Sendable, Equatable {
    public var minimum: Double
    public var maximum: Double
    public var fillValue: Double

    init(ages: [Double]) {
        let sorted = ages.sorted()
        minimum = sorted.first ?? 0
        maximum = sorted.last ?? 0
        if sorted.isEmpty {
            fillValue = 0
        } else if sorted.count % 2 == 1 {
            fillValue = sorted[sorted.count / 2]
        } else {
            fillValue = (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
    }

    public func scale(_ age: Double?) -> Float {
        guard maximum > minimum else { return 0 }
        let scaled = ((age ?? fillValue) - minimum) / (maximum - minimum)
        return Float(min(max(scaled, 0), 1))
    }
}

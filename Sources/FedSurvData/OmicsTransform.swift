import Foundation

/// The fitted transform of one omics modality: kept features and their training range.
public struct FittedOmicsTransform: Codable, Sendable, Equatable {
    public var options: OmicsOptions
    /// Number of features in the training file.
    public var featuresBefore: Int
    /// Kept features, in file order.
    public var featureNames: [String]
    /// Training minimum and maximum of each kept feature, after the log transform.
    public var minimums: [Float]
    public var maximums: [Float]

    /// Fits on the matrix samples `samples` (indices into `matrix.samples`).
    static func fit(matrix: OmicsMatrix, samples: [Int], options: OmicsOptions) -> FittedOmicsTransform {
        var statistics = FeatureStatistics(count: matrix.featureNames.count)
        switch matrix.orientation {
        case .featuresAsRows:
            for feature in 0..<matrix.featureNames.count {
                let row = matrix.rows[feature]
                for sample in samples { statistics.add(options.transform(row[sample]), feature: feature) }
            }
        case .samplesAsRows:
            for sample in samples {
                let row = matrix.rows[sample]
                for feature in 0..<row.count { statistics.add(options.transform(row[feature]), feature: feature) }
            }
        }

        var fitted = FittedOmicsTransform(
            options: options, featuresBefore: matrix.featureNames.count, featureNames: [], minimums: [], maximums: [])
        let needed = options.minimumMeasuredFraction * Double(samples.count)
        for feature in 0..<matrix.featureNames.count {
            let measured = statistics.measured[feature]
            guard measured > 0, Double(measured) >= needed,
                statistics.variance(feature) > options.varianceThreshold
            else { continue }
            fitted.featureNames.append(matrix.featureNames[feature])
            fitted.minimums.append(Float(statistics.minimum[feature]))
            fitted.maximums.append(Float(statistics.maximum[feature]))
        }
        return fitted
    }

    /// Scales one transformed value with the range of kept feature `index`, mapping missing to 0.
    func scale(_ value: Float, index: Int) -> Float {
        let low = minimums[index]
        let range = maximums[index] - low
        guard !value.isNaN, range > 0 else { return 0 }
        return min(max((value - low) / range, 0), 1)
    }

    /// Builds the block for patients whose chosen samples are `samples` (nil = absent).
    func apply(modality: Modality, matrix: OmicsMatrix?, samples: [Int?]) throws -> OmicsBlock {
        let width = featureNames.count
        var values = [Float](repeating: 0, count: samples.count * width)
        guard let matrix else {
            return OmicsBlock(featureNames: featureNames, values: values, present: samples.map { _ in false })
        }

        // 1) Locate the kept features in this file by name.
        let indexOfName = Dictionary(
            matrix.featureNames.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let columns = try featureNames.map { name in
            guard let index = indexOfName[name] else {
                throw DataError.missingFittedFeature(modality: modality.rawValue, feature: name)
            }
            return index
        }

        // 2) Transform and scale, walking the matrix in storage order.
        switch matrix.orientation {
        case .featuresAsRows:
            for (kept, column) in columns.enumerated() {
                let row = matrix.rows[column]
                for (patient, sample) in samples.enumerated() {
                    guard let sample else { continue }
                    values[patient * width + kept] = scale(options.transform(row[sample]), index: kept)
                }
            }
        case .samplesAsRows:
            for (patient, sample) in samples.enumerated() {
                guard let sample else { continue }
                let row = matrix.rows[sample]
                for (kept, column) in columns.enumerated() {
                    values[patient * width + kept] = scale(options.transform(row[column]), index: kept)
                }
            }
        }
        return OmicsBlock(featureNames: featureNames, values: values, present: samples.map { $0 != nil })
    }
}

/// Per-feature count, mean, variance (Welford 1962), minimum and maximum, missing values skipped.
struct FeatureStatistics {
    var measured: [Int]
    var mean: [Double]
    var sumOfSquares: [Double]
    var minimum: [Double]
    var maximum: [Double]

    init(count: Int) {
        measured = Array(repeating: 0, count: count)
        mean = Array(repeating: 0, count: count)
        sumOfSquares = Array(repeating: 0, count: count)
        minimum = Array(repeating: .infinity, count: count)
        maximum = Array(repeating: -.infinity, count: count)
    }

    mutating func add(_ value: Float, feature: Int) {
        guard !value.isNaN else { return }
        let x = Double(value)
        measured[feature] += 1
        let delta = x - mean[feature]
        mean[feature] += delta / Double(measured[feature])
        sumOfSquares[feature] += delta * (x - mean[feature])
        if x < minimum[feature] { minimum[feature] = x }
        if x > maximum[feature] { maximum[feature] = x }
    }

    /// Returns the population variance `sum (x - mean)^2 / n`, or 0 when nothing was measured.
    func variance(_ feature: Int) -> Double {
        measured[feature] > 0 ? sumOfSquares[feature] / Double(measured[feature]) : 0
    }
}

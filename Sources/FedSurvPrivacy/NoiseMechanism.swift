import Foundation
/// How a group's summed gradient reached the grid, which decides its sensitivity.
public enum GridRounding: Sendable, Hashable {
    /// The real-valued sum was rounded to the nearest grid point.
    ///
    /// Rounding both neighbouring sums can add up to one granularity per
    /// coordinate to their difference, so for d coordinates the sensitivity
    /// used to calibrate the noise is C + d * granularity (L1) or
    /// C + sqrt(d) * granularity (L2).
    case sumRoundedToNearest
    /// Every clipped per-example gradient was snapped toward zero to the grid
    /// (`NoiseGrid.snapTowardZero`) before summing in integers.
    ///
    /// Snapping toward zero never increases a norm, so the sensitivity is C.
    case examplesSnappedTowardZero
}

/// Noise as calibrated for one release: the integer parameters of the exact sampler.
public struct CalibratedNoise: Sendable, Hashable {
    public let kind: MechanismKind
    public let grid: NoiseGrid
    /// The sensitivity used for calibration, in real units (clip bound plus any rounding allowance).
    public let sensitivity: Double
    /// Laplace: the integer scale t in grid units, P(x) proportional to exp(-|x| / t).
    public let laplaceScaleUnits: UInt64?
    /// Gaussian: the integer variance sigma^2 in grid units squared.
    public let gaussianVarianceUnits: UInt64?
}

/// The Laplace and Gaussian mechanisms on the power-of-two grid.
///
/// Laplace: noise scale b = sensitivity_L1 / epsilon, drawn as the discrete
/// Laplace of integer scale t = ceil(b / granularity). For integer vectors
/// at L1 distance at most Delta (grid units), the discrete Laplace with
/// scale t gives pure epsilon = Delta / t <= the recorded epsilon under
/// add/remove adjacency (Canonne, Kamath and Steinke 2020).
///
/// Gaussian: sigma = noise multiplier * sensitivity_L2, drawn as the discrete
/// Gaussian of integer variance ceil((sigma / granularity)^2).
///
/// Both round the noise up (a relative margin of 1e-12 absorbs floating-point
/// error in b / granularity), so the release is at least as private as the
/// recorded parameters state.
public enum NoiseMechanism {
    /// Smallest accepted noise scale in grid units: coarser grids would swamp the noise.
    public static let minimumScaleUnits: Double = 1

    /// Computes the sampler parameters for a group of `dimension` coordinates.
    ///
    /// - Throws: validation errors of `MechanismParameters.validate()`, and
    ///   `PrivacyError.noiseScaleOutOfGridRange` when the scale is below 1
    ///   grid unit or above the sampler's limit (2^52 units for Laplace,
    ///   2^26 units of standard deviation for Gaussian).
    public static func calibrate(
        _ parameters: MechanismParameters, dimension: Int, rounding: GridRounding
    ) throws(PrivacyError) -> CalibratedNoise {
        try parameters.validate()
        let grid = try parameters.grid()
        let granularity = grid.granularity

        // 1) Sensitivity: the clip bound, plus the rounding allowance when the sum was rounded.
        var sensitivity = parameters.clipBound
        if rounding == .sumRoundedToNearest {
            let allowance = parameters.kind == .laplace ? Double(dimension) : Double(dimension).squareRoot()
            sensitivity += allowance * granularity
        }

        // 2) Noise scale in grid units, rounded up.
        let margin = 1 + 1e-12
        switch parameters.kind {
        case .laplace:
            let scaleUnits = sensitivity / parameters.epsilon! / granularity * margin
            let maximum = Double(ExactSampler.maximumLaplaceScale)
            guard scaleUnits >= minimumScaleUnits, scaleUnits <= maximum else {
                throw .noiseScaleOutOfGridRange(scaleInGridUnits: scaleUnits, minimum: minimumScaleUnits, maximum: maximum)
            }
            return CalibratedNoise(
                kind: .laplace, grid: grid, sensitivity: sensitivity,
                laplaceScaleUnits: UInt64(scaleUnits.rounded(.up)), gaussianVarianceUnits: nil)
        case .gaussian:
            let sigmaUnits = parameters.noiseMultiplier! * sensitivity / granularity * margin
            let maximum = Double(ExactSampler.maximumGaussianVariance).squareRoot()
            guard sigmaUnits >= minimumScaleUnits, sigmaUnits <= maximum else {
                throw .noiseScaleOutOfGridRange(scaleInGridUnits: sigmaUnits, minimum: minimumScaleUnits, maximum: maximum)
            }
            return CalibratedNoise(
                kind: .gaussian, grid: grid, sensitivity: sensitivity,
                laplaceScaleUnits: nil, gaussianVarianceUnits: UInt64((sigmaUnits * sigmaUnits).rounded(.up)))
        }
    }

    /// Draws one noise vector in grid units.
    public static func noiseUnits(
        _ noise: CalibratedNoise, count: Int, using generator: inout some NoiseRandomSource
    ) -> [Int64] {
        (0..<count).map { _ in
            switch noise.kind {
            case .laplace: ExactSampler.discreteLaplace(scaleNumerator: noise.laplaceScaleUnits!, using: &generator)
            case .gaussian: ExactSampler.discreteGaussian(varianceNumerator: noise.gaussianVarianceUnits!, using: &generator)
            }
        }
    }

    /// Releases a real-valued clipped sum: rounds it to the nearest grid
    /// point, adds exact noise calibrated with the rounding allowance
    /// (`GridRounding.sumRoundedToNearest`) and returns grid values.
    ///
    /// - Throws: calibration errors, and `PrivacyError.valueOutOfGridRange`
    ///   when a coordinate or its noised value is not representable on the grid.
    ///
    /// NOTE: floating-point error in computing `sum` itself is not covered by
    /// the rounding allowance; the snapped path below avoids it.
    public static func release(
        sum: [Double], parameters: MechanismParameters, using generator: inout some NoiseRandomSource
    ) throws(PrivacyError) -> [Double] {
        let noise = try calibrate(parameters, dimension: sum.count, rounding: .sumRoundedToNearest)
        let units = try noise.grid.roundToNearest(sum)
        return try addNoise(noise, to: units, using: &generator)
    }

    /// Releases a sum, in grid units, of per-example gradients that were
    /// clipped and then snapped toward zero to the grid. The noise is
    /// calibrated to the clip bound alone (`GridRounding.examplesSnappedTowardZero`).
    ///
    /// - Throws: calibration errors, and `PrivacyError.valueOutOfGridRange`
    ///   when a noised coordinate exceeds 2^53 grid units.
    public static func release(
        snappedSumUnits: [Int64], parameters: MechanismParameters, using generator: inout some NoiseRandomSource
    ) throws(PrivacyError) -> [Double] {
        let noise = try calibrate(parameters, dimension: snappedSumUnits.count, rounding: .examplesSnappedTowardZero)
        return try addNoise(noise, to: snappedSumUnits, using: &generator)
    }

    /// Releases a real-valued clipped sum as `release(sum:parameters:using:)` does,
    /// drawing the noise on `generators.count` threads, one generator per
    /// contiguous chunk of coordinates.
    ///
    /// The calibration uses the whole vector's dimension, so the result has the
    /// same distribution as the single-threaded release; only the generator
    /// that draws each coordinate differs.
    public static func release(
        sum: [Double], parameters: MechanismParameters, generators: inout [SecureRandomSource]
    ) throws(PrivacyError) -> [Double] {
        precondition(!generators.isEmpty, "release needs at least one generator")
        let noise = try calibrate(parameters, dimension: sum.count, rounding: .sumRoundedToNearest)
        let units = try noise.grid.roundToNearest(sum)
        let chunkCount = generators.count
        let chunkSize = (units.count + chunkCount - 1) / max(1, chunkCount)
        let results = ChunkResults(sources: generators)
        let unitCount = units.count
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let count = max(0, min(unitCount, (chunk + 1) * chunkSize) - chunk * chunkSize)
            var generator = results.source(chunk)
            let values = noiseUnits(noise, count: count, using: &generator)
            results.store(chunk, draws: values, source: generator)
        }
        generators = results.sources
        return try combine(noise, units: units, draws: results.draws.flatMap { $0 })
    }

    private static func addNoise(
        _ noise: CalibratedNoise, to units: [Int64], using generator: inout some NoiseRandomSource
    ) throws(PrivacyError) -> [Double] {
        let draws = noiseUnits(noise, count: units.count, using: &generator)
        return try combine(noise, units: units, draws: draws)
    }

    private static func combine(_ noise: CalibratedNoise, units: [Int64], draws: [Int64]) throws(PrivacyError)
        -> [Double]
    {
        var noised = [Int64]()
        noised.reserveCapacity(units.count)
        for index in units.indices {
            let (value, overflow) = units[index].addingReportingOverflow(draws[index])
            guard !overflow, Double(value.magnitude) <= NoiseGrid.maximumUnits else {
                throw .valueOutOfGridRange(index: index)
            }
            noised.append(value)
        }
        return noise.grid.values(noised)
    }
}

/// Per-chunk noise draws and generator states, written by concurrent workers under a lock.
private final class ChunkResults: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var sources: [SecureRandomSource]
    private(set) var draws: [[Int64]]

    init(sources: [SecureRandomSource]) {
        self.sources = sources
        self.draws = Array(repeating: [], count: sources.count)
    }

    func source(_ chunk: Int) -> SecureRandomSource {
        lock.lock()
        defer { lock.unlock() }
        return sources[chunk]
    }

    func store(_ chunk: Int, draws values: [Int64], source: SecureRandomSource) {
        lock.lock()
        defer { lock.unlock() }
        draws[chunk] = values
        sources[chunk] = source
    }
}

import FedSurvNN

/// Central finite differences for Float32 layers.
///
/// The scalar checked is `L = sum(output .* weights)` for fixed random
/// weights, accumulated in Double. With step `h` the central difference has
/// truncation error O(h^2) and rounding error about `1e-7 * |L| / h`, so with
/// `h = 1e-2` and `|L| < 100` the difference is trusted to about 1e-3. A check
/// passes when `|numeric - analytic| <= absoluteTolerance + relativeTolerance * |analytic|`.
enum GradientCheck {
    static let step: Float = 1e-2
    static let absoluteTolerance = 5e-3
    static let relativeTolerance = 2e-2

    static func weightedSum(_ output: Matrix, _ weights: Matrix) -> Double {
        var sum = 0.0
        for i in 0..<output.count { sum += Double(output.storage[i]) * Double(weights.storage[i]) }
        return sum
    }

    static func agrees(_ numeric: Double, _ analytic: Double) -> Bool {
        abs(numeric - analytic) <= absoluteTolerance + relativeTolerance * abs(analytic)
    }

    /// Indices of up to `limit` entries spread over `count`, to keep debug tests fast.
    static func sampleIndices(count: Int, limit: Int = 12) -> [Int] {
        if count <= limit { return Array(0..<count) }
        return (0..<limit).map { $0 * count / limit + ($0 % 3) }.map { min($0, count - 1) }
    }

    /// Returns the numeric derivative of `loss` with respect to one scalar,
    /// read by `get` and written by `set`.
    static func numericDerivative(
        of loss: () -> Double, get: () -> Float, set: (Float) -> Void
    ) -> Double {
        let original = get()
        set(original + step)
        let plus = loss()
        set(original - step)
        let minus = loss()
        set(original)
        return (plus - minus) / (2 * Double(step))
    }

    /// Mismatches, as readable strings, between analytic and numeric gradients
    /// of `layer` with respect to its input and its parameters.
    static func mismatches(layer: any Layer, input: Matrix, training: Bool, seed: UInt64) -> [String] {
        var generator = SeededGenerator(seed: seed)
        var x = input
        let output = layer.forward(x, training: training)
        let weights = Matrix(rows: output.rows, cols: output.cols) { generator.nextUniform(in: -1, 1) }
        for parameter in layer.parameters { parameter.zeroGradient() }
        let inputGradient = layer.backward(weights)
        let analytic = layer.parameters.map(\.gradient)

        var failures: [String] = []
        let loss = { weightedSum(layer.forward(x, training: training), weights) }
        for index in sampleIndices(count: input.count) {
            let numeric = numericDerivative(of: loss, get: { x.storage[index] }, set: { x.storage[index] = $0 })
            let value = Double(inputGradient.storage[index])
            if !agrees(numeric, value) { failures.append("input[\(index)]: numeric \(numeric), analytic \(value)") }
        }
        for (parameter, gradient) in zip(layer.parameters, analytic) {
            for index in sampleIndices(count: parameter.count) {
                let numeric = numericDerivative(
                    of: loss, get: { parameter.value.storage[index] }, set: { parameter.value.storage[index] = $0 })
                let value = Double(gradient.storage[index])
                if !agrees(numeric, value) {
                    failures.append("\(parameter.name)[\(index)]: numeric \(numeric), analytic \(value)")
                }
            }
        }
        return failures
    }
}

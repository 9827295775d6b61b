import FedSurvNN
import Foundation
import Testing

@Suite struct AdamTests {
    @Test("first step moves by learning rate")
    func firstStep() {
        // After one step m_hat = g and v_hat = g^2, so the update is lr * g / (|g| + eps).
        let parameter = Parameter(name: "p", value: Matrix(rows: 1, cols: 3, storage: [1, -2, 0.5]))
        parameter.gradient = Matrix(rows: 1, cols: 3, storage: [0.3, -4, 0])
        let adam = Adam(parameters: [parameter])
        adam.update()
        #expect(abs(parameter.value.storage[0] - (1 - 0.001)) < 1e-6)
        #expect(abs(parameter.value.storage[1] - (-2 + 0.001)) < 1e-6)
        #expect(parameter.value.storage[2] == 0.5)
    }

    @Test("matches reference recurrence over steps")
    func recurrence() {
        let parameter = Parameter(name: "p", value: Matrix(rows: 1, cols: 1, storage: [0]))
        let adam = Adam(parameters: [parameter], learningRate: 0.1)
        var theta = 0.0
        var m = 0.0
        var v = 0.0
        let gradients = [1.0, -0.5, 2.0, 0.25]
        for (t, g) in gradients.enumerated() {
            parameter.gradient.storage[0] = Float(g)
            adam.update()
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            let mHat = m / (1 - Foundation.pow(0.9, Double(t + 1)))
            let vHat = v / (1 - Foundation.pow(0.999, Double(t + 1)))
            theta -= 0.1 * mHat / (vHat.squareRoot() + 1e-8)
            #expect(abs(Double(parameter.value.storage[0]) - theta) < 1e-5)
        }
    }

    @Test("vector and scalar lanes agree", arguments: [0, 0.01] as [Float])
    func lanes(weightDecay: Float) {
        // 21 entries: two blocks of eight take the SIMD path and five the scalar tail.
        var generator = SeededGenerator(seed: 7)
        let initial = (0..<21).map { _ in generator.nextUniform(in: -1, 1) }
        let parameter = Parameter(name: "p", value: Matrix(rows: 3, cols: 7, storage: initial))
        let adam = Adam(parameters: [parameter], learningRate: 0.05, weightDecay: weightDecay)
        var theta = initial.map(Double.init)
        var m = [Double](repeating: 0, count: 21)
        var v = [Double](repeating: 0, count: 21)
        for t in 1...3 {
            let gradients = (0..<21).map { _ in generator.nextUniform(in: -2, 2) }
            parameter.gradient = Matrix(rows: 3, cols: 7, storage: gradients)
            adam.update()
            for i in 0..<21 {
                let g = Double(gradients[i]) + Double(weightDecay) * theta[i]
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                let mHat = m[i] / (1 - Foundation.pow(0.9, Double(t)))
                let vHat = v[i] / (1 - Foundation.pow(0.999, Double(t)))
                theta[i] -= 0.05 * mHat / (vHat.squareRoot() + 1e-8)
            }
        }
        for i in 0..<21 {
            #expect(abs(Double(parameter.value.storage[i]) - theta[i]) < 1e-5, "entry \(i)")
        }
    }

    @Test("minimises a quadratic")
    func quadratic() {
        let parameter = Parameter(name: "p", value: Matrix(rows: 1, cols: 2, storage: [3, -2]))
        let adam = Adam(parameters: [parameter], learningRate: 0.05)
        for _ in 0..<500 {
            adam.zeroGradients()
            // Gradient of (x - 1)^2 + (y + 1)^2.
            parameter.gradient.storage[0] = 2 * (parameter.value.storage[0] - 1)
            parameter.gradient.storage[1] = 2 * (parameter.value.storage[1] + 1)
            adam.update()
        }
        #expect(abs(parameter.value.storage[0] - 1) < 0.02)
        #expect(abs(parameter.value.storage[1] + 1) < 0.02)
    }
}

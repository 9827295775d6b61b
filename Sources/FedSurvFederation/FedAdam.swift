/// Adam as the server optimiser over the averaged deltas (Reddi et al., 2021,
/// "Adaptive Federated Optimization", FedAdam in their Algorithm 2).
///
/// The pseudo-gradient of a round is the weighted mean delta, the same
/// average FedAvg applies. Reddi et al. average uniformly, which
/// `SampleCountPolicy.equalWeights` reproduces. Then, per coordinate:
///
///     Δ_t     = Σ_k w_k Δ_k / Σ_k w_k
///     m_t     = β1 m_{t−1} + (1 − β1) Δ_t
///     v_t     = β2 v_{t−1} + (1 − β2) Δ_t²
///     x_{t+1} = x_t + η m_t / (√v_t + τ)
///
/// starting from `m_{−1} = 0` and `v_{−1} = τ²`, the smallest start the
/// paper allows. As in the paper there is no bias correction, so the step
/// count is not part of the state. τ sets the adaptivity: a large τ makes
/// the step close to `η m_t / τ`, while a small τ makes it scale with 1/√v.
///
/// State: `m/<tensor>` and `v/<tensor>` as Float tensors, in `serverState`.
/// Computation runs in Double and the state is rounded to Float when stored,
/// so a restored optimiser continues from the Float values.
public struct FedAdam: AggregationStrategy {
    /// Hyperparameters of the server optimiser.
    public struct Configuration: Equatable, Sendable {
        /// Server learning rate η, positive.
        public var learningRate: Double
        /// First-moment decay β1 in [0, 1); default 0.9.
        public var beta1: Double
        /// Second-moment decay β2 in [0, 1); default 0.99.
        public var beta2: Double
        /// Adaptivity τ, positive; default 1e-3.
        public var tau: Double

        public init(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.99, tau: Double = 1e-3) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.tau = tau
        }
    }

    public let configuration: Configuration
    public private(set) var serverState: [String: [Float]]

    /// Creates the optimiser, resuming from persisted state when given.
    ///
    /// - Parameters:
    ///   - configuration: η, β1, β2, τ.
    ///   - state: `serverState` from a previous run, or empty to start fresh.
    ///     Tensors are checked against the model at the first `aggregate`.
    /// - Throws: `FederationError.invalidConfiguration` for a hyperparameter
    ///   out of range, `.invalidServerState` for a key without the `m/` or `v/`
    ///   prefix, a non-finite value, a negative second moment, or a moment without its pair.
    public init(configuration: Configuration, state: [String: [Float]] = [:]) throws {
        let checks: [(String, Double, Bool, String)] = [
            ("learningRate", configuration.learningRate, configuration.learningRate > 0, "positive"),
            ("beta1", configuration.beta1, configuration.beta1 >= 0 && configuration.beta1 < 1, "in [0, 1)"),
            ("beta2", configuration.beta2, configuration.beta2 >= 0 && configuration.beta2 < 1, "in [0, 1)"),
            ("tau", configuration.tau, configuration.tau > 0, "positive"),
        ]
        for (field, value, valid, requirement) in checks where !(valid && value.isFinite) {
            throw FederationError.invalidConfiguration(field: field, value: "\(value)", requirement: requirement)
        }

        for key in state.keys.sorted() {
            let values = state[key]!
            guard key.hasPrefix("m/") || key.hasPrefix("v/") else {
                throw FederationError.invalidServerState(tensor: key, problem: "the key must start with m/ or v/")
            }
            guard values.allSatisfy(\.isFinite) else {
                throw FederationError.invalidServerState(tensor: key, problem: "it contains non-finite values")
            }
            let tensor = String(key.dropFirst(2))
            let pair = (key.hasPrefix("m/") ? "v/" : "m/") + tensor
            guard state[pair]?.count == values.count else {
                throw FederationError.invalidServerState(
                    tensor: key, problem: "its pair \(pair) is missing or has another size")
            }
            if key.hasPrefix("v/"), values.contains(where: { $0 < 0 }) {
                throw FederationError.invalidServerState(tensor: key, problem: "a second moment is negative")
            }
        }
        self.configuration = configuration
        self.serverState = state
    }

    public var name: String { "fedadam" }

    public mutating func aggregate(global: [String: [Float]], updates: [SiteUpdate]) throws -> [String: [Float]] {
        try checkAggregationInputs(global: global, updates: updates)
        try checkStateFits(global)

        // 1) Pseudo-gradient.
        let pseudoGradient = weightedMeanDelta(global: global, updates: updates)

        // 2) Moments and step, per tensor.
        let (beta1, beta2, tau, eta) = (
            configuration.beta1, configuration.beta2, configuration.tau, configuration.learningRate
        )
        var weights: [String: [Float]] = [:]
        var state: [String: [Float]] = [:]
        for (name, values) in global {
            let delta = pseudoGradient[name]!
            let previousM = serverState["m/" + name]
            let previousV = serverState["v/" + name]
            var m = [Float](repeating: 0, count: values.count)
            var v = [Float](repeating: 0, count: values.count)
            var x = [Float](repeating: 0, count: values.count)
            for index in values.indices {
                let oldM = previousM.map { Double($0[index]) } ?? 0
                let oldV = previousV.map { Double($0[index]) } ?? tau * tau
                let newM = beta1 * oldM + (1 - beta1) * delta[index]
                let newV = beta2 * oldV + (1 - beta2) * delta[index] * delta[index]
                x[index] = Float(Double(values[index]) + eta * newM / (newV.squareRoot() + tau))
                m[index] = Float(newM)
                v[index] = Float(newV)
            }
            weights[name] = x
            state["m/" + name] = m
            state["v/" + name] = v
        }

        // 3) Commit the state only after every tensor succeeded.
        serverState = state
        return weights
    }

    /// Checks that stored moments belong to this model: same names, same sizes, nothing extra.
    private func checkStateFits(_ global: [String: [Float]]) throws {
        guard !serverState.isEmpty else { return }
        for (name, values) in global {
            for key in ["m/" + name, "v/" + name] {
                guard let stored = serverState[key] else {
                    throw FederationError.invalidServerState(
                        tensor: key, problem: "the model has this tensor but the state does not")
                }
                guard stored.count == values.count else {
                    throw FederationError.invalidServerState(
                        tensor: key, problem: "it has \(stored.count) values, the model tensor \(values.count)")
                }
            }
        }
        if let extra = serverState.keys.sorted().first(where: { global[String($0.dropFirst(2))] == nil }) {
            throw FederationError.invalidServerState(tensor: extra, problem: "the model has no such tensor")
        }
    }
}

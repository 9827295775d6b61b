import FedSurvNN

/// The bilayer multi-head attention survival model (Chen et al., JMIR Med
/// Inform 2026): modality encoders to `d`, attention fusion over the modality
/// vectors, a linear layer to the fused vector (followed by ReLU when
/// `reluAfterFusion`), and an output linear layer to `outputSize`.
///
/// `forward` caches activations for one `backward`, so each training step is
/// `zeroGradients()`, `forward(_:training: true)`, loss gradient, `backward(_:)`,
/// optimiser update. Dropout masks come from generators seeded at construction.
public final class BilayerAttentionModel {
    public let config: ModelConfig
    let clinical: ClinicalEncoder?
    let omics: [(modality: ModelConfig.Modality, encoder: OmicsEncoder)]
    let fusion: AttentionFusion
    let fusionLinear: Linear
    let fusionActivation = ReLU()
    let outputLinear: Linear

    /// Builds a model with weights initialised from `seed`.
    ///
    /// - Throws: `ModelError.invalidConfig` when `config.validate()` fails.
    public init(config: ModelConfig, seed: UInt64) throws {
        try config.validate()
        self.config = config
        var generator = SeededGenerator(seed: seed)
        let d = config.dimension

        if config.modalities.contains(.clinical) {
            clinical = ClinicalEncoder(
                name: "encoders.clinical", cardinalities: config.clinicalCardinalities, dimension: d,
                dropoutRate: config.dropout, generator: &generator)
        } else {
            clinical = nil
        }
        var encoders: [(ModelConfig.Modality, OmicsEncoder)] = []
        for modality in config.modalities where modality != .clinical {
            let encoder = OmicsEncoder(
                name: "encoders.\(modality.rawValue)", config: config.encoder(for: modality)!, dimension: d,
                normalization: config.normalization, dropoutRate: config.dropout, generator: &generator)
            encoders.append((modality, encoder))
        }
        omics = encoders
        fusion = AttentionFusion(
            name: "fusion", dimension: d, heads: config.heads, dropoutRate: config.dropout,
            maskAbsent: config.maskAbsentModalities, generator: &generator)
        fusionLinear = Linear(name: "fusion.linear", inputs: d, outputs: d, generator: &generator)
        outputLinear = Linear(name: "output", inputs: d, outputs: config.outputSize, generator: &generator)
    }

    // MARK: - Parameters

    /// Trainable parameters in a fixed order: encoders (clinical, then omics in
    /// `Modality.allCases` order), fusion, output.
    public var parameters: [Parameter] {
        var result = clinical?.parameters ?? []
        for entry in omics { result += entry.encoder.parameters }
        result += fusion.parameters + fusionLinear.parameters + outputLinear.parameters
        return result
    }

    /// Batch-norm running statistics (empty with layer normalisation).
    public var buffers: [Parameter] { omics.flatMap(\.encoder.buffers) }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }

    /// The linear layers, for per-example gradient norms (`Linear.perExampleGradientNorms`).
    public var linearLayers: [Linear] {
        var result: [Linear] = []
        if let clinical { result.append(clinical.linear) }
        for entry in omics { result += entry.encoder.network.layers.compactMap { $0 as? Linear } }
        return result + [fusionLinear, outputLinear]
    }

    /// Attention weights of the last forward pass, `n x H x M` flattened as
    /// `(i * H + h) * M + m`, with `m` indexing `config.modalities`.
    public var lastAttentionWeights: [Float] { fusion.weights }

    // MARK: - Forward and backward

    /// Returns the `n x outputSize` outputs (risk scores or logits). The
    /// clinical modality counts as present for every example.
    ///
    /// Inputs are checked with preconditions only, so call `input.validate(for:)`
    /// once on data from outside the program.
    public func forward(_ input: ModelInput, training: Bool) -> Matrix {
        let n = input.count
        var encoded: [Matrix] = []
        var presence = Matrix(rows: n, cols: config.modalities.count)
        var column = 0

        // 1) Layer 1: one encoder per modality.
        if let clinical {
            precondition(
                input.categorical.count == n * ModelConfig.clinicalVariableCount, "categorical codes must be n x 4")
            encoded.append(clinical.forward(categorical: input.categorical, age: input.age, training: training))
            for i in 0..<n { presence[i, column] = 1 }
            column += 1
        }
        for entry in omics {
            guard let batch = input.omics[entry.modality] else {
                preconditionFailure("the batch has no \(entry.modality.rawValue) data")
            }
            precondition(batch.presence.count == n, "\(entry.modality.rawValue) presence must have \(n) entries")
            encoded.append(entry.encoder.forward(batch.features, training: training))
            for i in 0..<n { presence[i, column] = batch.presence[i] }
            column += 1
        }

        // 2) Layer 2: attention fusion, fused vector, output.
        let attended = fusion.forward(encoded, presence: presence, training: training)
        var fused = fusionLinear.forward(attended, training: training)
        if config.reluAfterFusion { fused = fusionActivation.forward(fused, training: training) }
        return outputLinear.forward(fused, training: training)
    }

    /// Adds the gradients of all parameters given `dLoss/dOutput` (`n x outputSize`).
    public func backward(_ outputGradient: Matrix) {
        var gradient = outputLinear.backward(outputGradient)
        if config.reluAfterFusion { gradient = fusionActivation.backward(gradient) }
        gradient = fusionLinear.backward(gradient)
        let perModality = fusion.backward(gradient)

        var column = 0
        if let clinical {
            clinical.backward(perModality[column])
            column += 1
        }
        for entry in omics {
            entry.encoder.backward(perModality[column])
            column += 1
        }
    }

    // MARK: - Per-example gradient norms

    /// Per-example gradient norms of every trainable parameter for the last
    /// `forward` and `backward`, keyed by parameter name, each with `n` entries.
    ///
    /// They are computed from cached inputs and output gradients without
    /// materialising per-example gradients (see the layers' methods). They equal
    /// the norms of each example's contribution to the batch gradient, which is
    /// that example's own gradient only when the loss is a sum of per-example
    /// terms and no layer mixes examples.
    ///
    /// - Throws: `ModelError.invalidConfig` with batch normalisation, whose
    ///   gradients couple the examples of a batch.
    public func perExampleGradientNorms(_ norm: GradientNorm) throws -> [String: [Float]] {
        guard config.normalization == .layer || omics.isEmpty else {
            throw ModelError.invalidConfig(
                field: "normalization", reason: "is batch, which mixes examples; per-example gradients need layer")
        }
        var result: [String: [Float]] = [:]
        func addLinear(_ linear: Linear) {
            let norms = linear.perExampleGradientNorms(norm)
            result[linear.weight.name] = norms.weight
            if let bias = linear.bias { result[bias.name] = norms.bias }
        }

        if let clinical {
            for table in clinical.embeddings { result[table.weight.name] = table.perExampleGradientNorms(norm) }
            addLinear(clinical.linear)
        }
        for entry in omics {
            for layer in entry.encoder.network.layers {
                if let linear = layer as? Linear { addLinear(linear) }
                if let layerNorm = layer as? LayerNorm {
                    let norms = layerNorm.perExampleGradientNorms(norm)
                    result[layerNorm.scale.name] = norms.scale
                    result[layerNorm.shift.name] = norms.shift
                }
            }
        }
        let attention = fusion.perExampleGradientNorms(norm)
        result[fusion.keyWeight.name] = attention.key
        result[fusion.query.name] = attention.query
        addLinear(fusionLinear)
        addLinear(outputLinear)
        return result
    }

    /// Replaces every parameter's gradient with a per-example weighted sum for
    /// the last `forward` and `backward`: `g_p = sum_i factors[p][i] g_{p,i}`,
    /// where `g_{p,i}` is example `i`'s contribution to parameter `p`.
    ///
    /// With `factors[p][i] = min(1, C_p / ||g_{p,i}||)` from
    /// `perExampleGradientNorms` this is the per-group clipped gradient sum of
    /// differentially private training, computed without materialising
    /// per-example gradients.
    ///
    /// - Parameter factors: `n` factors for every name in `parameters`.
    /// - Throws: `ModelError.invalidConfig` with batch normalisation, and
    ///   `ModelError.invalidInput` when a parameter's factors are missing or
    ///   do not have one entry per example.
    public func setWeightedGradients(_ factors: [String: [Float]]) throws {
        guard config.normalization == .layer || omics.isEmpty else {
            throw ModelError.invalidConfig(
                field: "normalization", reason: "is batch, which mixes examples; per-example gradients need layer")
        }
        let n = outputLinear.lastInput.rows
        for parameter in parameters {
            guard let values = factors[parameter.name], values.count == n else {
                throw ModelError.invalidInput(
                    reason: "per-example factors for \(parameter.name) are missing or do not have \(n) entries")
            }
        }
        func setLinear(_ linear: Linear) {
            let weightFactors = factors[linear.weight.name]!
            linear.setWeightedGradients(
                weightFactors: weightFactors, biasFactors: linear.bias.map { factors[$0.name]! } ?? weightFactors)
        }

        if let clinical {
            for table in clinical.embeddings { table.setWeightedGradients(factors: factors[table.weight.name]!) }
            setLinear(clinical.linear)
        }
        for entry in omics {
            for layer in entry.encoder.network.layers {
                if let linear = layer as? Linear { setLinear(linear) }
                if let layerNorm = layer as? LayerNorm {
                    layerNorm.setWeightedGradients(
                        scaleFactors: factors[layerNorm.scale.name]!, shiftFactors: factors[layerNorm.shift.name]!)
                }
            }
        }
        fusion.setWeightedGradients(
            keyFactors: factors[fusion.keyWeight.name]!, queryFactors: factors[fusion.query.name]!)
        setLinear(fusionLinear)
        setLinear(outputLinear)
    }
}

/// The architecture of a `BilayerAttentionModel`, stored as JSON in the
/// metadata of every model file so that a file alone rebuilds its model.
///
/// The defaults follow Chen et al. (JMIR Med Inform 2026): `d = 128`, batch
/// normalisation, one output (a Cox risk). That paper gives no head count or
/// dropout rate, so `heads = 4` and `dropout = 0.2` are our defaults.
public struct ModelConfig: Codable, Sendable, Equatable {
    /// An input modality. `allCases` is the fixed order of the fusion's rows.
    public enum Modality: String, Codable, Sendable, CaseIterable, Comparable {
        case clinical, mrna, mirna, cnv

        public static func < (lhs: Modality, rhs: Modality) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The normalisation in the omics encoders. `layer` keeps examples
    /// independent, which differentially private training needs.
    public enum Normalization: String, Codable, Sendable {
        case batch, layer
    }

    /// An omics encoder: `inputSize -> hiddenSizes... -> dimension`, so it has
    /// `hiddenSizes.count + 1` linear layers (1 to 3 hidden sizes allowed).
    public struct OmicsEncoder: Codable, Sendable, Equatable {
        public var inputSize: Int
        public var hiddenSizes: [Int]

        public init(inputSize: Int, hiddenSizes: [Int]) {
            self.inputSize = inputSize
            self.hiddenSizes = hiddenSizes
        }
    }

    /// Modalities fused by the model, in `Modality.allCases` order.
    public var modalities: [Modality]
    /// Number of known categories of each clinical categorical variable (cancer
    /// type, gender, race, histological type). Code 0 means unknown, so the
    /// embedding of variable `k` has `clinicalCardinalities[k] + 1` rows.
    public var clinicalCardinalities: [Int]
    public var mrna: OmicsEncoder?
    public var mirna: OmicsEncoder?
    public var cnv: OmicsEncoder?
    /// Width `d` of every modality vector and of the fused vector.
    public var dimension: Int
    /// Number of attention heads `H`, which must divide `dimension`.
    public var heads: Int
    /// Dropout rate in the encoders and on the attention keys.
    public var dropout: Float
    public var normalization: Normalization
    /// Width of the output: 1 for a Cox risk, K for a discrete-time model with K intervals.
    public var outputSize: Int
    /// When true, a modality whose presence mask is 0 gets attention weight 0
    /// (its logit is -infinity) unless no modality of that example is present,
    /// in which case all modalities are used. When false, absent modalities
    /// enter the softmax with the encoding of their zero input, as in Chen et al. (2026).
    public var maskAbsentModalities: Bool
    /// When true, a ReLU follows the fusion's final linear layer. Without it the
    /// fusion layer and the output layer would compose into one linear map.
    public var reluAfterFusion: Bool

    public init(
        modalities: [Modality],
        clinicalCardinalities: [Int] = [],
        mrna: OmicsEncoder? = nil,
        mirna: OmicsEncoder? = nil,
        cnv: OmicsEncoder? = nil,
        dimension: Int = 128,
        heads: Int = 4,
        dropout: Float = 0.2,
        normalization: Normalization = .batch,
        outputSize: Int = 1,
        maskAbsentModalities: Bool = true,
        reluAfterFusion: Bool = true
    ) {
        self.modalities = modalities.sorted()
        self.clinicalCardinalities = clinicalCardinalities
        self.mrna = mrna
        self.mirna = mirna
        self.cnv = cnv
        self.dimension = dimension
        self.heads = heads
        self.dropout = dropout
        self.normalization = normalization
        self.outputSize = outputSize
        self.maskAbsentModalities = maskAbsentModalities
        self.reluAfterFusion = reluAfterFusion
    }

    /// Returns the default omics encoder for `modality`: miRNA 400 and CNV
    /// 1300-700-300 hidden units as in Fan et al. (2023), and mRNA 512, our
    /// choice, because Fan et al. used a single mRNA layer and the encoders
    /// here have 2 to 4 layers. `modality` must not be `.clinical`.
    public static func defaultEncoder(for modality: Modality, inputSize: Int) -> OmicsEncoder {
        switch modality {
        case .mrna: return OmicsEncoder(inputSize: inputSize, hiddenSizes: [512])
        case .mirna: return OmicsEncoder(inputSize: inputSize, hiddenSizes: [400])
        case .cnv: return OmicsEncoder(inputSize: inputSize, hiddenSizes: [1300, 700, 300])
        case .clinical: preconditionFailure("the clinical encoder has no omics configuration")
        }
    }

    /// The omics encoder configuration of `modality`, or nil for clinical.
    public func encoder(for modality: Modality) -> OmicsEncoder? {
        switch modality {
        case .clinical: nil
        case .mrna: mrna
        case .mirna: mirna
        case .cnv: cnv
        }
    }

    /// Number of clinical categorical variables.
    public static let clinicalVariableCount = 4

    /// Checks the configuration and throws `ModelError.invalidConfig` naming the field.
    public func validate() throws {
        func fail(_ field: String, _ reason: String) -> ModelError {
            ModelError.invalidConfig(field: field, reason: reason)
        }
        guard !modalities.isEmpty else { throw fail("modalities", "at least one modality is required") }
        guard Set(modalities).count == modalities.count else {
            throw fail("modalities", "a modality is listed twice")
        }
        guard modalities == modalities.sorted() else {
            throw fail("modalities", "must be listed in the order clinical, mrna, mirna, cnv")
        }
        guard dimension > 0 else { throw fail("dimension", "must be positive, got \(dimension)") }
        guard heads > 0, dimension % heads == 0 else {
            throw fail("heads", "must be positive and divide dimension \(dimension), got \(heads)")
        }
        guard dropout >= 0, dropout < 1 else { throw fail("dropout", "must be in [0, 1), got \(dropout)") }
        guard outputSize > 0 else { throw fail("outputSize", "must be positive, got \(outputSize)") }
        if modalities.contains(.clinical) {
            guard clinicalCardinalities.count == Self.clinicalVariableCount else {
                throw fail(
                    "clinicalCardinalities",
                    "needs \(Self.clinicalVariableCount) entries (cancer type, gender, race, histological type), got \(clinicalCardinalities.count)"
                )
            }
            guard clinicalCardinalities.allSatisfy({ $0 > 0 }) else {
                throw fail("clinicalCardinalities", "every cardinality must be positive, got \(clinicalCardinalities)")
            }
        }
        for modality in ModelConfig.Modality.allCases where modality != .clinical {
            let encoder = encoder(for: modality)
            guard modalities.contains(modality) else { continue }
            guard let encoder else { throw fail(modality.rawValue, "is used but has no encoder configuration") }
            guard encoder.inputSize > 0 else {
                throw fail("\(modality.rawValue).inputSize", "must be positive, got \(encoder.inputSize)")
            }
            guard (1...3).contains(encoder.hiddenSizes.count), encoder.hiddenSizes.allSatisfy({ $0 > 0 }) else {
                throw fail(
                    "\(modality.rawValue).hiddenSizes",
                    "needs 1 to 3 positive sizes (2 to 4 linear layers), got \(encoder.hiddenSizes)")
            }
        }
    }
}

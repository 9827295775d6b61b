import Testing

@testable import FedSurvFederation

@Suite struct UpdateValidatorTests {
    let layout: [(name: String, shape: [Int])] = [("w", [2, 3]), ("b", [3])]

    func validator(maxL2Norm: Double? = 10, maxAbsValue: Double? = nil) throws -> UpdateValidator {
        try UpdateValidator(layout: layout, maxL2Norm: maxL2Norm, maxAbsValue: maxAbsValue)
    }

    /// w = [3, 0, 0, 0, 0, 0], b = [0, 4, 0]: L2 norm 5, max |value| 4.
    func update(w: [Float] = [3, 0, 0, 0, 0, 0], b: [Float] = [0, 4, 0], wShape: [Int] = [2, 3]) -> [NamedTensor] {
        [NamedTensor(name: "w", shape: wShape, values: w), NamedTensor(name: "b", shape: [3], values: b)]
    }

    @Test("valid update returns norms")
    func validUpdate() throws {
        #expect(try validator().validate(update()) == .valid(l2Norm: 5, maxAbsValue: 4))
    }

    @Test("wrong shape rejected")
    func wrongShape() throws {
        let verdict = try validator().validate(update(wShape: [3, 2]))
        #expect(verdict == .invalid(.shapeMismatch(name: "w", expected: [2, 3], received: [3, 2])))
    }

    @Test("value count off shape rejected")
    func valueCount() throws {
        let verdict = try validator().validate(update(w: [1, 2, 3]))
        #expect(verdict == .invalid(.elementCountMismatch(name: "w", shape: [2, 3], elementCount: 3)))
    }

    @Test("NaN rejected with position")
    func nanRejected() throws {
        let verdict = try validator().validate(update(w: [0, 0, 0, 0, .nan, .nan]))
        #expect(verdict == .invalid(.nonFiniteValue(name: "w", kind: .nan, firstIndex: 4, count: 2)))
    }

    @Test("infinity rejected with sign")
    func infinityRejected() throws {
        let verdict = try validator().validate(update(b: [0, -.infinity, 0]))
        #expect(verdict == .invalid(.nonFiniteValue(name: "b", kind: .negativeInfinity, firstIndex: 1, count: 1)))
    }

    @Test("oversized L2 norm rejected")
    func oversizedNorm() throws {
        let verdict = try validator(maxL2Norm: 4.5).validate(update())
        #expect(verdict == .invalid(.l2NormExceeded(norm: 5, bound: 4.5, largestTensor: "b")))
    }

    @Test("L-infinity bound rejected")
    func maxAbsRejected() throws {
        let verdict = try validator(maxL2Norm: nil, maxAbsValue: 3.5).validate(update(w: [0, 0, 123.456, 0, 0, 0]))
        #expect(verdict == .invalid(.maxAbsValueExceeded(name: "w", firstIndex: 2, count: 1, bound: 3.5)))
        guard case .invalid(let problem) = verdict else { return }
        #expect(!problem.description.contains("123"))
    }

    @Test("names checked exactly")
    func namesChecked() throws {
        let validator = try validator()
        let missing = [NamedTensor(name: "w", shape: [2, 3], values: [Float](repeating: 0, count: 6))]
        #expect(validator.validate(missing) == .invalid(.missingTensor(name: "b")))

        let extra = update() + [NamedTensor(name: "z", shape: [1], values: [0])]
        #expect(validator.validate(extra) == .invalid(.unexpectedTensor(name: "z")))

        let duplicate = update() + [NamedTensor(name: "b", shape: [3], values: [0, 0, 0])]
        #expect(validator.validate(duplicate) == .invalid(.duplicateTensor(name: "b")))
    }

    @Test("invalid layouts and bounds rejected")
    func invalidLayouts() {
        #expect(throws: FederationError.self) { try UpdateValidator(layout: [], maxL2Norm: 1) }
        #expect(throws: FederationError.self) { try UpdateValidator(layout: [("w", [2]), ("w", [2])], maxL2Norm: 1) }
        #expect(throws: FederationError.self) { try UpdateValidator(layout: [("w", [0, 2])], maxL2Norm: 1) }
        #expect(throws: FederationError.self) { try UpdateValidator(layout: [("w", [2])], maxL2Norm: -1) }
        #expect(throws: FederationError.self) {
            try UpdateValidator(layout: [("w", [2])], maxL2Norm: nil, maxAbsValue: .nan)
        }
    }

    @Test("dictionary maps names to values")
    func dictionary() {
        let map = NamedTensor.dictionary(update())
        #expect(map["b"] == [0, 4, 0])
        #expect(map.count == 2)
    }
}

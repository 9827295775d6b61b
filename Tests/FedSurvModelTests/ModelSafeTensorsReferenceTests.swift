import FedSurvNN
import Foundation
import Testing

/// Reads a file written by the official Python safetensors package (0.8.0,
/// with numpy), produced by `Fixtures/safetensors/make_reference.py`.
@Suite struct ModelSafeTensorsReferenceTests {
    static func referenceURL() throws -> URL {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return fixtures.appendingPathComponent("safetensors/reference.safetensors")
    }

    @Test("reads reference writer output")
    func reference() throws {
        let file = try SafeTensors(contentsOf: Self.referenceURL())
        #expect(file.metadata == ["format": "pt", "note": "written by safetensors.numpy.save_file"])
        #expect(file.tensors.count == 3)
        #expect(
            file.tensors["encoders.mrna.0.weight"]
                == SafeTensor(shape: [2, 3], values: [-0.5, -0.25, 0, 0.25, 0.5, 0.75]))
        #expect(file.tensors["encoders.mrna.0.bias"] == SafeTensor(shape: [2], values: [1.5, -2.25]))
        #expect(file.tensors["fusion.query"] == SafeTensor(shape: [4], values: [0.125, 3.0e-7, -1.0e20, 7.0]))
    }

    @Test("re-encoding keeps reference tensors")
    func reencode() throws {
        let file = try SafeTensors(contentsOf: Self.referenceURL())
        #expect(try SafeTensors(data: file.encoded()) == file)
    }
}

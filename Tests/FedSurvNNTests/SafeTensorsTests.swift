import FedSurvNN
import Foundation
import Testing

@Suite struct SafeTensorsTests {
    static let sample = SafeTensors(
        tensors: [
            "layer.weight": SafeTensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
            "layer.bias": SafeTensor(shape: [2], values: [-0.5, 0.25]),
            "empty": SafeTensor(shape: [0], values: []),
        ],
        metadata: ["format": "pt", "config": "{\"d\":128}"])

    @Test("round trip")
    func roundTrip() throws {
        let data = Self.sample.encoded()
        let decoded = try SafeTensors(data: data)
        #expect(decoded == Self.sample)
    }

    @Test("byte layout")
    func layout() throws {
        let data = Self.sample.encoded()
        var length = 0
        for i in 0..<8 { length |= Int(data[i]) << (8 * i) }
        #expect(length % 8 == 0)
        // Tensors sorted by name: empty (0 bytes), layer.bias (8), layer.weight (24).
        #expect(data.count == 8 + length + 32)
        let header = String(decoding: data[8..<(8 + length)], as: UTF8.self)
        #expect(header.contains("\"layer.bias\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2]}"))
        #expect(header.contains("\"__metadata__\":{"))
        // The first weight value, 1.0f, little-endian, right after the bias.
        let first = data[(8 + length + 8)..<(8 + length + 12)]
        #expect(Array(first) == [0x00, 0x00, 0x80, 0x3F])
    }

    @Test("reads a hand-built file")
    func handBuilt() throws {
        // A header as the Python safetensors package writes it, without padding.
        let json = #"{"x":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}"#
        var data = Data()
        var length = UInt64(json.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(json.utf8))
        data.append(contentsOf: [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])
        let decoded = try SafeTensors(data: data)
        #expect(decoded.tensors["x"] == SafeTensor(shape: [1, 2], values: [1, -2]))
        #expect(decoded.metadata.isEmpty)
    }

    @Test("rejects truncated data")
    func truncated() {
        let data = Self.sample.encoded()
        #expect(throws: NNError.self) { try SafeTensors(data: data.dropLast(4)) }
        #expect(throws: NNError.self) { try SafeTensors(data: data.prefix(5)) }
    }

    @Test("rejects other dtypes")
    func otherDType() {
        let json = #"{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#
        var data = Data()
        var length = UInt64(json.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(json.utf8))
        data.append(contentsOf: [0, 0, 0, 0])
        #expect(throws: NNError.unsupportedDType(source: "buffer", tensor: "x", dtype: "F16")) {
            try SafeTensors(data: data)
        }
    }

    @Test("rejects overlapping offsets")
    func overlapping() {
        let json =
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        var data = Data()
        var length = UInt64(json.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(json.utf8))
        data.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(throws: NNError.self) { try SafeTensors(data: data) }
    }

    @Test("file round trip")
    func fileRoundTrip() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fedsurv-nn-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.sample.write(to: url)
        #expect(try SafeTensors(contentsOf: url) == Self.sample)
    }
}

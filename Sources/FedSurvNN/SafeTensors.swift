import Foundation

/// One F32 tensor of a safetensors file: its shape and its values in row-major order.
public struct SafeTensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(
            shape.reduce(1, *) == values.count,
            "SafeTensor shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        self.shape = shape
        self.values = values
    }
}

/// A reader and writer for the safetensors format (Hugging Face, format
/// version of 2023, https://huggingface.co/docs/safetensors), restricted to
/// dtype F32.
///
/// Layout: an unsigned 64-bit little-endian header length `N`, then `N` bytes
/// of UTF-8 JSON mapping each tensor name to `{"dtype", "shape", "data_offsets"}`
/// plus an optional `"__metadata__"` map of strings to strings, then the
/// tensor bytes, with offsets relative to the end of the header. The writer
/// sorts tensors by name, stores them contiguously and pads the header with
/// spaces to a multiple of 8 bytes. The reader rejects overlapping or
/// non-contiguous offsets, sizes that disagree with shapes, and headers over
/// 100 MB, as the reference implementation does.
public struct SafeTensors: Sendable, Equatable {
    public var tensors: [String: SafeTensor]
    public var metadata: [String: String]

    /// Largest header accepted (the reference implementation's limit).
    public static let maximumHeaderLength = 100_000_000

    public init(tensors: [String: SafeTensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    // MARK: - Writing

    /// Returns the encoded file contents.
    public func encoded() -> Data {
        let names = tensors.keys.sorted()
        var header = Header(entries: [:], metadata: metadata.isEmpty ? nil : metadata)
        var offset = 0
        for name in names {
            let byteCount = tensors[name]!.values.count * MemoryLayout<Float>.size
            header.entries[name] = Header.Entry(
                dtype: "F32", shape: tensors[name]!.shape, dataOffsets: [offset, offset + byteCount])
            offset += byteCount
        }

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings and integers cannot fail.
        var json = try! encoder.encode(header)
        while json.count % 8 != 0 { json.append(0x20) }

        var data = Data(capacity: 8 + json.count + offset)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(json)
        for name in names {
            tensors[name]!.values.withUnsafeBufferPointer { buffer in
                // F32 little-endian: every supported platform is little-endian.
                data.append(
                    UnsafeBufferPointer(
                        start: UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: UInt8.self),
                        count: buffer.count * 4))
            }
        }
        return data
    }

    /// Writes the file atomically (temporary file, then rename).
    public func write(to url: URL) throws {
        do {
            try encoded().write(to: url, options: .atomic)
        } catch {
            throw NNError.fileFailed(path: url.path, reason: error.localizedDescription)
        }
    }

    // MARK: - Reading

    /// Decodes file contents. `source` names the file in error messages.
    public init(data: Data, source: String = "buffer") throws {
        // 1) Header length and JSON header.
        guard data.count >= 8 else {
            throw NNError.invalidSafeTensors(
                source: source, reason: "\(data.count) bytes is shorter than the 8-byte header length")
        }
        let start = data.startIndex
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(data[start + i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(Self.maximumHeaderLength), 8 + Int(headerLength) <= data.count else {
            throw NNError.invalidSafeTensors(
                source: source,
                reason: "header length \(headerLength) exceeds the file size \(data.count) or the 100 MB limit")
        }
        let headerBytes = data[(start + 8)..<(start + 8 + Int(headerLength))]
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw NNError.invalidSafeTensors(source: source, reason: "the header does not start with '{'")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(headerBytes))
        } catch {
            throw NNError.invalidSafeTensors(source: source, reason: "the JSON header does not parse (\(error))")
        }

        // 2) Offsets must tile the data section exactly, in order.
        let body = data[(start + 8 + Int(headerLength))...]
        // Sort by (begin, end) so empty tensors come before a tensor at the same offset.
        let ordered = header.entries.sorted {
            ($0.value.dataOffsets.first ?? 0, $0.value.dataOffsets.last ?? 0)
                < ($1.value.dataOffsets.first ?? 0, $1.value.dataOffsets.last ?? 0)
        }
        var expectedBegin = 0
        var tensors: [String: SafeTensor] = [:]
        for (name, entry) in ordered {
            guard entry.dtype == "F32" else {
                throw NNError.unsupportedDType(source: source, tensor: name, dtype: entry.dtype)
            }
            guard entry.dataOffsets.count == 2, entry.shape.allSatisfy({ $0 >= 0 }) else {
                throw NNError.invalidSafeTensors(
                    source: source, reason: "tensor '\(name)' has a malformed shape or data_offsets")
            }
            let (begin, end) = (entry.dataOffsets[0], entry.dataOffsets[1])
            let elementCount = entry.shape.reduce(1, *)
            guard begin == expectedBegin, end >= begin, end - begin == elementCount * 4, end <= body.count else {
                throw NNError.invalidSafeTensors(
                    source: source,
                    reason:
                        "tensor '\(name)' has data_offsets [\(begin), \(end)] that are not contiguous or do not match shape \(entry.shape)"
                )
            }
            var values = [Float](repeating: 0, count: elementCount)
            values.withUnsafeMutableBytes { target in
                body.withUnsafeBytes { source in
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[begin..<end]))
                }
            }
            tensors[name] = SafeTensor(shape: entry.shape, values: values)
            expectedBegin = end
        }
        guard expectedBegin == body.count else {
            throw NNError.invalidSafeTensors(
                source: source,
                reason: "the data section has \(body.count) bytes but the tensors cover \(expectedBegin)")
        }
        self.tensors = tensors
        self.metadata = header.metadata ?? [:]
    }

    /// Reads and decodes a file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw NNError.fileFailed(path: url.path, reason: error.localizedDescription)
        }
        try self.init(data: data, source: url.path)
    }
}

// MARK: - JSON header

/// The JSON header: tensor entries and the optional `__metadata__` map, keyed dynamically.
private struct Header: Codable {
    struct Entry: Codable {
        var dtype: String
        var shape: [Int]
        var dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static let metadataKey = "__metadata__"

    var entries: [String: Entry]
    var metadata: [String: String]?

    init(entries: [String: Entry], metadata: [String: String]?) {
        self.entries = entries
        self.metadata = metadata
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        entries = [:]
        metadata = nil
        for key in container.allKeys {
            if key.stringValue == Self.metadataKey {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                entries[key.stringValue] = try container.decode(Entry.self, forKey: key)
            }
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        if let metadata { try container.encode(metadata, forKey: Key(stringValue: Self.metadataKey)) }
        for (name, entry) in entries { try container.encode(entry, forKey: Key(stringValue: name)) }
    }
}

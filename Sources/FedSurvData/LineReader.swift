import CZlib
import Glibc

/// Streams the lines of a plain or gzip-compressed text file.
///
/// zlib's `gzread` reads both: it inflates gzip members and passes other
/// files through unchanged, so the caller need not know which it has. Lines
/// are handed out as byte views into one reusable buffer (1 MiB, grown when
/// a single line is longer), so memory stays at one line plus one chunk
/// whatever the file size. A trailing `\r` is removed, so CRLF files work.
struct LineReader {
    let path: String

    /// Calls `body` with each line (without its terminator) and its 1-based number.
    ///
    /// - Throws: `DataError.fileNotFound`, `.unreadable` or `.truncatedGzip`
    ///   for input failures, and whatever `body` throws.
    /// - Returns: the number of bytes read after decompression.
    @discardableResult
    func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws -> Int {
        guard access(path, F_OK) == 0 else { throw DataError.fileNotFound(path: path) }
        guard let file = gzopen(path, "rb") else {
            throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        var closed = false
        defer { if !closed { gzclose(file) } }
        gzbuffer(file, 1 << 18)

        var capacity = 1 << 20
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var filled = 0
        var lineNumber = 0
        var totalBytes = 0

        while true {
            // 1) Refill after the bytes carried over from the previous chunk.
            if filled == capacity {
                let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                larger.update(from: buffer, count: filled)
                buffer.deallocate()
                buffer = larger
                capacity *= 2
            }
            let request = UInt32(min(capacity - filled, Int(Int32.max)))
            let count = gzread(file, buffer + filled, request)
            if count < 0 { throw gzipError(file) }
            let atEnd = count == 0
            if atEnd {
                var code: Int32 = 0
                gzerror(file, &code)
                if code != Z_OK { throw gzipError(file) }
            }
            filled += Int(count)
            totalBytes += Int(count)

            // 2) Hand out every complete line and keep the partial tail.
            var start = 0
            while start < filled {
                let rest = filled - start
                guard let found = memchr(buffer + start, 0x0A, rest) else { break }
                let newline = found.assumingMemoryBound(to: UInt8.self) - buffer
                lineNumber += 1
                try body(Self.trimmed(buffer + start, newline - start), lineNumber)
                start = newline + 1
            }
            if atEnd {
                if start < filled {
                    lineNumber += 1
                    try body(Self.trimmed(buffer + start, filled - start), lineNumber)
                }
                break
            }
            if start > 0 {
                memmove(buffer, buffer + start, filled - start)
                filled -= start
            }
        }

        // 3) A gzip stream cut short is reported by gzclose as Z_BUF_ERROR.
        closed = true
        let status = gzclose(file)
        if status == Z_BUF_ERROR {
            throw DataError.truncatedGzip(path: path, reason: "unexpected end of file")
        } else if status != Z_OK {
            throw DataError.unreadable(path: path, reason: "gzclose returned \(status)")
        }
        return totalBytes
    }

    private static func trimmed(_ start: UnsafeMutablePointer<UInt8>, _ count: Int) -> UnsafeBufferPointer<UInt8> {
        var length = count
        if length > 0 && start[length - 1] == 0x0D { length -= 1 }
        return UnsafeBufferPointer(start: start, count: length)
    }

    private func gzipError(_ file: gzFile) -> DataError {
        var code: Int32 = 0
        var message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown error"
        if message.hasPrefix(path + ": ") { message.removeFirst(path.count + 2) }
        if code == Z_ERRNO {
            return .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        return .truncatedGzip(path: path, reason: message)
    }
}

/// Splits a line into cells at tabs, one cell at a time.
struct CellCursor {
    private var next: UnsafePointer<UInt8>?
    private let end: UnsafePointer<UInt8>?

    init(_ line: UnsafeBufferPointer<UInt8>) {
        next = line.baseAddress
        end = line.baseAddress.map { $0 + line.count }
    }

    var isAtEnd: Bool { next == nil }

    /// Returns the next cell, or nil after the last one. An empty line has one empty cell.
    mutating func nextCell() -> UnsafeBufferPointer<UInt8>? {
        guard let start = next, let end else { return nil }
        let remaining = end - start
        if let tab = memchr(start, 0x09, remaining) {
            let stop = UnsafePointer(tab.assumingMemoryBound(to: UInt8.self))
            next = stop + 1
            return UnsafeBufferPointer(start: start, count: stop - start)
        }
        next = nil
        return UnsafeBufferPointer(start: start, count: remaining)
    }

    /// Counts the cells left without decoding them.
    mutating func countRemaining() -> Int {
        var count = 0
        while nextCell() != nil { count += 1 }
        return count
    }
}

extension String {
    init(cell: UnsafeBufferPointer<UInt8>) {
        self = String(decoding: cell, as: UTF8.self)
    }
}

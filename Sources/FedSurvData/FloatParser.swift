import Glibc

/// Parses decimal numbers straight from bytes, without building a String.
///
/// The fast path reads up to 19 significant digits into a `UInt64` mantissa
/// `m` and a decimal exponent `e`, and computes `Double(m) * 10^e` (or
/// `/ 10^-e`). When `m < 2^53` and `|e| <= 22` both operands are exact
/// doubles, so the IEEE product or quotient is the correctly rounded double
/// (Clinger 1990, "How to read floating point numbers accurately"). Other
/// inputs fall back to `strtof` on a NUL-terminated copy, and values outside
/// the `Float` range are invalid.
///
/// NOTE: rounding that double to `Float` can differ from a correctly
/// rounded `strtof` by one unit in the last place in rare halfway cases.
/// That is far below the precision of the data, so it is accepted for speed.
enum FloatParser {
    /// The outcome for one cell.
    enum Cell {
        case value(Float)
        case missing
        case invalid
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Parses a whole cell: a number, or missing (`NA`, `NaN`, `nan` or empty).
    static func parse(_ cell: UnsafeBufferPointer<UInt8>) -> Cell {
        guard let base = cell.baseAddress else { return .missing }
        let end = base + cell.count
        let (result, cellEnd) = parseCell(from: base, end: end)
        return cellEnd == end ? result : .invalid
    }

    /// Parses the cell that starts at `start` and ends at the next tab or at `end`.
    ///
    /// Scanning for the tab and reading the number happen in one pass, which is
    /// what makes the reader fast on short numeric cells.
    /// - Returns: the outcome and the end of the cell (the tab, or `end`).
    @inline(__always)
    static func parseCell(from start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> (Cell, UnsafePointer<UInt8>) {
        var p = start
        var negative = false
        if p < end && (p.pointee == UInt8(ascii: "-") || p.pointee == UInt8(ascii: "+")) {
            negative = p.pointee == UInt8(ascii: "-")
            p += 1
        }

        // 1) Digits before and after the point, into one mantissa.
        var mantissa: UInt64 = 0
        var digits = 0
        var significant = 0
        var exponent = 0
        var overflowDigits = false
        while p < end, p.pointee &- 48 < 10 {
            let digit = UInt64(p.pointee &- 48)
            if significant > 0 || digit != 0 { significant += 1 }
            if significant <= 19 {
                mantissa = mantissa &* 10 &+ digit
            } else {
                exponent += 1
                overflowDigits = true
            }
            digits += 1
            p += 1
        }
        if p < end, p.pointee == UInt8(ascii: ".") {
            p += 1
            while p < end, p.pointee &- 48 < 10 {
                let digit = UInt64(p.pointee &- 48)
                if significant > 0 || digit != 0 { significant += 1 }
                if significant <= 19 {
                    mantissa = mantissa &* 10 &+ digit
                    exponent -= 1
                } else {
                    overflowDigits = true
                }
                digits += 1
                p += 1
            }
        }

        // 2) Optional exponent.
        var exponentValid = true
        if digits > 0, p < end, p.pointee | 0x20 == UInt8(ascii: "e") {
            p += 1
            var exponentNegative = false
            if p < end, p.pointee == UInt8(ascii: "-") || p.pointee == UInt8(ascii: "+") {
                exponentNegative = p.pointee == UInt8(ascii: "-")
                p += 1
            }
            var written = 0
            var value = 0
            while p < end, p.pointee &- 48 < 10 {
                if value < 100_000 { value = value * 10 + Int(p.pointee &- 48) }
                written += 1
                p += 1
            }
            exponentValid = written > 0
            exponent += exponentNegative ? -value : value
        }

        // 3) A number must fill the cell, otherwise classify the whole cell.
        guard p == end || p.pointee == 0x09, digits > 0, exponentValid else {
            let cellEnd = findTab(from: p, end: end)
            return (classify(UnsafeBufferPointer(start: start, count: cellEnd - start)), cellEnd)
        }
        if !overflowDigits, mantissa < (1 << 53), exponent >= -22, exponent <= 22 {
            var result = Double(mantissa)
            result = exponent < 0 ? result / powersOfTen[-exponent] : result * powersOfTen[exponent]
            return (.value(Float(negative ? -result : result)), p)
        }
        return (slowParse(UnsafeBufferPointer(start: start, count: p - start)), p)
    }

    private static func findTab(from p: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        guard p < end, let tab = memchr(p, 0x09, end - p) else { return end }
        return UnsafePointer(tab.assumingMemoryBound(to: UInt8.self))
    }

    /// Classifies a cell that is not a plain number: empty or a missing marker, else invalid.
    private static func classify(_ cell: UnsafeBufferPointer<UInt8>) -> Cell {
        switch cell.count {
        case 0:
            return .missing
        case 2:
            return cell[0] == UInt8(ascii: "N") && cell[1] == UInt8(ascii: "A") ? .missing : .invalid
        case 3:
            let isNaN =
                cell[0] | 0x20 == UInt8(ascii: "n") && cell[1] | 0x20 == UInt8(ascii: "a")
                && cell[2] | 0x20 == UInt8(ascii: "n")
            return isNaN ? .missing : .invalid
        default:
            return .invalid
        }
    }

    private static func slowParse(_ cell: UnsafeBufferPointer<UInt8>) -> Cell {
        var copy = Array(cell)
        copy.append(0)
        return copy.withUnsafeBufferPointer { buffer -> Cell in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { text in
                var end: UnsafeMutablePointer<CChar>?
                let value = strtof(text, &end)
                guard let end, end - UnsafeMutablePointer(mutating: text) == cell.count, value.isFinite else {
                    return .invalid
                }
                return .value(value)
            }
        }
    }
}

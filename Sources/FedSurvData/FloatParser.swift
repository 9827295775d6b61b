import Glibc

/// Parses decimal numbers straight from bytes, without building a String.
///
/// The fast path reads up to 19 significant digits into a `UInt64` mantissa
/// `m` and a decimal exponent `e`, and computes `Double(m) * 10^e` (or
/// `/ 10^-e`). When `m < 2^53` and `|e| <= 22` both operands are exact
/// doubles, so the IEEE product or quotient is the correctly rounded double
/// (Clinger 1990, "How to read floating point numbers accurately").
/// Rounding that double to `Float` can differ from a direct correctly
/// rounded `strtof` by one unit in the last place in rare halfway cases,
/// which is far below the precision of the data. Other inputs fall back to
/// `strtof` on a NUL-terminated copy.
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

    /// Parses a cell: a number, or missing (`NA`, `NaN`, `nan` or empty).
    static func parse(_ cell: UnsafeBufferPointer<UInt8>) -> Cell {
        let count = cell.count
        guard count > 0, let base = cell.baseAddress else { return .missing }
        var index = 0
        var negative = false
        if base[0] == UInt8(ascii: "-") {
            negative = true
            index = 1
        } else if base[0] == UInt8(ascii: "+") {
            index = 1
        }

        // 1) Digits before and after the point, into one mantissa.
        var mantissa: UInt64 = 0
        var digits = 0
        var significant = 0
        var exponent = 0
        var overflowDigits = false
        while index < count, base[index] &- 48 < 10 {
            let digit = UInt64(base[index] &- 48)
            if significant > 0 || digit != 0 { significant += 1 }
            if significant <= 19 { mantissa = mantissa &* 10 &+ digit } else { exponent += 1; overflowDigits = true }
            digits += 1
            index += 1
        }
        if index < count, base[index] == UInt8(ascii: ".") {
            index += 1
            while index < count, base[index] &- 48 < 10 {
                let digit = UInt64(base[index] &- 48)
                if significant > 0 || digit != 0 { significant += 1 }
                if significant <= 19 { mantissa = mantissa &* 10 &+ digit; exponent -= 1 } else { overflowDigits = true }
                digits += 1
                index += 1
            }
        }
        guard digits > 0 else { return missingOrInvalid(cell) }

        // 2) Optional exponent.
        if index < count, base[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < count, base[index] == UInt8(ascii: "-") || base[index] == UInt8(ascii: "+") {
                exponentNegative = base[index] == UInt8(ascii: "-")
                index += 1
            }
            var written = 0
            var value = 0
            while index < count, base[index] &- 48 < 10 {
                if value < 100_000 { value = value * 10 + Int(base[index] &- 48) }
                written += 1
                index += 1
            }
            guard written > 0 else { return .invalid }
            exponent += exponentNegative ? -value : value
        }
        guard index == count else { return .invalid }

        // 3) Exact fast path, else strtof.
        if !overflowDigits, mantissa < (1 << 53), exponent >= -22, exponent <= 22 {
            var result = Double(mantissa)
            result = exponent < 0 ? result / powersOfTen[-exponent] : result * powersOfTen[exponent]
            return .value(Float(negative ? -result : result))
        }
        return slowParse(cell)
    }

    private static func missingOrInvalid(_ cell: UnsafeBufferPointer<UInt8>) -> Cell {
        let text = Array(cell)
        if text == Array("NA".utf8) || text == Array("NaN".utf8) || text == Array("nan".utf8) {
            return .missing
        }
        return .invalid
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

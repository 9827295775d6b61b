import CBLAS

/// A dense row-major matrix of `Float` (32-bit) values.
///
/// Element `(r, c)` sits at `storage[r * cols + c]`. The storage is a Swift
/// array, so copies are copy-on-write: caching a matrix in a layer for the
/// backward pass costs no copy until one side writes. All products go through
/// OpenBLAS `cblas_sgemm`.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    public var storage: [Float]

    /// Creates a `rows x cols` matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix dimensions must be non-negative, got \(rows) x \(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = [Float](repeating: value, count: rows * cols)
    }

    /// Wraps `storage` (row-major, `rows * cols` values) without copying it.
    public init(rows: Int, cols: Int, storage: [Float]) {
        precondition(
            storage.count == rows * cols,
            "Matrix storage has \(storage.count) values, expected \(rows) x \(cols) = \(rows * cols)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// Creates a matrix with entries drawn by `generate`, row by row.
    public init(rows: Int, cols: Int, generate: () -> Float) {
        self.init(rows: rows, cols: cols)
        for i in 0..<storage.count { storage[i] = generate() }
    }

    public var count: Int { rows * cols }

    public subscript(row: Int, col: Int) -> Float {
        get { storage[row * cols + col] }
        set { storage[row * cols + col] = newValue }
    }

    /// Sets every entry to zero without reallocating.
    public mutating func zero() {
        storage.withUnsafeMutableBufferPointer { buffer in
            buffer.update(repeating: 0)
        }
    }

    /// Returns the transpose as a new matrix.
    public func transposed() -> Matrix {
        var result = Matrix(rows: cols, cols: rows)
        storage.withUnsafeBufferPointer { source in
            result.storage.withUnsafeMutableBufferPointer { target in
                for r in 0..<rows {
                    for c in 0..<cols { target[c * rows + r] = source[r * cols + c] }
                }
            }
        }
        return result
    }

    /// Returns the rows at `indices`, in that order.
    public func gatherRows(_ indices: [Int]) -> Matrix {
        var result = Matrix(rows: indices.count, cols: cols)
        let width = cols
        storage.withUnsafeBufferPointer { source in
            result.storage.withUnsafeMutableBufferPointer { target in
                for (k, index) in indices.enumerated() {
                    precondition(index >= 0 && index < rows, "Row index \(index) is out of range 0..<\(rows)")
                    let from = source.baseAddress! + index * width
                    (target.baseAddress! + k * width).update(from: from, count: width)
                }
            }
        }
        return result
    }

    /// Returns the column sums as a `1 x cols` matrix.
    public func columnSums() -> Matrix {
        var result = Matrix(rows: 1, cols: cols)
        Matrix.addColumnSums(of: self, into: &result.storage)
        return result
    }

    /// Adds the column sums of `matrix` to `sums` (length `matrix.cols`).
    public static func addColumnSums(of matrix: Matrix, into sums: inout [Float]) {
        precondition(sums.count == matrix.cols)
        let rows = matrix.rows
        let cols = matrix.cols
        matrix.storage.withUnsafeBufferPointer { source in
            sums.withUnsafeMutableBufferPointer { target in
                for r in 0..<rows {
                    let row = source.baseAddress! + r * cols
                    for c in 0..<cols { target[c] += row[c] }
                }
            }
        }
    }

    /// Returns the L1 or L2 norm of every row, accumulated in `Double`.
    public func rowNorms(_ norm: GradientNorm) -> [Float] {
        var result = [Float](repeating: 0, count: rows)
        let width = cols
        storage.withUnsafeBufferPointer { values in
            for r in 0..<rows {
                var sum = 0.0
                let row = values.baseAddress! + r * width
                switch norm {
                case .l1:
                    for c in 0..<width { sum += Double(abs(row[c])) }
                    result[r] = Float(sum)
                case .l2:
                    for c in 0..<width { sum += Double(row[c]) * Double(row[c]) }
                    result[r] = Float(sum.squareRoot())
                }
            }
        }
        return result
    }

    /// Returns a copy with row `r` multiplied by `factors[r]`.
    public func scalingRows(by factors: [Float]) -> Matrix {
        precondition(factors.count == rows, "scalingRows: \(factors.count) factors for \(rows) rows")
        var result = self
        let width = cols
        result.storage.withUnsafeMutableBufferPointer { values in
            for r in 0..<rows {
                let factor = factors[r]
                for c in 0..<width { values[r * width + c] *= factor }
            }
        }
        return result
    }

    /// Frobenius norm, accumulated in `Double`.
    public func frobeniusNorm() -> Double {
        var sum = 0.0
        for value in storage { sum += Double(value) * Double(value) }
        return sum.squareRoot()
    }
}

// MARK: - Products

extension Matrix {
    /// Computes `c = alpha * op(a) * op(b) + beta * c` with `cblas_sgemm`, where
    /// `op(x)` is `x` or its transpose.
    ///
    /// With `beta = 1` the product is accumulated into `c`, which is how layers
    /// add weight gradients. `c` must already have the product's shape.
    public static func gemm(
        _ a: Matrix, transposeA: Bool = false,
        _ b: Matrix, transposeB: Bool = false,
        into c: inout Matrix, alpha: Float = 1, beta: Float = 0
    ) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let kB = transposeB ? b.cols : b.rows
        let n = transposeB ? b.rows : b.cols
        precondition(
            k == kB,
            "gemm inner dimensions differ: op(a) is \(m) x \(k), op(b) is \(kB) x \(n)")
        precondition(
            c.rows == m && c.cols == n,
            "gemm output is \(c.rows) x \(c.cols), expected \(m) x \(n)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { c.zero() } else if beta != 1 { c.scale(by: beta) }
            return
        }
        let lda = Int32(max(a.cols, 1))
        let ldb = Int32(max(b.cols, 1))
        let ldc = Int32(max(c.cols, 1))
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(
                        CblasRowMajor,
                        transposeA ? CblasTrans : CblasNoTrans,
                        transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k),
                        alpha, pa.baseAddress, lda,
                        pb.baseAddress, ldb,
                        beta, pc.baseAddress, ldc)
                }
            }
        }
    }

    /// Returns `op(self) * op(other)` as a new matrix.
    public func multiplied(
        by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false
    ) -> Matrix {
        var result = Matrix(
            rows: transposeSelf ? cols : rows,
            cols: transposeOther ? other.rows : other.cols)
        Matrix.gemm(self, transposeA: transposeSelf, other, transposeB: transposeOther, into: &result)
        return result
    }

    /// Multiplies every entry by `factor` in place (`cblas_sscal`).
    public mutating func scale(by factor: Float) {
        let n = Int32(count)
        storage.withUnsafeMutableBufferPointer { buffer in
            cblas_sscal(n, factor, buffer.baseAddress, 1)
        }
    }

    /// Computes `self += alpha * other` in place (`cblas_saxpy`).
    public mutating func add(_ other: Matrix, scaledBy alpha: Float = 1) {
        precondition(
            rows == other.rows && cols == other.cols,
            "add: shapes \(rows) x \(cols) and \(other.rows) x \(other.cols) differ")
        let n = Int32(count)
        other.storage.withUnsafeBufferPointer { source in
            storage.withUnsafeMutableBufferPointer { target in
                cblas_saxpy(n, alpha, source.baseAddress, 1, target.baseAddress, 1)
            }
        }
    }
}

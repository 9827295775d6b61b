import Foundation

/// A radix-2 complex fast Fourier transform and the real convolution built on it.
enum FFT {
    /// Twiddle factors cos and sin of 2 pi k / n for k < n/2, shared by the
    /// forward and inverse transforms of one size.
    struct Plan {
        let count: Int
        let cosines: [Double]
        let sines: [Double]

        init(count n: Int) {
            precondition(n > 0 && n & (n - 1) == 0, "FFT size \(n) is not a power of two")
            count = n
            let half = max(1, n / 2)
            var cosines = [Double](repeating: 1, count: half)
            var sines = [Double](repeating: 0, count: half)
            for k in 0..<half where n > 1 {
                let angle = 2 * Double.pi * Double(k) / Double(n)
                cosines[k] = cos(angle)
                sines[k] = sin(angle)
            }
            self.cosines = cosines
            self.sines = sines
        }
    }

    /// Transforms (re, im) in place with the plan of their size; `inverse`
    /// uses the conjugate twiddles and does not divide by n.
    ///
    /// Iterative Cooley-Tukey with a bit-reversal permutation.
    static func transform(re: inout [Double], im: inout [Double], plan: Plan, inverse: Bool) {
        let n = re.count
        precondition(n == im.count && n == plan.count, "FFT input of \(n) values does not match its plan")
        if n == 1 { return }
        let sign: Double = inverse ? 1 : -1

        re.withUnsafeMutableBufferPointer { re in
            im.withUnsafeMutableBufferPointer { im in
                plan.cosines.withUnsafeBufferPointer { cosTable in
                    plan.sines.withUnsafeBufferPointer { sinTable in
                        // 1) Bit-reversal permutation.
                        var j = 0
                        for i in 1..<n {
                            var bit = n >> 1
                            while j & bit != 0 {
                                j ^= bit
                                bit >>= 1
                            }
                            j |= bit
                            if i < j {
                                re.swapAt(i, j)
                                im.swapAt(i, j)
                            }
                        }

                        // 2) Butterflies, stage length 2, 4, ..., n.
                        var length = 2
                        while length <= n {
                            let halfLength = length / 2
                            let stride = n / length
                            var start = 0
                            while start < n {
                                for k in 0..<halfLength {
                                    let wr = cosTable[k * stride]
                                    let wi = sign * sinTable[k * stride]
                                    let a = start + k
                                    let b = a + halfLength
                                    let tr = re[b] * wr - im[b] * wi
                                    let ti = re[b] * wi + im[b] * wr
                                    re[b] = re[a] - tr
                                    im[b] = im[a] - ti
                                    re[a] += tr
                                    im[a] += ti
                                }
                                start += length
                            }
                            length *= 2
                        }
                    }
                }
            }
        }
    }

    /// Returns the linear convolution of two real sequences.
    ///
    /// Short inputs are convolved directly. Otherwise both go into one complex
    /// transform as z = a + i b, whose spectrum gives A_k B_k =
    /// (Z_k^2 - conj(Z_{n-k})^2) / (4i), then one inverse transform.
    static func convolve(_ a: [Double], _ b: [Double]) -> [Double] {
        precondition(!a.isEmpty && !b.isEmpty, "cannot convolve an empty sequence")
        let outputCount = a.count + b.count - 1
        if min(a.count, b.count) <= 32 {
            var output = [Double](repeating: 0, count: outputCount)
            for i in a.indices where a[i] != 0 {
                for j in b.indices { output[i + j] += a[i] * b[j] }
            }
            return output
        }

        var n = 1
        while n < outputCount { n <<= 1 }
        var re = [Double](repeating: 0, count: n)
        var im = [Double](repeating: 0, count: n)
        for i in a.indices { re[i] = a[i] }
        for i in b.indices { im[i] = b[i] }
        let plan = Plan(count: n)
        transform(re: &re, im: &im, plan: plan, inverse: false)

        var productRe = [Double](repeating: 0, count: n)
        var productIm = [Double](repeating: 0, count: n)
        for k in 0..<n {
            let mirror = (n - k) & (n - 1)
            let zr = re[k], zi = im[k]
            let cr = re[mirror], ci = -im[mirror]
            // D = Z_k^2 - conj(Z_{n-k})^2; A_k B_k = D / (4i) = (D.im / 4, -D.re / 4).
            let dr = (zr * zr - zi * zi) - (cr * cr - ci * ci)
            let di = 2 * zr * zi - 2 * cr * ci
            productRe[k] = di / 4
            productIm[k] = -dr / 4
        }
        transform(re: &productRe, im: &productIm, plan: plan, inverse: true)

        let scale = 1 / Double(n)
        return (0..<outputCount).map { productRe[$0] * scale }
    }
}

import CBLAS

/// The one door to OpenBLAS: single-precision GEMM on row-major matrices and the BLAS thread
/// count. Nothing outside this file touches a CBLAS type.
public enum BLAS {
  /// Sets the number of threads OpenBLAS uses for each call.
  public static func setThreads(_ count: Int) {
    precondition(count > 0, "thread count must be positive")
    openblas_set_num_threads(Int32(count))
  }

  public static var threads: Int { Int(openblas_get_num_threads()) }

  /// C ← alpha·op(A)·op(B) + beta·C, row-major, where op(A) is m×k, op(B) is k×n and C is m×n.
  /// `lda`, `ldb`, `ldc` are the row strides of the matrices as stored.
  @inline(__always)
  static func gemm(
    transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
}

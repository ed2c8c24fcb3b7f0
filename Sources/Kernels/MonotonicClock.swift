#if canImport(Glibc)
  import Glibc
#endif

/// Seconds on CLOCK_MONOTONIC: the clock every timing in Kernels reads.
public enum MonotonicClock {
  @inline(__always)
  public static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }
}

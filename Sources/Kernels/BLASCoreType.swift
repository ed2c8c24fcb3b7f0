import CBLAS
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Which OpenBLAS kernels run, and a fix for a costly misdetection: OpenBLAS picks its kernels
/// from the CPU model when the library loads, and on CPUs it does not recognise (virtual
/// machines often report a generic model) it falls back to "Prescott", an SSE3 kernel 5–10×
/// slower than the AVX-512 or AVX2 one the CPU can run. The environment variable
/// OPENBLAS_CORETYPE overrides the choice, but only before the library loads, hence a re-exec.
extension BLAS {
  /// The kernel family OpenBLAS chose (`SkylakeX`, `Haswell`, `Prescott` …).
  public static var coreName: String { String(cString: openblas_get_corename()) }

  /// The kernel family to force, or nil when OpenBLAS's choice is already right, the user set
  /// OPENBLAS_CORETYPE, or the CPU has neither AVX-512 nor AVX2 with FMA.
  public static func suggestedCoreType(
    cpuFlags: Set<String>? = nil, coreName: String = BLAS.coreName,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> String? {
    guard environment["OPENBLAS_CORETYPE"] == nil else { return nil }
    guard ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Sandybridge", "Atom", "Katmai"].contains(coreName)
    else { return nil }
    let flags = cpuFlags ?? currentCPUFlags()
    if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
    if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
    return nil
  }

  /// The flags line of /proc/cpuinfo (empty when unreadable).
  static func currentCPUFlags() -> Set<String> {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
      let colon = line.firstIndex(of: ":")
    else { return [] }
    return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
  }

  /// OPENBLAS_THREAD_TIMEOUT to set when OpenBLAS will run more than one thread and the user
  /// has not set it: "4", so that OpenBLAS's worker threads sleep as soon as a call ends. By
  /// default they spin for 2^28 cycles (about 0.1 s) waiting for the next call, taking a core
  /// from whatever runs next: two single-threaded GEMMs run side by side (as a convolution
  /// splitting its images between threads runs them) took 15.3 ms right after a two-thread
  /// call, 9.8 ms with the timeout at 4. Waking a sleeping worker costs microseconds, against
  /// GEMM calls of milliseconds.
  public static func suggestedThreadTimeout(threads: Int) -> String? {
    guard threads > 1, ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"] == nil else { return nil }
    return "4"
  }

  /// When `suggestedCoreType()` names a kernel family, or `suggestedThreadTimeout(threads:)` a
  /// timeout, restarts this process (same arguments) with those variables set (OpenBLAS reads
  /// them only when it loads); otherwise, or if the restart fails, returns. Call at the start of
  /// a command, before any work.
  public static func restartWithSuggestedEnvironmentIfNeeded(threads: Int) {
    var settings: [(name: String, value: String)] = []
    if let coreType = suggestedCoreType() { settings.append(("OPENBLAS_CORETYPE", coreType)) }
    if let timeout = suggestedThreadTimeout(threads: threads) { settings.append(("OPENBLAS_THREAD_TIMEOUT", timeout)) }
    guard !settings.isEmpty else { return }
    for setting in settings { setenv(setting.name, setting.value, 1) }
    let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
    execv("/proc/self/exe", arguments)
    // execv returned: the restart failed; carry on with OpenBLAS's own choices.
    for argument in arguments { free(argument) }
    for setting in settings { unsetenv(setting.name) }
  }
}

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
  public static func suggestedCoreType(cpuFlags: Set<String>? = nil, coreName: String = BLAS.coreName) -> String? {
    guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil else { return nil }
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

  /// When `suggestedCoreType()` names a kernel family, restarts this process (same arguments)
  /// with OPENBLAS_CORETYPE set to it; otherwise, or if the restart fails, returns. Call at the
  /// start of a command, before any work.
  public static func restartWithSuggestedCoreTypeIfNeeded() {
    guard let coreType = suggestedCoreType() else { return }
    setenv("OPENBLAS_CORETYPE", coreType, 1)
    let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
    execv("/proc/self/exe", arguments)
    // execv returned: the restart failed; carry on with OpenBLAS's own choice.
    for argument in arguments { free(argument) }
    unsetenv("OPENBLAS_CORETYPE")
  }
}

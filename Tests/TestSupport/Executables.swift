import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Runs the package's built executables (and mpirun) from tests.
public enum Executables {
  /// The build's products directory: where the test bundle itself lives.
  public static var productsDirectory: String {
    let bundle =
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    return (bundle as NSString).deletingLastPathComponent
  }

  public static var coordinator: String { productsDirectory + "/dlscale" }
  public static var agent: String { productsDirectory + "/dlscale-agent" }

  /// `mpirun` on PATH, or nil.
  public static var mpirun: String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  public struct Result {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Whether the watchdog stopped the run.
    public var timedOut = false
    /// Non-empty stderr lines.
    public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init).filter { !$0.isEmpty } }
  }

  /// Runs `arguments` (argv[0] a path) to completion, with extra environment variables. A run
  /// still going after `timeout` seconds is terminated (then killed), so that a hang fails its
  /// test instead of stalling the whole suite; its result then has `timedOut` set.
  public static func run(
    _ arguments: [String], environment extra: [String: String] = [:], timeout: Double = 300
  ) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    var environment = ProcessInfo.processInfo.environment
    environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    environment.merge(extra) { _, new in new }
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let pid = process.processIdentifier
    let fired = LockedData()
    let watchdog = DispatchWorkItem {
      fired.set(Data([1]))
      kill(pid, SIGTERM)
      sleep(5)
      kill(pid, SIGKILL)
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    // Read both pipes concurrently so a full pipe cannot stall the child.
    let errorData = LockedData()
    let reader = Thread { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let outputData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    watchdog.cancel()
    let timedOut = fired.isSet
    while !errorData.isSet { usleep(1000) }
    return Result(
      status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
      stderr: String(decoding: errorData.value, as: UTF8.self) + (timedOut ? "\n(killed after \(Int(timeout)) s)" : ""),
      timedOut: timedOut)
  }

  /// `mpirun -np ranks` of the agent with `arguments` (and `environment` added to this one's),
  /// oversubscribing when ranks exceed cores.
  public static func mpirunAgent(
    ranks: Int, _ arguments: [String], environment: [String: String] = [:]
  ) throws -> Result {
    guard let mpirun else { throw MissingTool(name: "mpirun (install openmpi-bin: make deps)") }
    var argv = [mpirun, "-np", "\(ranks)"]
    if ranks > ProcessInfo.processInfo.activeProcessorCount {
      argv += ["--oversubscribe", "--bind-to", "none", "--mca", "mpi_yield_when_idle", "1"]
    }
    return try run(argv + [agent] + arguments, environment: environment)
  }

  /// A fresh empty directory under the system temporary directory.
  public static func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "dlscale-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }
}

public struct MissingTool: Error, CustomStringConvertible {
  public var name: String
  public var description: String { "\(name) is required for this test but was not found" }
}

/// Data handed from a reader thread; safe because every access holds the lock.
private final class LockedData: @unchecked Sendable {
  private let lock = NSLock()
  private var data: Data?
  func set(_ value: Data) { lock.withLock { data = value } }
  var isSet: Bool { lock.withLock { data != nil } }
  var value: Data { lock.withLock { data ?? Data() } }
}

import ArgumentParser
import Foundation
import Kernels
import Measurements

#if canImport(Glibc)
  import Glibc
#endif

/// `dlscale train --engine pytorch`: the same data-parallel run with PyTorch on every rank. The
/// engine is a Python program (engines/pytorch, embedded in this executable as
/// `PyTorchEngineSources`) that the coordinator writes where the ranks can read it and starts with
/// the same `Launcher` as its agents: the same mpirun or srun, placement, binding, timeout and
/// supervision, and the same collection of the record rank 0 prints.
struct PyTorchEngine {
  /// The name the engine's error lines start with.
  static let program = "dlscale-torch"
  /// The engine's main script among `PyTorchEngineSources.files`.
  static let script = "dlscale_torch.py"

  /// The Python that imports torch (Debian's python3-torch is for the system python3).
  var python: String
  var device: Device
  /// Where the engine's files are written before a launch: a folder every rank can read.
  var directory: String

  /// Where PyTorch trains: the CPU (gloo), or a GPU per rank (NCCL).
  enum Device: String, CaseIterable, ExpressibleByArgument, Sendable {
    case cpu, cuda
  }

  /// The system python3 when there is one (where python3-torch installs), else python3 on PATH.
  static var defaultPython: String {
    FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
  }

  /// Checks that `python` imports torch (and, for `--device cuda`, sees a GPU); returns torch's
  /// version. Each failure is one line naming the fix.
  func checkTorch() throws -> String {
    let missing = CommandError("PyTorch not found for \(python): install python3-torch (make deps)")
    guard let executable = Launcher.findExecutable(python) else { throw missing }
    var lines: [String] = []
    let probe = "import torch; print(torch.__version__); print(torch.cuda.is_available())"
    let outcome = try ProcessRunner(
      arguments: [executable, "-c", probe], environment: ProcessInfo.processInfo.environment, timeout: 120,
      supervised: false
    ).run(onStdout: { lines.append($0) }, onStderr: { _ in })
    guard outcome.status == 0, !outcome.timedOut, lines.count >= 2 else { throw missing }
    if device == .cuda && lines[1] != "True" {
      throw CommandError("--device cuda: PyTorch \(lines[0]) for \(python) sees no CUDA device (use --device cpu)")
    }
    return lines[0]
  }

  /// Writes the engine's files into `directory` (each replaced whole, so that a run starting
  /// beside this one reads a complete file); returns the script's path.
  func install() throws -> String {
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      for file in PyTorchEngineSources.files {
        let path = (directory as NSString).appendingPathComponent(file.name)
        try Data(file.text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
      }
    } catch {
      throw CommandError("cannot write the PyTorch engine into \(directory): \(error.localizedDescription)")
    }
    return URL(fileURLWithPath: (directory as NSString).appendingPathComponent(Self.script)).standardizedFileURL.path
  }

  /// The engine's arguments for `options`: the training options it takes, the bucket in bytes,
  /// the device, where rank 0 waits for the others, and how long a collective may wait.
  func arguments(_ options: TrainingOptions, rendezvous: Rendezvous, timeout: Double) -> [String] {
    var arguments = options.agentArguments([.model, .batch, .scaling, .overlap, .steps, .aloneSteps, .threads])
    arguments += ["--bucket-bytes", "\(options.bucketBytes)", "--device", device.rawValue]
    arguments += ["--timeout", "\(Int(timeout.rounded(.up)))", "--dlscale-version", dlscaleVersionString]
    arguments += ["--master-port", "\(rendezvous.port)"]
    if let address = rendezvous.address { arguments += ["--master-addr", address] }
    if let interface = rendezvous.interface { arguments += ["--socket-interface", interface] }
    return arguments
  }

  /// The run of `options` under `launcher` (`checkTorch()` found `torchVersion`): writes the
  /// engine and returns the `AgentRun` that launches it (the Python program in the agent's place).
  func run(
    _ options: TrainingOptions, torchVersion version: String, launcher: Launcher, rendezvous: Rendezvous,
    timeout: Double, results: ResultsFile, ranks: Int
  ) throws -> AgentRun {
    let script = try install()
    var pythonLauncher = launcher
    pythonLauncher.agent = Launcher.findExecutable(python) ?? python
    print("dlscale: engine pytorch \(version) (\(python), \(script))")
    return AgentRun(
      launcher: pythonLauncher, ranks: ranks, benchmark: script, name: "train --engine pytorch",
      arguments: arguments(options, rendezvous: rendezvous, timeout: timeout), threads: options.threads,
      timeout: timeout, results: results,
      parameters: [
        "model": options.model, "batch": "\(options.batch)", "scaling": options.scaling.rawValue,
        "engine": options.engine.rawValue,
      ])
  }

  /// The folder beside a results file that the engine is written to by default.
  static func defaultDirectory(besideResults path: String) -> String {
    let folder = (URL(fileURLWithPath: path).standardizedFileURL.path as NSString).deletingLastPathComponent
    return (folder as NSString).appendingPathComponent("dlscale-engines/pytorch")
  }
}

/// Where torch.distributed's ranks meet: rank 0's address and a port on it, and the network
/// interface gloo uses on every rank (nil: the one its host name resolves to).
struct Rendezvous: Equatable {
  var address: String?
  var interface: String?
  var port: Int

  /// Names of this machine that other hosts cannot use to reach it.
  static let loopbackNames: Set<String> = ["localhost", "127.0.0.1", "::1"]

  /// A TCP port free on this machine now, for rank 0 to listen on.
  static func freePort() throws -> Int {
    let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketDescriptor >= 0 else { throw CommandError("cannot open a socket to find a free port") }
    defer { close(socketDescriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = INADDR_ANY
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let found = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
        bind(socketDescriptor, generic, length) == 0 && getsockname(socketDescriptor, generic, &length) == 0
      }
    }
    guard found else { throw CommandError("cannot find a free TCP port for PyTorch's rendezvous") }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}

extension LaunchOptions {
  /// Where the ranks of these options meet: on this machine over loopback; on an emulated
  /// cluster at its first host's address over the hosts' own interface; on a hostfile's first
  /// host (where mpirun puts rank 0); under srun, the engine asks Slurm for the allocation's
  /// first node.
  func rendezvous(port: Int) throws -> Rendezvous {
    if launcher == .srun { return Rendezvous(address: nil, interface: nil, port: port) }
    if let cluster {
      let emulated = try EmulatedCluster.load(name: cluster)
      return Rendezvous(address: emulated.hosts.first?.address, interface: EmulatedCluster.hostInterface, port: port)
    }
    if let hostfile {
      let file = try Hostfile.load(path: hostfile, defaultSlots: 1)
      guard let first = file.hosts.first?.name else { return Rendezvous(address: nil, interface: nil, port: port) }
      // A hostfile that starts with this machine as "localhost": the other hosts reach it by name.
      let remote = file.hosts.contains { !Rendezvous.loopbackNames.contains($0.name) }
      let address = remote && Rendezvous.loopbackNames.contains(first) ? ProcessInfo.processInfo.hostName : first
      return Rendezvous(address: address, interface: nil, port: port)
    }
    return Rendezvous(address: "127.0.0.1", interface: "lo", port: port)
  }
}

/// The options of `dlscale train` that only `--engine pytorch` takes.
struct PyTorchOptions: ParsableArguments {
  @Option(help: "With --engine pytorch: the Python that imports torch (default: /usr/bin/python3 if present).")
  var python: String = PyTorchEngine.defaultPython

  @Option(help: "With --engine pytorch: cpu (gloo) or cuda (NCCL, a GPU per rank).")
  var device: PyTorchEngine.Device = .cpu

  @Option(
    name: .customLong("engine-dir"),
    help:
      "With --engine pytorch: the folder the engine's Python files are written to; every rank must read it (default: dlscale-engines/pytorch beside --output)."
  )
  var engineDirectory: String?

  func engine(besideResults output: String) -> PyTorchEngine {
    PyTorchEngine(
      python: python, device: device,
      directory: engineDirectory ?? PyTorchEngine.defaultDirectory(besideResults: output))
  }
}

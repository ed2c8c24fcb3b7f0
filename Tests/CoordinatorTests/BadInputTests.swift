import Foundation
import Measurements
import TestSupport
import Testing

/// The catalogue of bad input: each case runs the real `dlscale` and expects one clear line on
/// stderr (`dlscale: error: ...` naming the problem), a non-zero exit that is not a crash, no
/// hang, and the files it would have written untouched. `FIXTURES/` names files made by
/// `BadInputFixtures`; `SENTINEL` is a results file, `SENTINEL_MODELS` a models file and
/// `SENTINEL_DIR` a report folder, each with content that must survive.
enum BadInputCatalogue {
  static let launching: [([String], String)] = [
    // Hostfiles.
    (["allreduce", "--hostfile", "FIXTURES/hosts-bad-slots"], "slots must be a positive integer"),
    (["allreduce", "--hostfile", "FIXTURES/hosts-bad-key"], "unexpected 'colour=red'"),
    (["allreduce", "--hostfile", "FIXTURES/hosts-empty"], "names no hosts"),
    (["allreduce", "--hostfile", "FIXTURES/hosts-comments"], "names no hosts"),
    (["allreduce", "--hostfile", "FIXTURES/binary"], "not a text file"),
    (["allreduce", "--hostfile", "FIXTURES/missing"], "cannot read hostfile"),
    (["allreduce", "--hostfile", "FIXTURES/hosts-bad-name"], "is not a host name"),
    (["allreduce", "--hostfile", "FIXTURES/hosts-unknown"], "unknown host"),
    (["allreduce", "--hostfile", "FIXTURES/hosts-huge-slots"], "slots must be a positive integer"),
    // Models and algorithms.
    (["train", "--model", "resnet51"], "unknown model 'resnet51'"),
    (["kernels", "--model", "resnet51"], "unknown model 'resnet51'"),
    (["train", "--model", "resnet50", "--algorithm", "bogus"], "unknown algorithm"),
    (["train", "--model", "resnet50", "--scaling", "sideways"], "weak or strong"),
    (["train", "--model", "resnet50", "--overlap", "maybe"], "on, off or forward"),
    (["allreduce", "--algorithms", "fastest"], "unknown algorithm"),
    (["allreduce", "--algorithms", ""], "algorithm"),
    // Sizes that overflow or are malformed.
    (["allreduce", "--sizes", "99999999999G"], "too large"),
    (["allreduce", "--sizes", "1:99999999999999999999"], "too large"),
    (["allreduce", "--sizes", "12Q"], "unknown unit"),
    (["allreduce", "--sizes", "64:8"], "range start exceeds its end"),
    (["allreduce", "--sizes", ""], "empty"),
    (["allreduce", "--sizes", "8:16:32"], "a range is A:B"),
    (["train", "--model", "resnet50", "--bucket", "99999999999G"], "too large"),
    (["train", "--model", "resnet50", "--bucket", "0"], "--bucket must be positive"),
    // Counts.
    (["allreduce", "--np", "-1"], "--np"),
    (["allreduce", "--np", "0"], "--np must be a positive rank count"),
    (["allreduce", "--np", "99999999999999999999"], "--np"),
    (["allreduce", "--np", "100000"], "more ranks than dlscale supports"),
    (["allreduce", "--iterations", "0"], "--iterations must be positive"),
    (["allreduce", "--iterations", "-5"], "--iterations"),
    (["allreduce", "--warmup", "-1"], "--warmup"),
    (["allreduce", "--timeout", "0"], "--timeout must be positive"),
    (["allreduce", "--timeout", "nan"], "--timeout"),
    (["train", "--model", "resnet50", "--steps", "0"], "--steps must be positive"),
    (["train", "--model", "resnet50", "--batch", "-3"], "--batch"),
    (["train", "--model", "resnet50", "--batch", "0"], "--batch must be positive"),
    (["train", "--model", "resnet50", "--threads", "0"], "--threads must be positive"),
    (["train", "--model", "resnet50", "--poll-interval", "-1"], "--poll-interval"),
    (["train", "--model", "resnet50", "--poll-interval", "2e6"], "--poll-interval must be 0"),
    (["train", "--model", "resnet50", "--poll-interval", "nan"], "--poll-interval"),
    (["train", "--model", "resnet50", "--comm-cpu", "spare"], "--comm-cpu must be shared or reserved, got 'spare'"),
    (["cluster", "up", "--name", "bad", "--mtu", "100"], "invalid --mtu 100"),
    (["cluster", "up", "--name", "bad", "--cpus", "0.01"], "invalid --cpus"),
    (["cluster", "up", "--name", "bad", "--comm-cpus", "0.1"], "--comm-cpus needs --cpus"),
    (["cluster", "up", "--name", "bad", "--cpus", "0.3", "--comm-cpus", "0"], "invalid --comm-cpus"),
    (["cluster", "up", "--name", "bad", "--burst", "1000"], "invalid --burst '1000': expected 18028 bytes"),
    (["cluster", "up", "--name", "bad", "--burst", "12Q"], "invalid --burst"),
    // Rates and durations: one line naming the accepted forms.
    (["cluster", "up", "--name", "bad", "--rate", "fast"], "expected a positive number and a unit"),
    (["cluster", "up", "--name", "bad", "--rate-of", "h2=10gbyte"], "bytes per second as 12.5GB/s"),
    (["cluster", "up", "--name", "bad", "--rate", "1500bit"], "a whole number of kbit/s"),
    (["train", "--model", "resnet50", "--scaling", "strong", "--batch", "1", "--np", "2"], "at least --np"),
    (["p2p", "--np", "1"], "at least 2 ranks"),
    (["p2p", "--np", "2", "--link-rate", "fast"], "12.5GB/s"),
    // Launchers.
    (["allreduce", "--launcher", "qsub"], "--launcher must be mpirun or srun"),
    (["allreduce", "--launcher", "srun", "--hostfile", "FIXTURES/hosts-good"], "drop --hostfile"),
    (["allreduce", "--hostfile", "FIXTURES/hosts-good", "--cluster", "emu"], "not both"),
    (["allreduce", "--cluster", "nosuchcluster"], "no emulated cluster named 'nosuchcluster'"),
  ]

  static let plans: [([String], String)] = [
    (["sweep", "FIXTURES/plan-unknown-key.yaml"], "plan-unknown-key.yaml:4:13: unknown key 'colour'"),
    (["sweep", "FIXTURES/plan-wrong-type.yaml"], "plan-wrong-type.yaml:3:9: 'np' must be a positive integer"),
    (["sweep", "FIXTURES/plan-overflow.yaml"], "plan-overflow.yaml:3:9: 'np' must be a positive integer"),
    (["sweep", "FIXTURES/plan-huge-size.yaml"], "plan-huge-size.yaml:4:12: 'sizes' must be a size list"),
    (["sweep", "FIXTURES/plan-list-timeout.yaml"], "plan-list-timeout.yaml:1:10: 'timeout' must be a positive number"),
    (["sweep", "FIXTURES/plan-negative-timeout.yaml"], "'timeout' must be a positive number"),
    (["sweep", "FIXTURES/binary"], "cannot read plan"),
    (["sweep", "FIXTURES/missing"], "cannot read plan"),
    (["sweep", "FIXTURES/hosts-empty"], "the plan is empty"),
  ]

  static let results: [([String], String)] = [
    (["fit", "FIXTURES/results-truncated.jsonl", "-o", "SENTINEL_MODELS"], "no records"),
    (["fit", "FIXTURES/hosts-empty", "-o", "SENTINEL_MODELS"], "no records"),
    (["fit", "FIXTURES/binary", "-o", "SENTINEL_MODELS"], "binary data"),
    (["fit", "FIXTURES/results-newer.jsonl", "-o", "SENTINEL_MODELS"], "newer than this dlscale understands"),
    (["fit", "FIXTURES/missing", "-o", "SENTINEL_MODELS"], "cannot read"),
    (["fit", "FIXTURES", "-o", "SENTINEL_MODELS"], "cannot read"),
    (["report", "FIXTURES/results-truncated.jsonl", "-o", "SENTINEL_DIR"], "none of its 1 lines is a record"),
    (["report", "FIXTURES/hosts-empty", "-o", "SENTINEL_DIR"], "is empty"),
    (["report", "FIXTURES/binary", "-o", "SENTINEL_DIR"], "binary data"),
    (["report", "FIXTURES/results-newer.jsonl", "-o", "SENTINEL_DIR"], "newer than this dlscale understands"),
    (["report", "FIXTURES/missing", "-o", "SENTINEL_DIR"], "no such file"),
  ]

  static let predictArguments = ["--model", "resnet50", "--samples", "1e6", "--epochs", "1"]

  static let models: [([String], String)] = [
    (["predict", "--models", "FIXTURES/models-missing-fields.json"] + predictArguments, "missing field"),
    (["predict", "--models", "FIXTURES/models-newer.json"] + predictArguments, "models schema 7 is newer"),
    (["predict", "--models", "FIXTURES/models-older.json"] + predictArguments, "written by an older dlscale"),
    (["predict", "--models", "FIXTURES/models-not-json.json"] + predictArguments, "is not a models file"),
    (["predict", "--models", "FIXTURES/binary"] + predictArguments, "is not a models file"),
    (["predict", "--models", "FIXTURES/missing"] + predictArguments, "cannot read"),
    (["optimize", "--models", "FIXTURES/models-missing-fields.json"] + predictArguments, "missing field"),
    (["optimize", "--models", "FIXTURES/models-newer.json"] + predictArguments, "models schema 7 is newer"),
    (["optimize", "--models", "FIXTURES/models-not-json.json"] + predictArguments, "is not a models file"),
    (["predict", "--models", "FIXTURES/models-not-json.json", "--link-rate", "1gbyte"] + predictArguments, "100Gbps"),
    (["optimize", "--models", "FIXTURES/models-not-json.json", "--latency", "5min"] + predictArguments, "ms or s"),
    (["report", "FIXTURES/results-good.jsonl", "--link-rate", "fast", "-o", "SENTINEL_DIR"], "12.5GB/s"),
    (
      [
        "report", "FIXTURES/results-good.jsonl", "--models", "FIXTURES/models-missing-fields.json", "-o",
        "SENTINEL_DIR",
      ],
      "missing field"
    ),
    (
      ["report", "FIXTURES/results-good.jsonl", "--models", "FIXTURES/models-newer.json", "-o", "SENTINEL_DIR"],
      "models schema 7 is newer"
    ),
    (
      ["report", "FIXTURES/results-good.jsonl", "--models", "FIXTURES/models-not-json.json", "-o", "SENTINEL_DIR"],
      "is not a models file"
    ),
  ]

  /// `dlscale import`: files that are not what the importer reads, or options it refuses.
  static let imports: [([String], String)] = [
    (["import", "osu", "--np", "2", "FIXTURES/binary", "--output", "SENTINEL"], "binary data"),
    (["import", "osu", "--np", "2", "FIXTURES/missing", "--output", "SENTINEL"], "missing: cannot read"),
    (["import", "osu", "--np", "0", "FIXTURES/results-good.jsonl", "--output", "SENTINEL"], "--np must be positive"),
    (
      ["import", "osu", "FIXTURES/plan-unknown-key.yaml", "--output", "SENTINEL"],
      "plan-unknown-key.yaml:1: a row before the OSU title"
    ),
    (
      ["import", "nccl-tests", "FIXTURES/results-good.jsonl", "--output", "SENTINEL"],
      "results-good.jsonl:1: a row before the column header"
    ),
    (["import", "throughput", "FIXTURES/results-good.jsonl", "--output", "SENTINEL"], "unknown column"),
    (["import", "throughput"], "Missing expected argument"),
  ]

  static var all: [([String], String)] { launching + plans + results + models + imports }
}

/// The files the catalogue refers to, made once per test process.
enum BadInputFixtures {
  static let directory: String = {
    let directory = (try? Executables.temporaryDirectory()) ?? NSTemporaryDirectory()
    var record = Record(kind: .allreduce, runId: "r1")
    record.ranks = 2
    record.algorithm = "mpi"
    record.bytes = 8
    let good = (try? record.jsonLine()) ?? ""
    let files: [String: String] = [
      "hosts-bad-slots": "node1 slots=two\n",
      "hosts-bad-key": "localhost slots=2 colour=red\n",
      "hosts-empty": "",
      "hosts-comments": "# nothing here\n\n   # still nothing\n",
      "hosts-bad-name": "node@1 slots=2\n",
      // A label longer than DNS allows (63): refused by the resolver without sending a query.
      "hosts-unknown": "localhost slots=1\n\(String(repeating: "x", count: 70)) slots=1\n",
      "hosts-huge-slots": "localhost slots=99999999999999999999\n",
      "hosts-good": "localhost slots=2\n",
      "plan-unknown-key.yaml": "runs:\n  - benchmark: allreduce\n    np: 2\n    colour: red\n",
      "plan-wrong-type.yaml": "runs:\n  - benchmark: allreduce\n    np: two\n",
      "plan-overflow.yaml": "runs:\n  - benchmark: allreduce\n    np: 99999999999999999999\n",
      "plan-huge-size.yaml": "runs:\n  - benchmark: allreduce\n    np: 2\n    sizes: 99999999999G\n",
      "plan-list-timeout.yaml": "timeout: [1, 2]\nruns:\n  - benchmark: p2p\n    np: 2\n",
      "plan-negative-timeout.yaml": "timeout: -4\nruns:\n  - benchmark: p2p\n    np: 2\n",
      "results-truncated.jsonl": String(good.prefix(40)),
      "results-newer.jsonl": good.replacingOccurrences(of: #""schema":1"#, with: #""schema":9"#) + "\n",
      "results-good.jsonl": good + "\n",
      "models-missing-fields.json": #"{"schema": 3}"#,
      "models-older.json": #"{"schema": 2}"#,
      "models-newer.json": #"{"schema": 7, "communication": [], "future": true}"#,
      "models-not-json.json": "schema: 1\ncommunication: []\n",
    ]
    for (name, text) in files {
      try? text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }
    _ = FileManager.default.createFile(
      atPath: directory + "/binary", contents: Data([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff, 0xfe, 10]))
    return directory
  }()
}

/// Every case of the catalogue: one line, a non-zero exit short of a crash, no hang, no file
/// overwritten.
@Test(arguments: BadInputCatalogue.all)
func badInputIsOneLineAndTouchesNothing(arguments: [String], expected: String) throws {
  let fixtures = BadInputFixtures.directory
  let sandbox = try Executables.temporaryDirectory()
  let sentinel = sandbox + "/kept.jsonl"
  let sentinelModels = sandbox + "/kept-models.json"
  let sentinelDirectory = sandbox + "/kept-report"
  try FileManager.default.createDirectory(atPath: sentinelDirectory, withIntermediateDirectories: true)
  let kept = "{\"kept\": true}\n"
  for path in [sentinel, sentinelModels, sentinelDirectory + "/index.html"] {
    try kept.write(toFile: path, atomically: true, encoding: .utf8)
  }
  var resolved = arguments.map { argument -> String in
    switch argument {
    case "SENTINEL": sentinel
    case "SENTINEL_MODELS": sentinelModels
    case "SENTINEL_DIR": sentinelDirectory
    default: argument.replacingOccurrences(of: "FIXTURES", with: fixtures)
    }
  }
  if ["allreduce", "train", "p2p"].contains(resolved[0]) { resolved += ["--output", sentinel] }
  if resolved[0] == "sweep" { resolved += ["--output", sentinel] }

  let outcome = try ProcessRunning.run(
    [Executables.coordinator] + resolved,
    environment: ["DLSCALE_CLUSTER_STATE": sandbox + "/clusters", "OMPI_ALLOW_RUN_AS_ROOT": "1"], seconds: 60)
  #expect(outcome.status != 124, "hung: \(resolved)")
  #expect(outcome.status != 0 && outcome.status < 128, "exit \(outcome.status) for \(resolved)")
  let lines = outcome.errors.split(separator: "\n").filter { !$0.isEmpty }
  #expect(lines.count == 1, "\(resolved): stderr was \(outcome.errors)")
  #expect(lines.first?.hasPrefix("dlscale: error: ") == true, "\(resolved): \(outcome.errors)")
  #expect(outcome.errors.contains(expected), "\(resolved): expected '\(expected)' in \(outcome.errors)")
  for path in [sentinel, sentinelModels, sentinelDirectory + "/index.html"] {
    #expect((try? String(contentsOfFile: path, encoding: .utf8)) == kept, "\(path) was changed")
  }
  #expect(try FileManager.default.contentsOfDirectory(atPath: sentinelDirectory) == ["index.html"])
}

@Test func catalogueCountsItsBadInputs() {
  let count = BadInputCatalogue.all.count
  print("bad inputs tried: \(count)")
  #expect(count >= 70)
}

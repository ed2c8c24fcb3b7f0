import Foundation
import Measurements
import TestSupport
import Testing

/// `dlscale import` end to end: records written where the measuring commands write them, a file
/// imported twice kept once, a bad line writing nothing, and `fit` and `report` using the
/// imported OSU allreduce records like measured ones.
struct ImportCommandTests {
  let osu = ImportFixtures.directory + "/osu"

  func importing(_ arguments: [String], in directory: String) throws -> Executables.Result {
    try Executables.run([Executables.coordinator, "import"] + arguments + ["--output", directory + "/results.jsonl"])
  }

  @Test func osuFilesAreImportedOnceEachWithTheirSourceAndDigest() throws {
    let directory = try Executables.temporaryDirectory()
    let files = [osu + "/osu_allreduce-np2.txt", osu + "/osu_allreduce-np2-f.txt"]
    let first = try importing(["osu", "--np", "2", "--hosts", "1"] + files, in: directory)
    #expect(first.status == 0, "stderr: \(first.stderr)")
    let records = try ResultsFile(path: directory + "/results.jsonl").read().records
    #expect(records.count == 19 + 23)
    #expect(records.allSatisfy { $0.source == .osu && $0.kind == .allreduce && $0.sourceDigest?.count == 71 })
    #expect(Set(records.compactMap(\.sourceFile)) == ["osu_allreduce-np2.txt", "osu_allreduce-np2-f.txt"])
    #expect(Set(records.map(\.runId)).count == 1, "one import is one run")
    let again = try importing(["osu", "--np", "2"] + files + [files[0]], in: directory)
    #expect(again.status == 0, "stderr: \(again.stderr)")
    #expect(again.stdout.components(separatedBy: "already imported").count == 4, "\(again.stdout)")
    #expect(try ResultsFile(path: directory + "/results.jsonl").read().records.count == records.count)
  }

  @Test func aBadLineFailsWithFileAndLineAndWritesNothing() throws {
    let directory = try Executables.temporaryDirectory()
    let bad = directory + "/broken.txt"
    try "# OSU MPI Latency Test v7.2\n# Size  Latency (us)\n1  0.17\n2  oops\n".write(
      toFile: bad, atomically: true, encoding: .utf8)
    let result = try importing(["osu", osu + "/osu_latency-np2.txt", bad], in: directory)
    #expect(result.status != 0)
    #expect(result.stderrLines.count == 1, "one line: \(result.stderr)")
    #expect(result.stderr.contains("\(bad):4: Latency (us) 'oops' is not a non-negative number"), "\(result.stderr)")
    #expect(
      !FileManager.default.fileExists(atPath: directory + "/results.jsonl"), "the good file is not written either")
  }

  @Test func withoutOutputRecordsGoWhereTheMeasuringCommandsWriteThem() throws {
    let directory = try Executables.temporaryDirectory()
    let process = try Executables.run(
      ["/bin/sh", "-c", "cd \"$1\" && \"$2\" import osu \"$3\" \"$4\"", "sh", directory, Executables.coordinator]
        + [osu + "/osu_latency-np2.txt", osu + "/osu_bw-np2.txt"])
    #expect(process.status == 0, "stderr: \(process.stderr)")
    let records = try ResultsFile(path: directory + "/dlscale-results/p2p.jsonl").read().records
    #expect(records.count == 46 && records.allSatisfy { $0.kind == .p2p })
    let throughput = try Executables.run(
      ["/bin/sh", "-c", "cd \"$1\" && \"$2\" import throughput \"$3\"", "sh", directory, Executables.coordinator]
        + [ImportFixtures.directory + "/throughput/throughput.csv"])
    #expect(throughput.status == 0, "stderr: \(throughput.stderr)")
    let train = try ResultsFile(path: directory + "/dlscale-results/train.jsonl").read().records
    #expect(train.count == 3 && train.allSatisfy { $0.source == .throughput && $0.engine != nil })
  }

  /// Imported throughput prices a described system's compute: its file names the records, the
  /// ones of its device are taken, and the prediction names where they came from.
  @Test func importedThroughputPricesASystemThatNamesItsRecords() throws {
    let directory = try Executables.temporaryDirectory()
    let imported = try Executables.run(
      ["/bin/sh", "-c", "cd \"$1\" && \"$2\" import throughput \"$3\"", "sh", directory, Executables.coordinator]
        + [ImportFixtures.directory + "/throughput/throughput.csv"])
    #expect(imported.status == 0, "stderr: \(imported.stderr)")
    let system = directory + "/a100.yaml"
    try """
    name: a100-pair
    devices_per_node: 2
    device: A100
    intra_node: nvlink3
    inter_node: 100gbe
    throughput:
      - {records: dlscale-results/train.jsonl}
    """.write(toFile: system, atomically: true, encoding: .utf8)
    let predict = try Executables.run([
      Executables.coordinator, "predict", "--system", system, "--model", "resnet50", "--batch", "64", "--samples",
      "1e6", "--nodes", "1",
    ])
    #expect(predict.status == 0, "stderr: \(predict.stderr)")
    #expect(
      predict.stdout.contains(
        "compute from throughput resnet50 batch 64 (pytorch): 455 samples/s, imported: throughput.csv, device NVIDIA A100-SXM4-80GB"
      ), "\(predict.stdout)")
    // One node of 2 devices at 455 samples/s each, less the allreduce over NVLink.
    let row = try #require(predict.stdout.split(separator: "\n").first { $0.hasPrefix("    1") })
    let samplesPerS = try #require(row.split(separator: " ").compactMap { Double($0) }.first { $0 > 800 && $0 <= 910 })
    #expect(samplesPerS > 800, "\(row)")
    // The CSV itself serves as well.
    try String(contentsOfFile: system, encoding: .utf8).replacingOccurrences(
      of: "dlscale-results/train.jsonl", with: ImportFixtures.directory + "/throughput/throughput.csv"
    ).write(toFile: system, atomically: true, encoding: .utf8)
    let fromCSV = try Executables.run([
      Executables.coordinator, "predict", "--system", system, "--model", "resnet50", "--batch", "64", "--samples",
      "1e6", "--nodes", "1",
    ])
    #expect(
      fromCSV.status == 0 && fromCSV.stdout.contains("455 samples/s, imported: throughput.csv"), "\(fromCSV.stderr)")
    try String(contentsOfFile: system, encoding: .utf8).replacingOccurrences(of: "device: A100", with: "device: H100")
      .write(toFile: system, atomically: true, encoding: .utf8)
    let other = try Executables.run([
      Executables.coordinator, "predict", "--system", system, "--model", "resnet50", "--samples", "1e6",
    ])
    #expect(other.status != 0 && other.stderrLines.count == 1, "\(other.stderr)")
    #expect(
      other.stderr.contains("has no imported throughput for device H100 (devices there: NVIDIA A100-SXM4-80GB, cpu)"),
      "\(other.stderr)")
  }

  /// nccl-tests from a GPU cluster, fitted: the system fit writes is that cluster's GPUs, and a
  /// prediction for it prices the allreduces from the fit and compute from the GPU's peak, saying so.
  @Test func ncclTestsFitDescribesTheGPUClusterAndPredictsForIt() throws {
    let directory = try Executables.temporaryDirectory()
    let imported = try importing(
      ["nccl-tests", ImportFixtures.directory + "/nccl-tests/all_reduce_perf-2node-2gpu.txt"], in: directory)
    #expect(imported.status == 0, "stderr: \(imported.stderr)")
    let fit = try Executables.run([
      Executables.coordinator, "fit", directory + "/results.jsonl", "-o", directory + "/models.json",
    ])
    #expect(fit.status == 0, "stderr: \(fit.stderr)")
    #expect(fit.stdout.contains("wrote \(directory)/system.yaml: measured: 2 × NVIDIA H100 80GB HBM3 per node"))
    let predict = try Executables.run([
      Executables.coordinator, "predict", "--system", directory + "/system.yaml", "--models",
      directory + "/models.json",
      "--model", "resnet50", "--samples", "1e6", "--nodes", "1,2",
    ])
    #expect(predict.status == 0, "stderr: \(predict.stderr)")
    #expect(
      predict.stdout.contains(
        "allreduces from the fits in models.json, 2 ranks per node; no compute measured: device NVIDIA H100 80GB HBM3 from imported records (all_reduce_perf-2node-2gpu.txt); figures of catalogue device H100"
      ) && predict.stdout.contains("compute from peak 67 TFLOP/s at 40% assumed efficiency"), "\(predict.stdout)")
    #expect(predict.stdout.contains("    2      4       nccl"), "\(predict.stdout)")
    let guide = try Executables.run([
      Executables.coordinator, "guide", "--system", directory + "/system.yaml", "--models", directory + "/models.json",
      "--model", "resnet50", "--samples", "1e6", "--nodes", "1", "--format", "json",
    ])
    #expect(guide.status == 0, "stderr: \(guide.stderr)")
    #expect(guide.stdout.contains("\"engine\" : \"peak FLOP/s\""), "compute is the GPU's peak:\n\(guide.stdout)")
    // The fitted library's name is an algorithm predict and optimize take.
    let base = [
      Executables.coordinator, "--models", directory + "/models.json", "--model", "resnet50", "--samples", "1e6",
    ]
    let named = try Executables.run(
      [base[0], "predict"] + base.dropFirst() + ["--algorithm", "nccl", "--sample-time-ms", "3"])
    #expect(named.status == 0 && named.stdout.contains("nccl"), "stderr: \(named.stderr)")
    let optimized = try Executables.run(
      [base[0], "optimize"] + base.dropFirst() + ["--algorithms", "nccl", "--sample-time-ms", "3"])
    #expect(optimized.status == 0, "stderr: \(optimized.stderr)")
    let unknown = try Executables.run([base[0], "predict"] + base.dropFirst() + ["--algorithm", "nccl2"])
    #expect(unknown.status != 0 && unknown.stderrLines.count == 1, "\(unknown.stderr)")
    #expect(
      unknown.stderr.contains("unknown algorithm 'nccl2' (known: mpi,")
        && unknown.stderr.contains("fitted in the models file: nccl)"))
  }

  /// nccl-tests on one node and on two, fitted together: the one-node run prices the link within
  /// a node, the two-node run the network, in the system fit writes.
  @Test func ncclTestsOfOneNodeAndOfTwoGiveBothLinks() throws {
    let directory = try Executables.temporaryDirectory()
    let imported = try importing(
      [
        "nccl-tests", ImportFixtures.directory + "/nccl-tests/all_reduce_perf-1node-4gpu.txt",
        ImportFixtures.directory + "/nccl-tests/all_reduce_perf-2node-2gpu.txt",
      ], in: directory)
    #expect(imported.status == 0, "stderr: \(imported.stderr)")
    let fit = try Executables.run([
      Executables.coordinator, "fit", directory + "/results.jsonl", "-o", directory + "/models.json",
    ])
    #expect(fit.status == 0, "stderr: \(fit.stderr)")
    #expect(fit.stdout.contains("nccl within one host (its one-host records, apart from those across hosts)"))
    #expect(
      fit.stdout.contains("shared-memory (1.21 Tbit/s = 152 GB/s, 1.98 us) within a node, network (88.9 Gbit/s"),
      "\(fit.stdout)")
    // The report keeps both runs of 4 ranks, each beside the model of its own level.
    let report = try Executables.run([
      Executables.coordinator, "report", directory + "/results.jsonl", "--models", directory + "/models.json", "-o",
      directory + "/report",
    ])
    #expect(report.status == 0, "stderr: \(report.stderr)")
    let summary = try String(contentsOfFile: directory + "/report/summary.md", encoding: .utf8)
    #expect(
      summary.contains("nccl (nccl-tests, in-place, 1 host)")
        && summary.contains("nccl (nccl-tests, in-place, 2 hosts)"),
      "\(summary)")
    #expect(summary.contains("Best algorithm: 4 ranks on 2 hosts: 1KiB–64MiB: nccl (nccl-tests, in-place, 2 hosts)"))
  }

  @Test func fitAndReportUseImportedOSUAllreduceAndNameTheSource() throws {
    let directory = try Executables.temporaryDirectory()
    let results = directory + "/results.jsonl"
    let imported = try importing(
      ["osu", "--np", "2", "--hosts", "1", osu + "/osu_allreduce-np2-f.txt"], in: directory)
    #expect(imported.status == 0, "stderr: \(imported.stderr)")
    let fit = try Executables.run([Executables.coordinator, "fit", results, "-o", directory + "/models.json"])
    #expect(fit.status == 0, "stderr: \(fit.stderr)")
    let models = try JSONSerialization.jsonObject(
      with: Data(contentsOf: URL(fileURLWithPath: directory + "/models.json")))
    let communication = try #require((models as? [String: Any])?["communication"] as? [[String: Any]])
    #expect(communication.map { $0["algorithm"] as? String } == ["mpi"], "the OSU records fit the mpi model")
    let report = try Executables.run(
      [Executables.coordinator, "report", results, "--models", directory + "/models.json", "-o", directory + "/report"])
    #expect(report.status == 0, "stderr: \(report.stderr)")
    let summary = try String(contentsOfFile: directory + "/report/summary.md", encoding: .utf8)
    #expect(summary.contains("| 2 | mpi (osu) |"), "the allreduce table names the source:\n\(summary)")
    #expect(summary.contains("imported: osu osu\\_allreduce-np2-f.txt (sha256:"), "the runs table names the file")
    let html = try String(contentsOfFile: directory + "/report/index.html", encoding: .utf8)
    #expect(html.contains("mpi (osu)"))
  }

  @Test func ncclTestsImportKeepsBothColumnsAsSeparateSeries() throws {
    let directory = try Executables.temporaryDirectory()
    let imported = try importing(
      ["nccl-tests", ImportFixtures.directory + "/nccl-tests/all_reduce_perf-2node-2gpu.txt"], in: directory)
    #expect(imported.status == 0, "stderr: \(imported.stderr)")
    let report = try Executables.run(
      [Executables.coordinator, "report", directory + "/results.jsonl", "-o", directory + "/report"])
    #expect(report.status == 0, "stderr: \(report.stderr)")
    let summary = try String(contentsOfFile: directory + "/report/summary.md", encoding: .utf8)
    #expect(
      summary.contains("| 4 | nccl (nccl-tests, in-place) |") && summary.contains("nccl (nccl-tests, out-of-place)"))
  }
}

import Fitting
import Foundation
import Measurements
import Reporting

/// The report fixtures in Tests/fixtures/report (see its README): real allreduce, p2p, train and
/// failure records, synthetic train records, and the models file `dlscale fit` wrote from the
/// real ones.
enum ReportFixtures {
  static let directory: String = {
    let here = URL(fileURLWithPath: #filePath)
    return here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/report").path
  }()

  static let resultsFiles = ["allreduce.jsonl", "p2p.jsonl", "train.jsonl", "train-synthetic.jsonl", "failure.jsonl"]
    .map {
      directory + "/" + $0
    }
  static let modelsFile = directory + "/models.json"

  static func records() throws -> [Record] {
    try ResultsInput.read(paths: resultsFiles).records
  }

  static func fullReport() throws -> ScalingReport {
    ScalingReport(records: try records(), models: try ModelsFile.read(path: modelsFile))
  }

  /// The records of a fixture file under Tests/fixtures: "engines/two-engines.jsonl".
  static func records(at relative: String) throws -> [Record] {
    let root = URL(fileURLWithPath: directory).deletingLastPathComponent().path
    return try ResultsInput.read(paths: [root + "/" + relative]).records
  }

  /// Number of non-overlapping occurrences of `needle`.
  static func count(_ needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
  }
}

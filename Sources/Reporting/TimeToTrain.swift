import Fitting
import Foundation
import Measurements

/// The answer a report opens with: for every training series (one engine's model, scaling mode
/// and batch), the time to train a stated workload and the throughput, measured at the rank
/// counts that were run and predicted from models.json at those counts and beyond.
///
/// Measured rows come from the train records: samples/s, and hours = samples × epochs /
/// samples/s. Predicted rows are `dlscale predict`'s (`TrainingTimePrediction`), one rank per
/// node, at the measured rank counts and doubling up to 4× the largest, with the series' batch,
/// allreduce algorithm (when models.json fits it; else the fastest fitted), buckets and overlap
/// (`dlscale train`'s defaults for a series of one rank, as `predict`'s);
/// each carries its ± band ("n/a" when a term's error is unknown) and the block carries the
/// notes `PredictionNotes` prints above a prediction. Only dlscale's own engine is predicted:
/// the compute model in models.json is fitted to its records (`StepComputeModel.fitAll`).
public struct TimeToTrain: Sendable {
  /// How much training the hours are for.
  public struct Workload: Sendable, Equatable {
    public var samples: Double
    public var epochs: Double

    public init(samples: Double, epochs: Double) {
      self.samples = samples
      self.epochs = epochs
    }

    /// What `dlscale report` states when not told: a million samples, one epoch.
    public static let standard = Workload(samples: 1e6, epochs: 1)

    /// "1e+06 samples × 1 epoch".
    public var text: String {
      let epochText = WorkloadNumber.format(epochs)
      return "\(WorkloadNumber.format(samples)) samples × \(epochText) epoch\(epochs == 1 ? "" : "s")"
    }
  }

  /// One row: measured or predicted.
  public struct Row: Sendable {
    public var predicted: Bool
    public var nodes: Int?
    public var ranks: Int
    public var samplesPerS: Double
    public var hours: Double
    /// ± percent of the hours, predicted rows only; nil there when a term's error is unknown.
    public var errorPct: Double?
    public var stepMs: Double
    /// Where the figure comes from: the run, or the models and the setup priced.
    public var provenance: String
  }

  /// One series' rows and the lines that qualify its predictions.
  public struct Block: Sendable {
    public var title: String
    public var engine: String
    public var rows: [Row]
    public var notes: [String]
  }

  public var workload: Workload
  public var modelsGiven: Bool
  public var blocks: [Block]

  /// How far past the largest measured rank count predictions go, by doubling.
  public static let predictionReach = 4

  public init(scaling: [ScalingSeries], models: ModelsFile?, workload: Workload) {
    self.workload = workload
    modelsGiven = models != nil
    blocks = scaling.map { series in
      var block = Block(
        title: series.name, engine: series.engine,
        rows: series.points.map { point in
          Row(
            predicted: false, nodes: point.hosts, ranks: point.ranks, samplesPerS: point.samplesPerS,
            hours: workload.samples * workload.epochs / point.samplesPerS / 3600, errorPct: nil,
            stepMs: point.stepMs, provenance: "measured, run \(point.runId)")
        }, notes: [])
      guard let models else { return block }
      guard series.engine == Record.ownEngine else {
        block.notes.append(
          "\(series.engine): measured only; models.json's compute model is fitted to dlscale's own engine")
        return block
      }
      Self.addPredictions(to: &block, series: series, models: models, workload: workload)
      return block
    }
  }

  /// The rank counts predicted: the measured ones and doublings of the largest up to
  /// `predictionReach` times it.
  static func predictedCounts(measured: [Int]) -> [Int] {
    guard let largest = measured.max() else { return [] }
    var counts = Set(measured)
    var next = largest * 2
    while next <= largest * predictionReach {
      counts.insert(next)
      next *= 2
    }
    return counts.sorted()
  }

  static func addPredictions(to block: inout Block, series: ScalingSeries, models: ModelsFile, workload: Workload) {
    guard let batch = series.batch else {
      block.notes.append("no prediction: the records do not give the batch")
      return
    }
    var request = TrainingTimePrediction.Request(
      model: series.model, samples: workload.samples, epochs: workload.epochs)
    request.batch = batch
    request.strongScaling = !series.isWeak
    if let algorithm = series.algorithm, models.communication(for: algorithm) != nil { request.algorithm = algorithm }
    if let bucket = series.bucketBytes, bucket > 0 { request.bucketBytes = bucket }
    request.overlap =
      series.overlap.flatMap { IterationModel.Overlap(rawValue: $0.rawValue) }
      ?? TrainingTimePrediction.Request.trainingOverlap
    let counts = predictedCounts(measured: series.points.map(\.ranks))
    let rows: [TrainingTimePrediction.Row]
    do {
      rows = try TrainingTimePrediction(models: models).predict(request, nodes: counts)
    } catch {
      block.notes.append("no prediction: \(error)")
      return
    }
    for row in rows {
      let setup =
        row.ranks > 1
        ? "\(row.algorithm), \(ByteSize.format(row.bucketBytes)) buckets, overlap \(row.overlap)" : "one rank"
      block.rows.append(
        Row(
          predicted: true, nodes: row.nodes, ranks: row.ranks, samplesPerS: row.samplesPerS, hours: row.hours,
          errorPct: row.errorPct, stepMs: row.stepMs, provenance: "predicted from models.json (\(setup))"))
    }
    block.rows.sort { ($0.ranks, $0.predicted ? 1 : 0) < ($1.ranks, $1.predicted ? 1 : 0) }
    if request.algorithm == nil, series.algorithm != nil {
      block.notes.append(
        "models.json has no allreduce model for \(series.algorithm!): priced with the fastest fitted algorithm")
    }
    block.notes += PredictionNotes.lines(models, request: request, rows: rows)
    if let unknown = TrainingTimePrediction.unknownErrorsLine(rows) { block.notes.append(unknown) }
  }

  /// "±12.3%", "±<0.1%" for a band too narrow to print (never ±0), "n/a" when unknown, "–" for
  /// a measured row.
  public static func band(_ row: Row) -> String {
    guard row.predicted else { return "–" }
    guard let pct = row.errorPct else { return "n/a" }
    let text = String(format: "%.1f", pct)
    return text == "0.0" ? "±<0.1%" : "±\(text)%"
  }

  /// Hours with three significant digits.
  public static func hours(_ value: Double) -> String { String(format: "%.3g", value) }

  /// The block as a table: one row per measured or predicted point.
  public static func table(_ block: Block) -> ReportTable {
    ReportTable(
      title: block.title,
      headers: ["", "nodes", "ranks", "samples/s", "hours", "±", "step ms", "provenance"],
      rows: block.rows.map { row in
        [
          row.predicted ? "predicted" : "measured", row.nodes.map(String.init) ?? "–", "\(row.ranks)",
          Observations.fixed(row.samplesPerS, 1), hours(row.hours), band(row), Observations.fixed(row.stepMs, 1),
          row.provenance,
        ]
      })
  }

  /// The line under the heading: what the rows are and where they come from.
  public var lead: String {
    var text =
      "Hours to train \(workload.text) (dlscale report --samples, --epochs) and throughput, per training "
      + "series: measured rows from the train records, "
    if modelsGiven {
      text +=
        "predicted rows from models.json as dlscale predict gives them (one rank per node, at the measured rank "
        + "counts and doubling to \(Self.predictionReach)× the largest), each with its ± band (n/a: a term's error "
        + "is unknown)."
    } else {
      text += "measured rows only: no models.json given (--models), so nothing is predicted."
    }
    return text
  }
}

/// Numbers in the workload line: integers as such up to a million, larger ones as 1e6.
enum WorkloadNumber {
  static func format(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e6 { return String(Int(value)) }
    if value == value.rounded() {
      let exponent = Int(log10(abs(value)).rounded(.down))
      let mantissa = value / pow(10, Double(exponent))
      let head = mantissa == mantissa.rounded() ? String(Int(mantissa)) : String(format: "%g", mantissa)
      return "\(head)e\(exponent)"
    }
    return String(format: "%g", value)
  }
}

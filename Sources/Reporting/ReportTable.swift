import Fitting
import Foundation
import Measurements

/// A small table of findings, rendered both in the HTML page and in summary.md.
public struct ReportTable: Sendable {
  public var title: String
  public var headers: [String]
  public var rows: [[String]]
}

extension ScalingReport {
  var runTable: ReportTable {
    ReportTable(
      title: "Runs",
      headers: ["run", "records", "kinds", "ranks", "rank hosts", "first record", "last record", "source"],
      rows: metadata.runs.map { run in
        [
          run.id, "\(run.records)", run.kinds.joined(separator: ", "), run.ranks.map(String.init) ?? "–",
          RunMetadata.placement(run.rankHosts), run.first, run.last,
          run.sources.isEmpty ? "measured by dlscale" : "imported: " + run.sources.joined(separator: "; "),
        ]
      })
  }

  var allreduceTable: ReportTable {
    ReportTable(
      title: "Allreduce",
      headers: ["ranks", "algorithm", "sizes", "latency at smallest size", "peak bus bandwidth", "at size"]
        + (ceiling == nil ? [] : ["of link rate"]),
      rows: allreduce.map { series in
        let first = series.points.first!
        let last = series.points.last!
        let peak = series.points.max { $0.busbwGbps < $1.busbwGbps }!
        var row = [
          "\(series.ranks)", series.name, "\(ByteSize.format(first.bytes))–\(ByteSize.format(last.bytes))",
          "\(Observations.fixed(first.meanUs, 2)) µs", Observations.rate(peak.busbwGbps), ByteSize.format(peak.bytes),
        ]
        if let ceiling { row.append(Observations.percent(peak.busbwGbps * 1e9 / ceiling.bytesPerSecond)) }
        return row
      })
  }

  var bestAlgorithmTable: ReportTable {
    ReportTable(
      title: "Fastest algorithm by size", headers: ["ranks", "sizes", "fastest algorithm"],
      rows: observations.bestAlgorithms.map {
        [
          "\($0.ranks)",
          $0.fromBytes == $0.toBytes
            ? ByteSize.format($0.fromBytes) : "\(ByteSize.format($0.fromBytes))–\(ByteSize.format($0.toBytes))",
          $0.algorithm,
        ]
      })
  }

  var linkTable: ReportTable? {
    guard let links else { return nil }
    var rows: [[String]] = []
    let best = links.verdict()?.bestGbps
    for from in 0..<links.ranks {
      for to in 0..<links.ranks where from != to {
        guard let bandwidth = links.bandwidthGbps[from][to] else { continue }
        let latency = links.latencyUs[from][to].map { Observations.fixed($0, 2) + " µs" } ?? "–"
        let ratio = best.map { Observations.fixed(bandwidth / $0, 2) + "×" } ?? "–"
        rows.append([links.label(rank: from), links.label(rank: to), latency, Observations.rate(bandwidth), ratio])
      }
    }
    return ReportTable(
      title: "Point-to-point links (run \(links.runId))",
      headers: ["from", "to", "latency", "bandwidth", "of best link"],
      rows: rows)
  }

  var trainingTable: ReportTable {
    func ms(_ value: Double?) -> String { value.map { Observations.fixed($0, 1) } ?? "–" }
    return ReportTable(
      title: "Training",
      headers: [
        "model", "scaling", "ranks", "hosts", "step ms", "samples/s", "efficiency", "forward ms", "backward ms",
        "allreduce ms",
        "exposed comm ms", "comm CPU ms", "update ms", "compute/comm", "exposed share", "step/max alone",
      ],
      rows: scaling.flatMap { series in
        series.points.map { point -> [String] in
          let hosts: String = point.hosts.map { String($0) } ?? "–"
          return [
            series.model, series.variant, "\(point.ranks)", hosts, ms(point.stepMs),
            Observations.fixed(point.samplesPerS, 1),
            Observations.percent(point.efficiency), ms(point.forwardMs), ms(point.backwardMs), ms(point.allreduceMs),
            ms(point.exposedCommMs), ms(point.commCpuMs), ms(point.updateMs),
            point.computeToCommunication.map { Observations.fixed($0, 2) } ?? "–",
            point.exposedFraction.map(Observations.percent) ?? "–",
            point.overlapRatio.map { Observations.fixed($0, 3) } ?? "–",
          ]
        }
      })
  }

  /// The engines side by side, where more than one trained the same model, scaling mode and
  /// batch: per rank count, each engine's samples/s, efficiency and step / max(compute alone,
  /// communication alone). Nil when the records hold one engine only.
  var engineTable: ReportTable? {
    let engines = Array(Set(scaling.map(\.engine))).sorted {
      ($0 == Record.ownEngine ? "" : $0) < ($1 == Record.ownEngine ? "" : $1)
    }
    guard engines.count > 1 else { return nil }
    struct Key: Hashable {
      var model: String
      var variant: String
      var batch: Int?
    }
    var order: [Key] = []
    var byKey: [Key: [String: ScalingSeries]] = [:]
    for series in scaling {
      let key = Key(model: series.model, variant: series.scaling, batch: series.batch)
      if byKey[key] == nil { order.append(key) }
      // The first series of an engine (its first setup) stands for it.
      if byKey[key]?[series.engine] == nil { byKey[key, default: [:]][series.engine] = series }
    }
    var rows: [[String]] = []
    for key in order where byKey[key]!.count > 1 {
      let present = byKey[key]!
      let counts = Set(present.values.flatMap { $0.points.map(\.ranks) }).sorted()
      for ranks in counts {
        var row = [key.model, key.variant + (key.batch.map { ", batch \($0)" } ?? ""), "\(ranks)"]
        for engine in engines {
          let point = present[engine]?.points.first { $0.ranks == ranks }
          row += [
            point.map { Observations.fixed($0.samplesPerS, 1) } ?? "–",
            point.map { Observations.percent($0.efficiency) } ?? "–",
            point?.overlapRatio.map { Observations.fixed($0, 3) } ?? "–",
          ]
        }
        rows.append(row)
      }
    }
    return ReportTable(
      title: "Engines side by side",
      headers: ["model", "scaling", "ranks"]
        + engines.flatMap { ["\($0) samples/s", "\($0) efficiency", "\($0) step/max alone"] },
      rows: rows)
  }

  var modelTable: ReportTable? {
    guard let models, !models.communication.isEmpty || !models.scaling.isEmpty else { return nil }
    var rows: [[String]] = models.communication.map { model in
      [
        "allreduce \(model.algorithm)", model.reportParameters,
        model.mape.map { Observations.fixed($0, 1) + "%" } ?? "–",
      ]
    }
    for fit in models.scaling {
      for entry in fit.fittedLaws {
        rows.append([
          "\(fit.model) \(fit.scaling) batch \(fit.batch)" + (fit.setup.map { " (\($0))" } ?? "")
            + (fit.engine.map { " [\($0)]" } ?? "") + " \(entry.name)",
          entry.parameters, entry.mape.map { Observations.fixed($0, 1) + "%" } ?? "–",
        ])
      }
    }
    return ReportTable(
      title: "Fitted models (models.json)", headers: ["model", "parameters", "held-out MAPE"], rows: rows)
  }

  var failureTable: ReportTable {
    ReportTable(
      title: "Failures", headers: ["run", "time", "point", "reason", "exit status"],
      rows: failures.map { failure in
        [
          failure.runId, failure.timestamp,
          (failure.parameters ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
          Observations.firstErrorLine(failure.stderrTail) ?? failure.reason ?? "–",
          failure.exitStatus.map(String.init) ?? "–",
        ]
      })
  }
}

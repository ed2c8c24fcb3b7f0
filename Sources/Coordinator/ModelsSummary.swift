import Fitting
import Measurements

/// The readable summary `dlscale fit` prints: one block per kind of model, each model with its
/// held-out MAPE, then the models that could not be fitted.
enum ModelsSummary {
  static func text(_ models: ModelsFile) -> String {
    var lines: [String] = []
    func percent(_ value: Double?) -> String { value.map { format($0, 1) + " %" } ?? "n/a" }
    func signedPercent(_ fraction: Double) -> String { (fraction >= 0 ? "+" : "") + format(100 * fraction, 1) + " %" }
    if !models.communication.isEmpty {
      lines.append("Allreduce (structural α, β, γ over all rank counts; MAPE leave-one-rank-count-out)")
      for model in models.communication {
        let note = model.usesRingTerms ? "  (ring's terms)" : ""
        lines.append(
          "  \(model.algorithm.padded(to: 19))α \(format(model.alphaS * 1e6, 2)) us  β \(format(model.betaSPerByte * 1e9, 4)) ns/B"
            + " (\(model.betaSPerByte > 0 ? format(1 / model.betaSPerByte / 1e6, 1) + " MB/s" : "no per-byte cost resolved"))  γ \(format(model.gammaSPerByte * 1e9, 4)) ns/B"
            + "  ranks \(model.rankCounts.map(String.init).joined(separator: ","))  MAPE \(percent(model.mape))\(note)")
        if let pieces = model.pieces {
          let text = pieces.map { piece in
            (piece.maximumMessageBytes.map { "messages ≤ \(ByteSize.format($0))" } ?? "larger")
              + ": α \(format(piece.alphaS * 1e6, 2)) us, β \(format(piece.betaSPerByte * 1e9, 4)) ns/B"
          }
          lines.append("      by message size (used to predict): " + text.joined(separator: "; "))
        }
        for hockney in model.hockney ?? [] {
          let pieces = hockney.pieces.map { piece in
            "[\(ByteSize.format(piece.fromBytes))…\(piece.toBytes.map(ByteSize.format) ?? "∞")) "
              + "\(format(piece.latencyS * 1e6, 1)) us + \(format(piece.secondsPerByte * 1e9, 3)) ns/B"
          }
          lines.append(
            "      Hockney p=\(hockney.ranks): \(pieces.joined(separator: "  "))  MAPE \(percent(hockney.mape))")
        }
      }
    }
    for model in models.communicationWithinHost ?? [] {
      lines.append(
        "  \(model.algorithm) within one host (its one-host records, apart from those across hosts): α \(format(model.alphaS * 1e6, 2)) us  β \(format(model.betaSPerByte * 1e9, 4)) ns/B"
          + (model.betaSPerByte > 0 ? " (\(format(1 / model.betaSPerByte / 1e6, 1)) MB/s)" : "")
          + "  ranks \(model.rankCounts.map(String.init).joined(separator: ","))")
    }
    if let links = models.links {
      lines.append(
        "Links (p2p): latency \(format(links.latencyS * 1e6, 2)) us, bandwidth \(format(links.bandwidthBytesPerS / 1e6, 1)) MB/s, MAPE \(percent(links.mape))"
      )
      for link in links.links {
        lines.append(
          "  \(link.from) → \(link.to): latency \(format(link.latencyS * 1e6, 2)) us, bandwidth \(format(link.bandwidthBytesPerS / 1e6, 1)) MB/s"
        )
      }
    }
    if !models.compute.steps.isEmpty {
      lines.append("Compute per step (forward + backward = t0 + t1·batch; MAPE leave-one-batch-out)")
      for step in models.compute.steps {
        lines.append(
          "  \(step.model.padded(to: 12))t0 \(format(step.fixedMs, 2)) ms  t1 \(format(step.perSampleMs, 3)) ms/sample  update \(format(step.updateMs, 2)) ms  MAPE \(percent(step.mape))"
        )
      }
    }
    if let interference = models.interference {
      lines.append(
        "Compute slowed by hidden communication: +\(format(interference.slowdownPerHiddenMs, 3)) ms per ms hidden "
          + "(\(interference.points) overlapped records at \(interference.rankCounts.map(String.init).joined(separator: ", ")) ranks; "
          + "MAPE leave-one-rank-count-out \(percent(interference.mape)))")
    }
    if let cpu = models.communicationCpu {
      lines.append(
        "Communication's CPU: \(format(cpu.cpuSPerByte * 1e9, 3)) ns per byte sent (\(cpu.points) records on \(cpu.measuredOn); "
          + "MAPE leave-one-configuration-out \(percent(cpu.mape)))")
    }
    if let kernels = models.compute.kernels {
      lines.append("Compute per kernel (\(kernels.samples) kernels; MAPE leave-one-model-out)")
      lines.append(
        "  SVR (RBF on log time ÷ per-op law, C \(format(kernels.cost, 2)), γ \(format(kernels.regression.gamma, 3)), ε \(format(kernels.epsilon, 2)))  per layer MAPE \(percent(kernels.regressionMape)), summed step MAPE \(percent(kernels.stepMape))"
      )
      lines.append(
        "  roofline peak \(format(kernels.roofline.peakFlopsPerS / 1e9, 2)) GFLOP/s, bandwidth \(format(kernels.roofline.bandwidthBytesPerS / 1e9, 2)) GB/s  per layer MAPE \(percent(kernels.rooflineMape)), summed step MAPE \(percent(kernels.rooflineStepMape))"
      )
      for row in kernels.heldOut {
        lines.append(
          "    held out \(row.model.padded(to: 11))batch \(String(row.batch).padded(to: 3))\(String(row.kernels).padded(to: 4))kernels  per layer SVR \(percent(row.regressionMape)), roofline \(percent(row.rooflineMape));  step \(format(row.measuredMs, 2)) ms, SVR \(signedPercent(row.stepError)), roofline \(signedPercent(row.rooflineStepError))"
        )
      }
    }
    if !models.scaling.isEmpty {
      lines.append("Scaling (throughput vs ranks; MAPE leave-one-rank-count-out)")
      for fit in models.scaling {
        var parts: [String] = []
        if let amdahl = fit.amdahl {
          parts.append("Amdahl s \(format(amdahl.serialFraction, 4)) (\(percent(fit.amdahlMape)))")
        }
        if let gustafson = fit.gustafson {
          parts.append("Gustafson s \(format(gustafson.serialFraction, 4)) (\(percent(fit.gustafsonMape)))")
        }
        if let usl = fit.usl {
          parts.append("USL σ \(format(usl.sigma, 4)) κ \(format(usl.kappa, 5)) (\(percent(fit.uslMape)))")
        }
        let setup = fit.setup.map { " (\($0))" } ?? ""
        // A multi-rank setup names its engine first ("pytorch, gloo, ..."); a 1-rank one does not.
        let engine = fit.engine.map { fit.setup?.hasPrefix("\($0),") == true ? "" : " [\($0)]" } ?? ""
        lines.append(
          "  \(fit.model) \(fit.scaling) batch \(fit.batch)\(setup)\(engine): " + parts.joined(separator: "  "))
        let karpFlatt = fit.karpFlatt.map { "p=\($0.ranks) \(format($0.serialFraction, 3))" }
        lines.append("      Karp–Flatt e: " + karpFlatt.joined(separator: ", "))
      }
    }
    if !models.problems.isEmpty {
      lines.append("Not fitted:")
      lines += models.problems.map { "  \($0)" }
    }
    return lines.joined(separator: "\n")
  }

  static func format(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    if text.contains("e") { return text }
    if let dot = text.firstIndex(of: ".") {
      let decimals = text.distance(from: dot, to: text.endIndex) - 1
      if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    } else if digits > 0 {
      text += "." + String(repeating: "0", count: digits)
    }
    return text
  }
}

extension String {
  fileprivate func padded(to width: Int) -> String {
    count >= width ? self + " " : self + String(repeating: " ", count: width - count)
  }
}

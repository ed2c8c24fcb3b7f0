import Measurements

/// Fits every model the records have data for; what cannot be fitted is listed in the result's
/// `problems`, one line each, and the rest is still fitted.
///
/// Train records of other engines than dlscale's own (`Record.engineName`, e.g. PyTorch DDP)
/// get scaling fits of their own, one curve per engine, but do not enter the compute model or κ
/// (`StepComputeModel.fitAll`, `CommunicationInterference.fit` skip them): those describe
/// dlscale's engine, the one `predict` prices.
public enum ModelFitter {
  public static func fit(
    _ records: [Record], breakpoint: HockneyModel.Breakpoint = .eagerLimit
  ) -> ModelsFile {
    var file = ModelsFile()
    file.provenance = MeasurementProvenance.of(records)
    // An algorithm measured both across hosts and on one host (nccl-tests on one node and on
    // two): the records across hosts fit its model, the network's; those of one host a model
    // of the link within a node (`communicationWithinHost`), never one line through both.
    let all = CollectiveTiming.from(records)
    let across = Set(all.filter { !$0.onOneHost }.map(\.algorithm))
    let timings = all.filter { !$0.onOneHost || !across.contains($0.algorithm) }
    let oneHost = all.filter { $0.onOneHost && across.contains($0.algorithm) && $0.ranks > 1 }
    if !oneHost.isEmpty {
      let (models, errors) = StructuralCollectiveModel.fitAll(oneHost)
      file.communicationWithinHost = models
      file.problems += errors.map { "within one host: \($0)" }
    }
    if !timings.isEmpty {
      let (models, errors) = StructuralCollectiveModel.fitAll(timings)
      file.problems += errors.map(\.description)
      file.communication = models.map { model in
        var model = model
        var hockney: [HockneyModel] = []
        let own = timings.filter { $0.algorithm == model.algorithm }
        for ranks in Set(own.map(\.ranks)).sorted() where ranks > 1 {
          do { hockney.append(try HockneyModel.fit(own.filter { $0.ranks == ranks }, breakpoint: breakpoint)) } catch {
            file.problems.append("\(error)")
          }
        }
        model.hockney = hockney
        return model
      }
    }
    if records.contains(where: { $0.kind == .p2p }) {
      do { file.links = try LinkModel.fit(records) } catch { file.problems.append("\(error)") }
    }
    if records.contains(where: { $0.kind == .train }) {
      let (steps, errors) = StepComputeModel.fitAll(records)
      file.compute.steps = steps
      file.problems += errors.map(\.description)
      do { file.interference = try CommunicationInterference.fit(records, steps: steps) } catch {
        file.problems.append("\(error)")
      }
      do { file.communicationCpu = try CommunicationCPUCost.fit(records) } catch { file.problems.append("\(error)") }
      for curve in ScalingPoint.curves(from: records) {
        do { file.scaling.append(try ScalingFit.fit(curve)) } catch { file.problems.append("\(error)") }
      }
      file.problems += file.scaling.flatMap(\.problems)
    }
    let kernels = KernelSample.from(records)
    if !kernels.isEmpty {
      do { file.compute.kernels = try KernelTimeModel.fit(kernels) } catch { file.problems.append("\(error)") }
    }
    return file
  }
}

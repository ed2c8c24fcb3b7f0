import Foundation
import TestSupport
import Testing

@testable import Reporting

@Test func modelsFileIsReadLooselyAndUnknownPartsAreIgnored() throws {
  let document = try ModelsDocument.read(path: ReportFixtures.modelsFile)
  #expect(document.communication.map(\.algorithm) == ["mpi"])
  #expect(document.linkBandwidthBytesPerS == 1.2e9)
  #expect(document.scaling.count == 3)
  let weak = try #require(document.scalingFit(model: "resnet50", scaling: "weak"))
  #expect(weak.laws.map(\.law.name) == ["Gustafson", "USL"])
  #expect(weak.predictions.count == 4)
  let strong = try #require(document.scalingFit(model: "vgg16", scaling: "strong"))
  #expect(strong.laws.map(\.law.name) == ["Amdahl"])
  // error_percent 10 around 88 samples/s gives 79.2 ... 96.8.
  let band = try #require(strong.predictions.first)
  #expect(abs(band.low! - 79.2) < 1e-9 && abs(band.high! - 96.8) < 1e-9)
  #expect(document.scalingFit(model: "resnet50", scaling: "strong")?.laws.isEmpty == true)
}

@Test func aModelsFileWithNothingWeKnowIsEmptyNotAnError() throws {
  let directory = try Executables.temporaryDirectory()
  let path = directory + "/models.json"
  try #"{"version": 3, "communication": "later"}"#.write(toFile: path, atomically: true, encoding: .utf8)
  let document = try ModelsDocument.read(path: path)
  #expect(document.communication.isEmpty && document.scaling.isEmpty && document.linkBandwidthBytesPerS == nil)
  try "not json".write(toFile: path, atomically: true, encoding: .utf8)
  #expect(throws: ModelsDocument.Problem.self) { try ModelsDocument.read(path: path) }
}

@Test func structuralCostTermsMatchTheDesignFormulas() {
  let (alpha, beta, gamma) = (2e-6, 1e-9, 0.25e-9)
  let n = 1 << 20
  let p = 8.0
  let expected: [String: Double] = [
    "ring": 2 * (p - 1) * alpha + 2 * (p - 1) / p * Double(n) * beta + (p - 1) / p * Double(n) * gamma,
    "recursive-doubling": 3 * (alpha + Double(n) * beta + Double(n) * gamma),
    "rabenseifner": 2 * 3 * alpha + 2 * (p - 1) / p * Double(n) * beta + (p - 1) / p * Double(n) * gamma,
    "binomial": 2 * 3 * alpha + 2 * Double(n) * 3 * beta + Double(n) * 3 * gamma,
    "mpi": 2 * (p - 1) * alpha + 2 * (p - 1) / p * Double(n) * beta + (p - 1) / p * Double(n) * gamma,
  ]
  for (algorithm, seconds) in expected {
    let model = CommunicationModel(algorithm: algorithm, alphaS: alpha, betaSPerByte: beta, gammaSPerByte: gamma)
    let predicted = model.seconds(ranks: 8, bytes: n)
    #expect(abs(predicted - seconds) <= seconds * 1e-14, "\(algorithm): \(predicted) vs \(seconds)")
  }
}

@Test func scalingLawsHaveUnitEfficiencyAtOneRankAndTheirTextbookValues() {
  let laws: [(ScalingFit.Law, Double)] = [
    (.amdahl(serialFraction: 0.1), 1 / (0.1 + 0.9 / 8) / 8),
    (.gustafson(serialFraction: 0.1), (8 - 0.1 * 7) / 8),
    (.universalScalability(sigma: 0.05, kappa: 0.001), 1 / (1 + 0.05 * 7 + 0.001 * 56)),
  ]
  for (law, atEight) in laws {
    #expect(abs(law.efficiency(ranks: 1) - 1) < 1e-15, "\(law.name)")
    #expect(abs(law.efficiency(ranks: 8) - atEight) < 1e-15, "\(law.name)")
  }
}

@Test func piecewiseHockneyModelsAreUsedAtTheirRankCount() throws {
  let directory = try Executables.temporaryDirectory()
  let path = directory + "/models.json"
  try #"""
  {"hockney": [{"algorithm": "ring", "ranks": 4, "mape": 7,
                "pieces": [{"from_bytes": 0, "to_bytes": 65536, "latency_s": 1e-5, "seconds_per_byte": 1e-9},
                           {"from_bytes": 65536, "latency_s": 5e-5, "seconds_per_byte": 4e-10}]}],
   "communication": [{"algorithm": "ring", "alpha_s": 1e-6, "beta_s_per_byte": 1e-9}]}
  """#.write(toFile: path, atomically: true, encoding: .utf8)
  let document = try ModelsDocument.read(path: path)
  let atFour = try #require(document.communicationModel(algorithm: "ring", ranks: 4))
  #expect(atFour.pieces.count == 2)
  // Below the eager limit the first line, above it the second.
  #expect(abs(atFour.seconds(ranks: 4, bytes: 1024) - (1e-5 + 1024e-9)) < 1e-18)
  #expect(abs(atFour.seconds(ranks: 4, bytes: 1 << 20) - (5e-5 + Double(1 << 20) * 4e-10)) < 1e-17)
  // Other rank counts fall back to the structural model.
  let atEight = try #require(document.communicationModel(algorithm: "ring", ranks: 8))
  #expect(atEight.pieces.isEmpty)
}

/// A measured series is drawn with the fit of its own batch and setup, or with a fit that names
/// neither (a file written before fits named them); never with another batch's fit.
@Test func aSeriesFindsTheFitOfItsBatchAndSetup() throws {
  let on = "ring, 4MiB buckets, overlap on"
  var document = ModelsDocument()
  document.scaling = [
    ScalingFit(model: "resnet50", scaling: "weak", batch: 2, setup: on, laws: [(.amdahl(serialFraction: 0.5), nil)]),
    ScalingFit(model: "resnet50", scaling: "weak", batch: 12, setup: on, laws: [(.amdahl(serialFraction: 0.1), nil)]),
  ]
  func series(batch: Int, setup: String) -> ScalingSeries {
    ScalingSeries(
      model: "resnet50", scaling: "weak", batch: batch, setup: setup, variant: "weak", baselineRanks: 1, points: [])
  }
  #expect(document.scalingFit(for: series(batch: 12, setup: on))?.batch == 12)
  #expect(document.scalingFit(for: series(batch: 2, setup: on))?.batch == 2)
  #expect(document.scalingFit(for: series(batch: 12, setup: "ring, 4MiB buckets, overlap forward")) == nil)
  #expect(document.scalingFit(for: series(batch: 16, setup: on)) == nil)
  document.scaling = [ScalingFit(model: "resnet50", scaling: "weak", laws: [])]
  #expect(document.scalingFit(for: series(batch: 16, setup: on)) != nil)
}

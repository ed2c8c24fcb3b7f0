import Foundation
import Measurements
import TestSupport
import Testing

@testable import Reporting

@Test func everyChartOfTheFullReportIsPresentAndHasData() throws {
  let report = try ReportFixtures.fullReport()
  let html = report.htmlPage()
  let expectedCharts = [
    "allreduce-latency-2", "allreduce-busbw-2", "allreduce-latency-4", "allreduce-busbw-4", "p2p-bandwidth",
    "p2p-latency",
    "throughput-resnet50", "efficiency-resnet50", "breakdown-resnet50", "throughput-vgg16", "efficiency-vgg16",
    "breakdown-vgg16", "throughput-sensornet", "efficiency-sensornet", "breakdown-sensornet",
    "predicted-allreduce", "predicted-training",
  ]
  let charts = report.allreduceCharts + report.linkCharts + report.scalingCharts + report.predictionCharts
  #expect(charts.map(\.id).sorted() == expectedCharts.sorted())
  for chart in charts {
    #expect(html.contains("id=\"\(chart.id)\""), "\(chart.id) is on the page")
    let dataElements = ReportFixtures.count("class=\"data\"", in: chart.svg)
    #expect(dataElements >= 2, "\(chart.id) has only \(dataElements) data elements")
    #expect(chart.svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
  }
  // The fitted model is drawn (dashed), the link rate from models.json is the ceiling line.
  let models = try #require(report.models)
  let mape = try #require(models.communication(for: "mpi")?.mape)
  #expect(
    charts.first { $0.id == "allreduce-latency-4" }?.svg.contains("mpi model (MAPE \(Int(mape.rounded()))%)") == true)
  let rate = try #require(models.links?.bandwidthBytesPerS)
  #expect(
    charts.first { $0.id == "allreduce-busbw-4" }?.svg.contains("link rate \(DataRate(bytesPerSecond: rate).bytesText)")
      == true)
}

@Test func thePageIsSelfContained() throws {
  let html = try ReportFixtures.fullReport().htmlPage()
  let withoutNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
  #expect(!withoutNamespace.contains("http://"))
  #expect(!withoutNamespace.contains("https://"))
  #expect(!html.lowercased().contains("<script"))
  #expect(!html.contains("<link"))
  #expect(!html.contains("<img"))
  #expect(!html.contains("@import") && !html.contains("url("))
  #expect(html.hasPrefix("<!DOCTYPE html>"))
}

@Test func hostNamesFromTheRecordsAreEscapedEverywhere() throws {
  let hostile = "<script>alert(1)</script>"
  var records = try ReportFixtures.records().map { record -> Record in
    var record = record
    if record.rankHosts != nil { record.rankHosts![record.rankHosts!.count - 1] = hostile }
    return record
  }
  var failure = Record(kind: .failure, runId: "run<b>", timestamp: "2026-11-27T14:00:00.000Z")
  failure.reason = "exit & <i>status</i>"
  records.append(failure)
  let report = ScalingReport(records: records)
  let html = report.htmlPage()
  #expect(!html.contains(hostile))
  #expect(!html.contains("<b>") && !html.contains("<i>"))
  #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the host is shown, escaped")
  #expect(!html.lowercased().contains("<script"))
  let markdown = report.markdownSummary()
  #expect(!markdown.contains(hostile))
  #expect(markdown.contains("&lt;script&gt;"))
}

@Test func summaryHasTheFindingsAsTables() throws {
  let summary = try ReportFixtures.fullReport().markdownSummary()
  for heading in [
    "## Time to train: 1e6 samples × 1 epoch", "## Findings", "## Allreduce", "## Point-to-point links", "## Training",
    "## Fitted models", "## Predicted vs measured: training", "## Failures", "## Runs",
  ] {
    #expect(summary.contains(heading), "missing \(heading)")
  }
  #expect(summary.contains("**Interconnect-bound**: vgg16 (strong) is interconnect-bound from 2 ranks"))
  #expect(summary.contains("algorithm 'ring' is not available"), "the failure is listed")
  let tableLines = summary.split(separator: "\n").filter { $0.hasPrefix("|") }
  #expect(tableLines.count > 30)
}

@Test func reportWithOnlyOneKindLeavesTheOtherSectionsOut() throws {
  let records = try ResultsInput.read(paths: [ReportFixtures.directory + "/p2p.jsonl"]).records
  let report = ScalingReport(records: records)
  let html = report.htmlPage()
  #expect(html.contains("id=\"p2p-bandwidth\""))
  #expect(!html.contains("id=\"allreduce\"") && !html.contains("id=\"training\""))
  let directory = try Executables.temporaryDirectory()
  let written = try report.write(to: directory + "/out")
  #expect(written.map { ($0 as NSString).lastPathComponent }.sorted() == ["index.html", "p2p.csv", "summary.md"])
}

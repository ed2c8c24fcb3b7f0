import Foundation
import Measurements

/// The table `dlscale kernels` prints: a title, a header and one row per kernel record.
public enum KernelTable {
  public static func title(threads: Int, batch: Int) -> String {
    "OpenBLAS kernels: \(BLAS.coreName), \(threads) thread(s), batch \(batch)"
  }

  public static var header: String { row("op", "pass", "median µs", "GFLOP/s", "shape") }

  public static func row(_ record: Record) -> String {
    row(
      record.op ?? "", record.pass ?? "", String(format: "%.1f", record.timeUs?.median ?? 0),
      String(format: "%.2f", record.gflops ?? 0), record.shape ?? "")
  }

  private static func row(_ op: String, _ pass: String, _ time: String, _ rate: String, _ shape: String) -> String {
    func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
      let space = String(repeating: " ", count: max(0, width - text.count))
      return right ? space + text : text + space
    }
    return "\(pad(op, 8)) \(pad(pass, 9)) \(pad(time, 12, right: true)) \(pad(rate, 9, right: true))  \(shape)"
  }
}

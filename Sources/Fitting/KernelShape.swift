import Foundation

/// The dimensions of a kernel's shape text, in either of the two forms kernel records use:
///
/// - `key=value` items separated by spaces or commas (`n=8 c=64 h=56 w=56 k=3 s=1 o=64`), keys
///   lower-cased, malformed items skipped;
/// - the description `dlscale kernels` writes (`KernelCase.shapeDescription`):
///   `8×[64×56×56 + 32×56×56] k3×3 s1×1 p1×1 g1 → 96×56×56`, read as n (batch), c (input
///   channels, summed over the inputs), h and w (first input), `inputs`, k and kw (kernel height
///   and width, or the window of a pooling or local response norm), s (stride), p (padding), g
///   (groups), and o, oh, ow
///   (output channels, height and width).
///
/// Only positive finite values are kept; missing keys are for the reader to default.
public enum KernelShape {
  public static func dimensions(_ text: String) -> [String: Double] {
    text.contains("×[") ? describedDimensions(text) : keyValueDimensions(text)
  }

  static func keyValueDimensions(_ text: String) -> [String: Double] {
    var result: [String: Double] = [:]
    for item in text.split(whereSeparator: { $0 == " " || $0 == "," }) {
      let parts = item.split(separator: "=", maxSplits: 1)
      guard parts.count == 2, let value = Double(parts[1]), value.isFinite, value > 0 else { continue }
      result[parts[0].lowercased()] = value
    }
    return result
  }

  static func describedDimensions(_ text: String) -> [String: Double] {
    var result: [String: Double] = [:]
    func keep(_ key: String, _ value: Double?) {
      if let value, value.isFinite, value > 0 { result[key] = value }
    }
    /// `64×56×56` as (channels, height, width).
    func volume(_ part: Substring) -> [Double]? {
      let values = part.split(separator: "×").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
      return values.count == 3 ? values : nil
    }
    guard let open = text.range(of: "×["), let close = text.range(of: "]", range: open.upperBound..<text.endIndex)
    else { return result }
    keep("n", Double(text[..<open.lowerBound].trimmingCharacters(in: .whitespaces)))
    let inputs = text[open.upperBound..<close.lowerBound].split(separator: "+").compactMap(volume)
    if let first = inputs.first {
      keep("c", inputs.map { $0[0] }.reduce(0, +))
      keep("h", first[1])
      keep("w", first[2])
      keep("inputs", Double(inputs.count))
    }
    let rest = text[close.upperBound...]
    let arrow = rest.range(of: "→")
    if let arrow, let output = volume(rest[arrow.upperBound...]) {
      keep("o", output[0])
      keep("oh", output[1])
      keep("ow", output[2])
    }
    for item in rest[..<(arrow?.lowerBound ?? rest.endIndex)].split(separator: " ") {
      guard let letter = item.first, let value = Double(item.dropFirst().prefix { $0 != "×" }) else { continue }
      let second = item.split(separator: "×").dropFirst().first.flatMap { Double($0) }
      switch letter {
      case "k", "n":
        keep("k", value)
        keep("kw", second ?? value)
      case "s": keep("s", value)
      case "p": keep("p", value)
      case "g": keep("g", value)
      default: continue
      }
    }
    return result
  }
}

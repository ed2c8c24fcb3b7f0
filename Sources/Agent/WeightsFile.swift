import Foundation
import Kernels

/// Final weights as raw little-endian float32 in the model's parameter order, with a JSON
/// sidecar (`FILE.json`) naming each tensor, its shape and its offset in elements.
enum WeightsFile {
  struct Entry: Codable {
    var name: String
    var shape: [Int]
    var offset: Int
    var count: Int
  }

  struct Sidecar: Codable {
    var model: String
    var dtype = "float32-le"
    var tensors: [Entry]
  }

  static func write(_ parameters: [Parameter], model: String, to path: String) throws {
    var data = Data()
    var entries: [Entry] = []
    var offset = 0
    for parameter in parameters {
      let count = parameter.value.count
      let buffer = UnsafeBufferPointer(start: parameter.value.pointer, count: count)
      for value in buffer { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
      entries.append(Entry(name: parameter.name, shape: parameter.dimensions, offset: offset, count: count))
      offset += count
    }
    do {
      try data.write(to: URL(fileURLWithPath: path))
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      try encoder.encode(Sidecar(model: model, tensors: entries)).write(to: URL(fileURLWithPath: path + ".json"))
    } catch {
      throw AgentError("cannot write weights to \(path): \(error.localizedDescription)")
    }
  }
}

/// A 64-bit FNV-1a digest of tensors' bytes: equal digests on every rank mean (barring a
/// collision) bitwise identical weights.
enum WeightsDigest {
  static func of(_ tensors: [Tensor]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for tensor in tensors {
      let bytes = UnsafeRawBufferPointer(start: tensor.pointer, count: tensor.count * MemoryLayout<Float>.stride)
      for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01b3
      }
    }
    return String(hash, radix: 16)
  }
}

import Foundation

/// An OpenMPI hostfile: one host per line, `name [slots=N] [max_slots=N]`, `#` comments.
struct Hostfile: Equatable {
  struct Host: Equatable {
    var name: String
    var slots: Int
  }

  var path: String
  var hosts: [Host]

  var totalSlots: Int { hosts.reduce(0) { $0 + $1.slots } }

  struct ParseError: Error, CustomStringConvertible {
    var description: String
  }

  /// Reads and checks a hostfile; a host without `slots=` gets `defaultSlots`.
  static func load(path: String, defaultSlots: Int = 1) throws -> Hostfile {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ParseError(description: "cannot read hostfile \(path)")
    }
    guard let text = String(data: data, encoding: .utf8), !data.contains(0) else {
      throw ParseError(description: "hostfile \(path) is not a text file")
    }
    return try parse(text, path: path, defaultSlots: defaultSlots)
  }

  static func parse(_ text: String, path: String, defaultSlots: Int = 1) throws -> Hostfile {
    var hosts: [Host] = []
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
      guard let first = words.first else { continue }
      let location = "\(path):\(index + 1)"
      let name = String(first)
      guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-:".contains($0)) }) else {
        throw ParseError(description: "\(location): '\(name)' is not a host name")
      }
      var slots = defaultSlots
      for word in words.dropFirst() {
        let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, ["slots", "max_slots", "max-slots"].contains(parts[0]) else {
          throw ParseError(description: "\(location): unexpected '\(word)' (expected slots=N or max_slots=N)")
        }
        guard let value = Int(parts[1]), value > 0 else {
          throw ParseError(description: "\(location): \(parts[0]) must be a positive integer, got '\(parts[1])'")
        }
        if parts[0] == "slots" { slots = value }
      }
      if let existing = hosts.firstIndex(where: { $0.name == name }) {
        hosts[existing].slots += slots
      } else {
        hosts.append(Host(name: name, slots: slots))
      }
    }
    guard !hosts.isEmpty else { throw ParseError(description: "hostfile \(path) names no hosts") }
    return Hostfile(path: path, hosts: hosts)
  }
}

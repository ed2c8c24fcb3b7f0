import Foundation
import Measurements

/// The records a report is made of, read from one or more results files, and the warnings a
/// reader should see (a torn last line from a crash, a malformed line).
public struct ResultsInput: Sendable {
  public var records: [Record]
  /// One line per file that had unreadable lines.
  public var warnings: [String]

  public init(records: [Record], warnings: [String] = []) {
    self.records = records
    self.warnings = warnings
  }

  /// Why results could not be used; the description is the one line a user sees.
  public struct Problem: Error, CustomStringConvertible, Equatable {
    public var description: String
  }

  /// Reads every file. A missing, unreadable, binary, empty or newer-schema file is an error,
  /// as is a set of files holding no records at all; unreadable lines are only warnings.
  public static func read(paths: [String]) throws(Problem) -> ResultsInput {
    guard !paths.isEmpty else { throw Problem(description: "no results files given") }
    var input = ResultsInput(records: [])
    for path in paths {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw Problem(description: "cannot read \(path): no such file")
      }
      if isDirectory.boolValue { throw Problem(description: "\(path) is a directory, not a results file") }
      let contents: ResultsFile.Contents
      do {
        contents = try ResultsFile(path: path).read()
      } catch {
        throw Problem(description: "\(error)")
      }
      if !contents.problems.isEmpty, let version = newerSchema(in: path) {
        throw Problem(
          description:
            "\(path): record schema \(version) is newer than this dlscale understands (\(Record.currentSchema))")
      }
      if contents.records.isEmpty && contents.problems.isEmpty {
        throw Problem(description: "\(path) is empty: no records to report")
      }
      if contents.records.isEmpty {
        throw Problem(
          description: "\(path) is not a results file: none of its \(contents.problems.count) lines is a record")
      }
      if let first = contents.problems.first {
        let more = contents.problems.count > 1 ? " (and \(contents.problems.count - 1) more unreadable lines)" : ""
        input.warnings.append("warning: \(first)\(more)")
      }
      input.records += contents.records
    }
    return input
  }

  /// The schema of a line written by a newer dlscale, if any: such a line may not decode as
  /// today's `Record` at all, and must not pass for a torn line.
  static func newerSchema(in path: String) -> Int? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    for line in data.split(separator: UInt8(ascii: "\n")) {
      guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
        let schema = object["schema"] as? Int, schema > Record.currentSchema
      else { continue }
      return schema
    }
    return nil
  }
}

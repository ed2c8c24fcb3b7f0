import Foundation

/// Writes a report directory: index.html, summary.md and one CSV per record kind.
extension ScalingReport {
  public struct WriteError: Error, CustomStringConvertible {
    public var description: String
  }

  /// Creates `directory` if needed and writes the files; returns the paths written.
  @discardableResult
  public func write(to directory: String) throws(WriteError) -> [String] {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
      throw WriteError(description: "\(directory) exists and is not a directory")
    }
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw WriteError(description: "cannot create directory \(directory): \(error.localizedDescription)")
    }
    var files = [("index.html", htmlPage()), ("summary.md", markdownSummary())]
    files += CSVTables.tables(for: records).map { ($0.name, $0.contents) }
    var written: [String] = []
    for (name, contents) in files {
      let path = (directory as NSString).appendingPathComponent(name)
      do {
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
      } catch {
        throw WriteError(description: "cannot write \(path): \(error.localizedDescription)")
      }
      written.append(path)
    }
    return written
  }
}

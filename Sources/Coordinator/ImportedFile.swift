import Foundation

/// One file given to `dlscale import`: its path as given, its SHA-256 digest and its lines,
/// numbered from 1 as an editor shows them.
struct ImportedFile: Sendable {
  var path: String
  var digest: String
  var lines: [(number: Int, text: String)]

  /// The name records carry (the last path component: where the file lived is not a property
  /// of the measurements).
  var name: String { (path as NSString).lastPathComponent }

  /// A file of `text`, whose digest is that of `bytes` (by default the text's UTF-8).
  init(path: String, text: String, bytes: [UInt8]? = nil) {
    self.path = path
    digest = ImportDigest.sha256(bytes ?? Array(text.utf8))
    lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
      (index + 1, String(line.hasSuffix("\r") ? line.dropLast() : line))
    }
  }

  /// Reads `path`; a missing, unreadable, binary or non-UTF-8 file is an `ImportError`.
  static func read(_ path: String) throws(ImportError) -> ImportedFile {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ImportError(path, "cannot read: no such file or not readable")
    }
    if data.contains(0) { throw ImportError(path, "binary data, not a text output") }
    guard let text = String(data: data, encoding: .utf8) else { throw ImportError(path, "not UTF-8 text") }
    return ImportedFile(path: path, text: text, bytes: Array(data))
  }

  /// An error at `line` of this file.
  func error(line: Int, _ reason: String) -> ImportError { ImportError(path, line: line, reason) }

  /// An error about the file as a whole.
  func error(_ reason: String) -> ImportError { ImportError(path, reason) }
}

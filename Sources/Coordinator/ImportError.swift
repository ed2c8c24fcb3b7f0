/// Why a file could not be imported, as `FILE:LINE: why` (or `FILE: why` for the file as a
/// whole): the one line `dlscale import` prints before it exits without writing anything.
struct ImportError: Error, CustomStringConvertible, Equatable {
  var file: String
  var line: Int?
  var reason: String

  init(_ file: String, line: Int? = nil, _ reason: String) {
    self.file = file
    self.line = line
    self.reason = reason
  }

  var description: String { line.map { "\(file):\($0): \(reason)" } ?? "\(file): \(reason)" }
}

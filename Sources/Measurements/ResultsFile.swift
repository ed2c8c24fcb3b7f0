import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A results file: JSON lines, appended one record at a time and fsync'd, so a crash loses at
/// most the line being written and never an earlier one.
public struct ResultsFile: Sendable {
  public let path: String

  public struct IOError: Error, CustomStringConvertible {
    public var description: String
  }

  public init(path: String) {
    self.path = path
  }

  /// Creates the parent directory and checks the file can be opened for appending.
  public func prepare() throws {
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty {
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      } catch {
        throw IOError(description: "cannot create directory \(directory): \(error.localizedDescription)")
      }
    }
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw IOError(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
    close(fd)
  }

  /// Appends records as lines in one write, then fsyncs. A file whose last line was torn by a
  /// crash gets a newline first so the new records start on lines of their own.
  public func append(_ records: [Record]) throws {
    guard !records.isEmpty else { return }
    var text = ""
    for record in records { text += try record.jsonLine() + "\n" }
    let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw IOError(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let end = lseek(fd, 0, SEEK_END)
    if end > 0 {
      var last: UInt8 = 0
      if pread(fd, &last, 1, end - 1) == 1 && last != UInt8(ascii: "\n") { text = "\n" + text }
    }
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
      let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        throw IOError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
      }
      written += n
    }
    guard fsync(fd) == 0 else { throw IOError(description: "fsync \(path): \(String(cString: strerror(errno)))") }
  }

  public func append(_ record: Record) throws { try append([record]) }

  /// What a read found: the records, and one message per line that could not be used.
  public struct Contents: Sendable {
    public var records: [Record]
    public var problems: [String]
  }

  /// Reads every record. A torn or malformed line is reported in `problems` and skipped; a file
  /// that is missing, unreadable or binary throws.
  public func read() throws -> Contents {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw IOError(description: "cannot read \(path): no such file or not readable")
    }
    if data.contains(0) { throw IOError(description: "\(path) is not a results file (binary data)") }
    guard let text = String(data: data, encoding: .utf8) else {
      throw IOError(description: "\(path) is not a results file (not UTF-8)")
    }
    var contents = Contents(records: [], problems: [])
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      do {
        contents.records.append(try Record.decode(line: trimmed))
      } catch let error as RecordError {
        throw IOError(description: "\(path):\(index + 1): \(error)")
      } catch {
        contents.problems.append("\(path):\(index + 1): unreadable record, ignored (torn or malformed line)")
      }
    }
    return contents
  }
}

extension ResultsFile {
  /// An exclusive lock on a results file (`flock` on `<path>.lock`), so that two sweeps cannot
  /// interleave their records. Released when the value is dropped or the process dies.
  public final class Lock {
    private let fd: Int32

    fileprivate init(fd: Int32) { self.fd = fd }

    deinit {
      flock(fd, LOCK_UN)
      close(fd)
    }
  }

  /// Takes the lock or throws at once if another process holds it.
  public func lock() throws -> Lock {
    let lockPath = path + ".lock"
    let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw IOError(description: "cannot create \(lockPath): \(String(cString: strerror(errno)))") }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      close(fd)
      throw IOError(description: "\(path) is in use by another dlscale process (lock \(lockPath))")
    }
    return Lock(fd: fd)
  }
}

import Testing

@testable import Measurements

@Test(arguments: [
  ("8", 8), ("4K", 4096), ("4KiB", 4096), ("1M", 1 << 20), ("1MiB", 1 << 20), ("1G", 1 << 30), ("64mib", 64 << 20),
  ("0", 0), ("16B", 16),
])
func parsesOneSize(text: String, bytes: Int) throws {
  #expect(try ByteSize.parse(text) == bytes)
}

@Test(arguments: ["12Q", "", "K", "-4", "1.5M", "99999999999999999999", "9223372036854775807G", "4KiBB"])
func rejectsBadSize(text: String) {
  #expect(throws: ByteSize.ParseError.self) { try ByteSize.parse(text) }
}

@Test func parsesDoublingRangeAndList() throws {
  #expect(try ByteSize.parseList("8:64") == [8, 16, 32, 64])
  #expect(try ByteSize.parseList("8:100") == [8, 16, 32, 64])
  #expect(try ByteSize.parseList("0:4") == [0, 1, 2, 4])
  #expect(try ByteSize.parseList("1K,4,1M") == [1024, 4, 1 << 20])
  #expect(try ByteSize.parseList("1M:1M") == [1 << 20])
  #expect(throws: ByteSize.ParseError.self) { try ByteSize.parseList("64:8") }
  #expect(throws: ByteSize.ParseError.self) { try ByteSize.parseList("1:2:3") }
  #expect(throws: ByteSize.ParseError.self) { try ByteSize.parseList("8,,16") }
}

@Test func formatsSizes() {
  #expect(ByteSize.format(8) == "8B")
  #expect(ByteSize.format(65536) == "64KiB")
  #expect(ByteSize.format(3 << 20) == "3MiB")
  #expect(ByteSize.format(1000) == "1000B")
}

import Foundation
import Reporting
import TestSupport
import Testing

/// The report rendered by a real browser (headless Chromium): the DOM it parses holds every
/// chart, and its screenshot is a page of many colours, not a blank one. Skipped, with the
/// reason shown, where Chromium or python3 (which decodes the PNG) is not installed.
enum Browser {
  static let chromium: String? = ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap(onPath).first
  static let python: String? = onPath("python3")
  static var available: Bool { chromium != nil && python != nil }

  static func onPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Headless flags: as root Chromium needs --no-sandbox; no GPU on a server; a throwaway profile.
  static func arguments(profile: String) -> [String] {
    [
      "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
      "--user-data-dir=\(profile)",
    ]
  }

  /// Decodes an 8-bit RGB/RGBA PNG with the standard library only (zlib + the five row
  /// filters) and prints width, height, distinct colours and the share of non-background pixels.
  static let pngStatistics = #"""
    import sys, zlib, struct, json
    data = open(sys.argv[1], 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat = 8, b''
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + length]; pos += 12 + length
        if kind == b'IHDR': width, height, depth, colour, _, _, interlace = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT': idat += body
    assert depth == 8 and interlace == 0 and colour in (2, 6), 'unsupported PNG layout'
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat); stride = width * bpp; previous = bytearray(stride); i = 0
    colours = {}; background = 0
    for y in range(height):
        kind = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0; b = previous[x]; c = previous[x - bpp] if x >= bpp else 0
            if kind == 1: line[x] = (line[x] + a) & 255
            elif kind == 2: line[x] = (line[x] + b) & 255
            elif kind == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp):
            pixel = bytes(line[x:x + 3]); colours[pixel] = colours.get(pixel, 0) + 1
        previous = line
    most = max(colours.values())
    print(json.dumps({'width': width, 'height': height, 'colours': len(colours),
                      'non_background': 1 - most / (width * height)}))
    """#
}

@Test(
  .enabled(
    if: Browser.available,
    "chromium or python3 not installed (apt-get install chromium): the page is not rendered in a browser"))
func theReportRendersInABrowser() throws {
  let directory = try Executables.temporaryDirectory()
  let report = try ReportFixtures.fullReport()
  try report.write(to: directory + "/report")
  let page = "file://" + directory + "/report/index.html"
  let profile = directory + "/profile"

  // The DOM after parsing: every chart survived as an SVG element.
  let dom = try Executables.run([Browser.chromium!] + Browser.arguments(profile: profile) + ["--dump-dom", page])
  #expect(dom.status == 0, "chromium --dump-dom failed: \(dom.stderr.suffix(400))")
  #expect(ReportFixtures.count("<svg ", in: dom.stdout) == 17, "svg elements in the parsed page")
  #expect(!dom.stdout.contains("<script"))

  // The screenshot at a laptop-like width.
  let screenshot = directory + "/page.png"
  let shot = try Executables.run(
    [Browser.chromium!] + Browser.arguments(profile: profile) + [
      "--window-size=1200,2400", "--screenshot=\(screenshot)", page,
    ])
  #expect(shot.status == 0, "chromium --screenshot failed: \(shot.stderr.suffix(400))")
  let size = (try FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0
  #expect(size > 50_000, "a screenshot of charts and tables is not a few kilobytes (\(size) bytes)")

  let script = directory + "/png_statistics.py"
  try Browser.pngStatistics.write(toFile: script, atomically: true, encoding: .utf8)
  let decoded = try Executables.run([Browser.python!, script, screenshot])
  #expect(decoded.status == 0, "PNG decoding failed: \(decoded.stderr)")
  struct Statistics: Decodable {
    var width: Int
    var height: Int
    var colours: Int
    var non_background: Double
  }
  let statistics = try JSONDecoder().decode(Statistics.self, from: Data(decoded.stdout.utf8))
  #expect(statistics.width == 1200 && statistics.height == 2400)
  // Text, series colours, heat-map shades and their anti-aliasing give hundreds of colours; a
  // blank or error page has a handful.
  #expect(statistics.colours > 200, "only \(statistics.colours) distinct colours")
  #expect(
    statistics.non_background > 0.05,
    "only \(Int(statistics.non_background * 100))% of the page differs from the background")
}

/// The shape arithmetic of a 2-D convolution window over a padded input, and the im2col /
/// col2im transforms that turn a convolution into one GEMM per image and group (Caffe's scheme).
///
/// The column matrix has one row per (channel, kernel row, kernel column) and one column per
/// output position: row `(c·KH + i)·KW + j`, column `oh·OW + ow` holds
/// `x[c, oh·SH − PH + i, ow·SW − PW + j]`, zero where that falls in the padding.
struct ConvolutionGeometry {
  var channels: Int
  var height: Int
  var width: Int
  var kernel: Extent
  var stride: Extent
  var padding: Extent

  var outputHeight: Int { (height + 2 * padding.h - kernel.h) / stride.h + 1 }
  var outputWidth: Int { (width + 2 * padding.w - kernel.w) / stride.w + 1 }
  var outputPositions: Int { outputHeight * outputWidth }
  var rows: Int { channels * kernel.h * kernel.w }

  /// The range of output columns whose input column `ow·SW − PW + j` is inside the image.
  @inline(__always)
  private func validColumns(kernelColumn j: Int) -> Range<Int> {
    let offset = j - padding.w
    // ow·SW + offset ≥ 0  and  ow·SW + offset ≤ W − 1
    let first = offset >= 0 ? 0 : (-offset + stride.w - 1) / stride.w
    let last = width - 1 - offset < 0 ? -1 : (width - 1 - offset) / stride.w
    let end = Swift.min(outputWidth, last + 1)
    return first..<Swift.max(first, end)
  }

  /// Fills `columns` (rows × outputPositions, rows `rowStride` floats apart so that several
  /// images can sit side by side) from one image `image` (channels × H × W). With `outputRows`,
  /// only the columns of those output rows, starting at column 0.
  func im2col(
    _ image: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>, rowStride: Int,
    outputRows: Range<Int>? = nil, context: ComputeContext
  ) {
    let outputRows = outputRows ?? 0..<outputHeight
    let kh = kernel.h
    let kw = kernel.w
    let ow = outputWidth
    let plane = height * width
    let positions = rowStride
    context.forEachRange(of: channels) { channelRange in
      for c in channelRange {
        let source = image + c * plane
        for i in 0..<kh {
          for j in 0..<kw {
            let row = columns + ((c * kh + i) * kw + j) * positions
            let valid = validColumns(kernelColumn: j)
            for y in outputRows {
              let line = row + (y - outputRows.lowerBound) * ow
              let inputRow = y * stride.h - padding.h + i
              if inputRow < 0 || inputRow >= height {
                line.update(repeating: 0, count: ow)
                continue
              }
              if valid.lowerBound > 0 { line.update(repeating: 0, count: valid.lowerBound) }
              if valid.upperBound < ow { (line + valid.upperBound).update(repeating: 0, count: ow - valid.upperBound) }
              let inputLine = source + inputRow * width + (j - padding.w)
              if stride.w == 1 {
                if !valid.isEmpty {
                  Self.copy(from: inputLine + valid.lowerBound, into: line + valid.lowerBound, count: valid.count)
                }
              } else if !valid.isEmpty {
                Self.gather(from: inputLine, stride: stride.w, into: line, range: valid)
              }
            }
          }
        }
      }
    }
  }

  /// Adds `columns` back into one image gradient (channels × H × W), the adjoint of `im2col`;
  /// with `zeroingFirst`, each channel plane is cleared just before its additions, while it is
  /// in cache (cheaper than clearing the whole gradient beforehand). Each thread owns whole
  /// channels, so the additions never race.
  func col2im(
    _ columns: UnsafePointer<Float>, rowStride: Int, outputRows: Range<Int>? = nil,
    addingInto image: UnsafeMutablePointer<Float>, zeroingFirst: Bool = false, context: ComputeContext
  ) {
    let outputRows = outputRows ?? 0..<outputHeight
    let kh = kernel.h
    let kw = kernel.w
    let ow = outputWidth
    let plane = height * width
    let positions = rowStride
    context.forEachRange(of: channels) { channelRange in
      for c in channelRange {
        let target = image + c * plane
        if zeroingFirst { target.update(repeating: 0, count: plane) }
        for i in 0..<kh {
          for j in 0..<kw {
            let row = columns + ((c * kh + i) * kw + j) * positions
            let valid = validColumns(kernelColumn: j)
            if valid.isEmpty { continue }
            for y in outputRows {
              let inputRow = y * stride.h - padding.h + i
              if inputRow < 0 || inputRow >= height { continue }
              let line = row + (y - outputRows.lowerBound) * ow
              let inputLine = target + inputRow * width + (j - padding.w)
              if stride.w == 1 {
                for x in valid { inputLine[x] += line[x] }
              } else {
                Self.scatterAdd(line, into: inputLine, stride: stride.w, range: valid)
              }
            }
          }
        }
      }
    }
  }

  /// A short copy (one image row), inline: a library memmove call costs more than the copy.
  @inline(__always)
  static func copy(from source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
    var index = 0
    while index + 16 <= count {
      UnsafeMutableRawPointer(target + index).storeBytes(
        of: UnsafeRawPointer(source + index).loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
      index += 16
    }
    while index < count {
      target[index] = source[index]
      index += 1
    }
  }

  /// line[x] = source[x·stride] for x in range: the strided copy of im2col, with stride 2 and 4
  /// taking the even lanes of 16-float loads instead of one scalar load per element.
  @inline(__always)
  static func gather(
    from source: UnsafePointer<Float>, stride: Int, into line: UnsafeMutablePointer<Float>, range: Range<Int>
  ) {
    var x = range.lowerBound
    let end = range.upperBound
    // Each 16-float load must end at or before the last element the range needs, since the
    // row may be the last of the allocation: 2x + 15 ≤ 2(end − 1) and 4x + 15 ≤ 4(end − 1).
    if stride == 2 {
      while x + 9 <= end {
        let lanes = UnsafeRawPointer(source + 2 * x).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(line + x).storeBytes(of: lanes.evenHalf, as: SIMD8<Float>.self)
        x += 8
      }
    } else if stride == 4 {
      while x + 5 <= end {
        let lanes = UnsafeRawPointer(source + 4 * x).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(line + x).storeBytes(of: lanes.evenHalf.evenHalf, as: SIMD4<Float>.self)
        x += 4
      }
    }
    var from = source + x * stride
    while x < end {
      line[x] = from.pointee
      from += stride
      x += 1
    }
  }

  /// target[x·stride] += line[x] for x in range: the strided addition of col2im, the adjoint of
  /// `gather`, with stride 2 and 4 adding into the even lanes of 16-float loads.
  @inline(__always)
  static func scatterAdd(
    _ line: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, stride: Int, range: Range<Int>
  ) {
    var x = range.lowerBound
    let end = range.upperBound
    // As in `gather`, every lane stays at or before the last element the range touches, so no
    // write reaches past it (into a row or channel another thread may own).
    if stride == 2 {
      while x + 9 <= end {
        let addend = UnsafeRawPointer(line + x).loadUnaligned(as: SIMD8<Float>.self)
        var lanes = UnsafeRawPointer(target + 2 * x).loadUnaligned(as: SIMD16<Float>.self)
        lanes.evenHalf += addend
        UnsafeMutableRawPointer(target + 2 * x).storeBytes(of: lanes, as: SIMD16<Float>.self)
        x += 8
      }
    } else if stride == 4 {
      while x + 5 <= end {
        let addend = UnsafeRawPointer(line + x).loadUnaligned(as: SIMD4<Float>.self)
        var lanes = UnsafeRawPointer(target + 4 * x).loadUnaligned(as: SIMD16<Float>.self)
        lanes.evenHalf.evenHalf += addend
        UnsafeMutableRawPointer(target + 4 * x).storeBytes(of: lanes, as: SIMD16<Float>.self)
        x += 4
      }
    }
    var to = target + x * stride
    while x < end {
      to.pointee += line[x]
      to += stride
      x += 1
    }
  }
}

import CMPI

/// An MPI datatype handle for the element types dlscale sends.
public struct Datatype {
  let handle: MPI_Datatype

  public static var float32: Datatype { Datatype(handle: cmpi_float()) }
  public static var float64: Datatype { Datatype(handle: cmpi_double()) }
  public static var int32: Datatype { Datatype(handle: cmpi_int32()) }
  public static var int64: Datatype { Datatype(handle: cmpi_int64()) }
  public static var uint8: Datatype { Datatype(handle: cmpi_uint8()) }
}

/// A reduction operation of `MPI_Reduce` and friends.
public struct ReductionOp {
  let handle: MPI_Op

  public static var sum: ReductionOp { ReductionOp(handle: cmpi_op_sum()) }
  public static var max: ReductionOp { ReductionOp(handle: cmpi_op_max()) }
  public static var min: ReductionOp { ReductionOp(handle: cmpi_op_min()) }
  public static var product: ReductionOp { ReductionOp(handle: cmpi_op_prod()) }
}

/// An element type that MPI can move and (for the numeric ones) reduce.
public protocol MPIElement: BitwiseCopyable {
  static var datatype: Datatype { get }
}

/// A floating-point element that the hand-written allreduce algorithms can reduce locally.
public protocol MPIFloatingPoint: MPIElement, BinaryFloatingPoint {}

extension Float: MPIFloatingPoint { public static var datatype: Datatype { .float32 } }
extension Double: MPIFloatingPoint { public static var datatype: Datatype { .float64 } }
extension Int32: MPIElement { public static var datatype: Datatype { .int32 } }
extension Int64: MPIElement { public static var datatype: Datatype { .int64 } }
extension UInt8: MPIElement { public static var datatype: Datatype { .uint8 } }

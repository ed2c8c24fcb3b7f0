import ArgumentParser
import Measurements

/// How options that take a unit read their value (`@Option(transform:)`): through the one parser
/// per unit in Measurements, a bad value refused in one line that names the accepted forms.
enum UnitArgument {
  /// A rate: `100gbit`, `100Gbps`, `100Gb/s` and `12.5GB/s` are the same rate.
  static func rate(_ text: String) throws -> DataRate {
    do { return try DataRate(parsing: text) } catch { throw ValidationError("expected \(DataRate.acceptedForms)") }
  }

  /// A duration, in seconds: `5us`, `0.2ms`, `1s`.
  static func seconds(_ text: String) throws -> Double {
    do { return try TimeSpan.seconds(parsing: text) } catch {
      throw ValidationError("expected \(TimeSpan.acceptedForms)")
    }
  }
}

import Measurements

/// An OpenMPI `coll_tuned` dynamic rules file (`--mca coll_tuned_use_dynamic_rules 1 --mca
/// coll_tuned_dynamic_rules_filename FILE`, the classic format OpenMPI 4.1 reads) choosing, per
/// rank count and message size, the allreduce algorithm the Hockney fits of the measurements
/// make fastest.
///
/// Layout: number of collectives; collective id (allreduce = 2); number of communicator sizes;
/// then per size: the size, the number of message-size rules, and one rule per line
/// `bytes algorithm topology segment-size`, ascending from 0 bytes. Algorithm ids:
/// 0 OpenMPI's own choice (`mpi`), 2 non-overlapping reduce + broadcast (`binomial`), 3 recursive
/// doubling, 4 ring, 6 Rabenseifner; `hierarchical` has no OpenMPI counterpart and is left out.
public enum OpenMPIRulesFile {
  public static let allreduceCollectiveId = 2

  /// OpenMPI's `coll_tuned` allreduce algorithm id for `algorithm`, nil when it has none.
  public static func algorithmId(_ algorithm: String) -> Int? {
    switch AllreduceKind(name: algorithm) {
    case .mpi: 0
    case .binomial: 2
    case .recursiveDoubling: 3
    case .ring: 4
    case .rabenseifner: 6
    case .hierarchical, nil: nil
    }
  }

  /// One message-size rule.
  public struct Rule: Equatable, Sendable {
    public var fromBytes: Int
    public var algorithm: String
  }

  /// The best mappable algorithm at each power-of-two size from 8 B to 256 MiB, for every rank
  /// count with a Hockney fit, runs of the same choice merged.
  public static func rules(from models: ModelsFile) -> [Int: [Rule]] {
    var fits: [Int: [HockneyModel]] = [:]
    for model in models.communication where algorithmId(model.algorithm) != nil {
      for hockney in model.hockney ?? [] { fits[hockney.ranks, default: []].append(hockney) }
    }
    var result: [Int: [Rule]] = [:]
    for (ranks, candidates) in fits {
      var rules: [Rule] = []
      for exponent in 3...28 {
        let bytes = 1 << exponent
        let best = candidates.min { $0.seconds(bytes: bytes) < $1.seconds(bytes: bytes) }!
        if rules.last?.algorithm != best.algorithm {
          rules.append(Rule(fromBytes: rules.isEmpty ? 0 : bytes, algorithm: best.algorithm))
        }
      }
      result[ranks] = rules
    }
    return result
  }

  public static func text(from models: ModelsFile) -> String? {
    let table = rules(from: models)
    guard !table.isEmpty else { return nil }
    var lines = [
      "1 # number of collectives",
      "\(allreduceCollectiveId) # collective id: allreduce",
      "\(table.count) # number of communicator sizes",
    ]
    for ranks in table.keys.sorted() {
      let rules = table[ranks]!
      lines.append("\(ranks) # communicator size")
      lines.append("\(rules.count) # number of message sizes")
      for rule in rules {
        lines.append("\(rule.fromBytes) \(algorithmId(rule.algorithm)!) 0 0 # \(rule.algorithm)")
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}

import Testing

/// The hand-written allreduce algorithms run for real: `dlscale-agent verify` under `mpirun`
/// checks exact sums on integer-valued inputs, rounding within the bound on arbitrary inputs,
/// and bitwise-identical outputs on every rank, for every algorithm, count and element type.
@Suite(.serialized)
struct AlgorithmTests {
  /// Every algorithm's label in the verify output, variants included.
  static let labels = [
    "mpi", "ring", "ring/256B-segments", "recursive-doubling", "rabenseifner", "binomial", "hierarchical",
    "hierarchical/2-per-node",
  ]

  /// Checks that the run passed and printed one `ok` line per label, type and count.
  func expectPassed(
    _ outcome: AgentLauncher.Outcome, labels: [String], types: [String], counts: [Int], prefix: String = ""
  ) {
    #expect(outcome.status == 0, "verify exited \(outcome.status):\n\(outcome.output)\n\(outcome.errors)")
    #expect(!outcome.output.contains("FAIL"), "failed cases:\n\(outcome.output)")
    for label in labels {
      for type in types {
        for count in counts {
          let found = outcome.lines.contains { line in
            let words = line.split(separator: " ")
            return words.first == "ok" && line.contains("\(prefix)\(label) ") && words.contains(Substring(type))
              && (count < 0 || words.contains(Substring("count=\(count):")))
          }
          #expect(found, "no ok line for \(prefix)\(label) \(type) count=\(count) in:\n\(outcome.output)")
        }
      }
    }
    #expect(outcome.lines.last == "verify: all cases passed")
  }

  @Test(arguments: 1...5)
  func everyAlgorithmSumsExactlyAndIdenticallyOnEveryRank(ranks: Int) throws {
    let counts = [0, 1, 3, 7, 1000, 65537]
    let outcome = try AgentLauncher.run(
      ranks: ranks,
      [
        "verify", "--algorithms", "all", "--counts", counts.map(String.init).joined(separator: ","),
        "--types", "float,double",
      ])
    guard let outcome else { return }
    expectPassed(outcome, labels: Self.labels, types: ["float", "double"], counts: counts)
  }

  /// Over 1 MiB per chunk, so the default ring cuts chunks into segments (2 ranks: 4 segments
  /// per chunk for Double; 3 ranks: 2 per chunk for Float), also in the halves of the ring that
  /// `hierarchical` runs inside its nodes (one node of 2 or 3; 2 per node: a node of 2 whose
  /// share crosses to one node of 1 at 3 ranks, unequal nodes).
  @Test(arguments: [(2, "double"), (3, "float")])
  func largeVectorsPipelineThroughTheSegmentedRing(ranks: Int, type: String) throws {
    let outcome = try AgentLauncher.run(
      ranks: ranks,
      [
        "verify", "--algorithms", "ring,rabenseifner,recursive-doubling,hierarchical", "--counts", "1048577",
        "--types", type,
      ])
    guard let outcome else { return }
    expectPassed(
      outcome,
      labels: [
        "ring", "ring/256B-segments", "rabenseifner", "recursive-doubling", "hierarchical", "hierarchical/2-per-node",
      ], types: [type], counts: [1_048_577])
  }

  /// Buckets summed on the communication thread while the caller computes.
  @Test(arguments: [2, 3])
  func asynchronousBucketsOnACommunicationThread(ranks: Int) throws {
    let outcome = try AgentLauncher.run(
      ranks: ranks, ["verify", "--algorithms", "all", "--counts", "0,1,7,1000,65537", "--types", "float", "--async"])
    guard let outcome else { return }
    expectPassed(outcome, labels: Self.labels, types: ["float"], counts: [-1], prefix: "async ")
    // Submitted at once by priority, the five buckets run last first on every rank.
    expectPassed(outcome, labels: Self.labels, types: ["float"], counts: [-1], prefix: "async-priority ")
  }

  /// Waiting by polling with sleeps (what the training communication thread does) sums the
  /// same: every algorithm, called directly and on the communication thread.
  @Test func pollingWaitsGiveTheSameSums() throws {
    let outcome = try AgentLauncher.run(
      ranks: 3,
      [
        "verify", "--algorithms", "all", "--counts", "0,7,65537", "--types", "float", "--async", "--poll-interval",
        "50",
      ])
    guard let outcome else { return }
    expectPassed(outcome, labels: Self.labels, types: ["float"], counts: [0, 7, 65537])
    expectPassed(outcome, labels: Self.labels, types: ["float"], counts: [-1], prefix: "async ")
    expectPassed(outcome, labels: Self.labels, types: ["float"], counts: [-1], prefix: "async-priority ")
  }

  /// The checks are not vacuous: one wrong element on the last rank fails every case with a
  /// non-empty vector, naming the wrong sum and, with more than one rank, the differing rank.
  @Test(arguments: [1, 3])
  func aWrongElementOnOneRankFailsTheRun(ranks: Int) throws {
    let outcome = try AgentLauncher.run(
      ranks: ranks, ["verify", "--algorithms", "ring", "--counts", "0,5", "--types", "float", "--inject-fault"])
    guard let outcome else { return }
    #expect(outcome.status != 0, "verify passed with a corrupted element:\n\(outcome.output)")
    let failures = outcome.lines.filter { $0.hasPrefix("FAIL") }
    #expect(failures.count == 2, "expected ring and its variant to fail at count 5:\n\(outcome.output)")
    #expect(failures.allSatisfy { $0.contains("count=5:") && $0.contains("wrong element") })
    if ranks > 1 {
      #expect(failures.allSatisfy { $0.contains("not bitwise identical on rank(s) [\(ranks - 1)]") })
    }
    #expect(outcome.lines.filter { $0.hasPrefix("ok") && $0.contains("count=0:") }.count == 2)
    #expect(outcome.lines.last == "verify: 2 case(s) FAILED")
  }

  @Test func unknownAlgorithmIsRejectedWithOneClearLine() throws {
    let outcome = try AgentLauncher.run(ranks: 1, ["verify", "--algorithms", "ring,butterfly"])
    guard let outcome else { return }
    #expect(outcome.status != 0)
    #expect(outcome.errors.contains("unknown algorithm 'butterfly'"), "stderr was:\n\(outcome.errors)")
  }
}

import Testing

@testable import Collectives

@Test func libraryWaitsNeverSleep() {
  #expect(WaitPolicy.library.sleep(afterWaiting: 0) == nil)
  #expect(WaitPolicy.library.sleep(afterWaiting: 10) == nil)
  #expect(WaitPolicy(pollIntervalMicroseconds: 0) == .library)
}

/// A poll tests without pause for its first interval, then sleeps one interval until 1/16 of
/// the wait is longer, then 1/16 of the wait, up to ten intervals.
@Test func pollingSleepsGrowWithTheWaitUpToTenIntervals() throws {
  let policy = WaitPolicy(pollIntervalMicroseconds: 100)
  #expect(policy.sleep(afterWaiting: 0) == nil)
  #expect(policy.sleep(afterWaiting: 99e-6) == nil)
  let first = try #require(policy.sleep(afterWaiting: 100e-6))
  #expect(abs(first - 100e-6) < 1e-12)
  #expect(abs(try #require(policy.sleep(afterWaiting: 1e-3)) - 100e-6) < 1e-12)
  #expect(abs(try #require(policy.sleep(afterWaiting: 8e-3)) - 500e-6) < 1e-12)
  #expect(abs(try #require(policy.sleep(afterWaiting: 16e-3)) - 1e-3) < 1e-12)
  #expect(abs(try #require(policy.sleep(afterWaiting: 85e-3)) - 1e-3) < 1e-12)
  #expect(abs(try #require(policy.sleep(afterWaiting: 60)) - 1e-3) < 1e-12)
}

/// Over a long wait the growing sleeps test far less often than one test per interval, and
/// notice completion at most 1/16 of the wait late.
@Test func aLongWaitIsTestedFarLessThanOncePerInterval() {
  let policy = WaitPolicy.polling(interval: 100e-6)
  let transfer = 85e-3  // 2 MiB on a 200 Mbit/s link
  var elapsed = 0.0
  var tests = 0
  while elapsed < transfer {
    tests += 1
    elapsed += policy.sleep(afterWaiting: elapsed) ?? 10e-6  // a test without pause takes ~10 µs
  }
  #expect(tests < 150)
  #expect(tests > 50)
  #expect(elapsed - transfer <= transfer / 16)
}

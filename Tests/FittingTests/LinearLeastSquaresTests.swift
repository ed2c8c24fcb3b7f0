import Testing

@testable import Fitting

/// The dense solver: exact recovery, weighting, non-negativity, and singular systems refused.
struct LinearLeastSquaresTests {
  @Test func recoversAnExactLineOverSixDecades() throws {
    let xs = (0..<20).map { Double(1 << $0) * 8 }
    let ys = xs.map { 3e-6 + 2.5e-9 * $0 }
    let solution = try #require(LinearLeastSquares.relative(rows: xs.map { [1, $0] }, values: ys).solve())
    // Unit-norm column scaling keeps the normal equations' error near κ·ε ≈ 1e-10 here.
    #expect(isClose(solution[0], 3e-6, relative: 1e-8), "\(solution)")
    #expect(isClose(solution[1], 2.5e-9, relative: 1e-8), "\(solution)")
  }

  @Test func nonNegativeDropsATermTheDataMakesNegative() throws {
    // y = 5 − 0.5·x: the unconstrained slope is negative, the constrained one 0.
    let xs: [Double] = [1, 2, 3, 4]
    let problem = LinearLeastSquares(rows: xs.map { [1, $0] }, values: xs.map { 5 - 0.5 * $0 })
    let free = try #require(problem.solve())
    #expect(isClose(free[1], -0.5, relative: 1e-10))
    let constrained = try #require(problem.solveNonNegative())
    #expect(constrained[1] == 0)
    #expect(isClose(constrained[0], 3.75, relative: 1e-12), "mean of the values")
  }

  @Test func dependentColumnsAreRefused() {
    let problem = LinearLeastSquares(rows: [[1, 2], [2, 4], [3, 6]], values: [1, 2, 3])
    #expect(problem.solve() == nil)
    let onePoint = LinearLeastSquares(rows: [[1, 5]], values: [1])
    #expect(onePoint.solve() == nil)
  }

  @Test func mapeOfKnownErrors() throws {
    let mape = try #require(MeanAbsolutePercentageError.of(predicted: [110, 90], observed: [100, 100]))
    #expect(isClose(mape, 10, relative: 1e-12))
    #expect(MeanAbsolutePercentageError.of(predicted: [], observed: []) == nil)
    #expect(MeanAbsolutePercentageError.of(predicted: [1], observed: [0]) == nil)
  }
}

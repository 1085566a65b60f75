#pragma once
// The search of `ef21sim tune` for one group of runs: which stepsize multiplier (or absolute
// stepsize) reaches the target at the least cost. Pure logic, no runs: the caller evaluates
// the points it asks for and reports how each stands (best_selection.hpp).
//
// Points are value = start * 2^e. The exponent e is a multiple of 2^-refine, held as integer
// ticks (e = ticks / 2^refine) so that points compare exactly. The ladder begins at a whole
// exponent s (0 unless the caller starts elsewhere, e.g. tune's automatic start).
//  1. Ladder. Evaluate e = s and e = s + 1 together. If s + 1 is better, move up (s + 2, ...)
//     while each step is better than the last; otherwise evaluate e = s - 1 and, if better, move
//     down the same way. "Better" is the Standing order: reaching the target at a lower cost beats a higher
//     cost beats never reaching it (closer final ||grad f||^2 better) beats diverging (later
//     better) beats failing; equal is not better. The ladder stops at |e - s| = max_doublings.
//  2. Refinement, `refine` times: with b the best point so far and h = 2^-r at round r = 1, 2,
//     ..., evaluate b - h and b + h (those not evaluated yet). Round 1 thus tries b / sqrt(2)
//     and b * sqrt(2), between b and its ladder neighbours b / 2 and 2 b; each round halves the
//     log-step around the current best, whose neighbours at distance 2h are evaluated already.
//     No refinement around a best that failed (status error).
// The best point is the one with the lowest standing, ties to the smaller e.
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "tools/ef21sim/best_selection.hpp"

namespace ef21::cli {

class TuneSearch {
 public:
  /// refine: rounds of refinement (0..20); max_doublings: the ladder's bound on |e - s| (>= 1);
  /// start_exponent: s, where the ladder begins.
  TuneSearch(int refine, int max_doublings, int start_exponent = 0);

  /// The points (ticks) to evaluate next, in order; empty once the search is over. Each must
  /// be reported before the search moves on.
  const std::vector<std::int64_t>& pending() const { return pending_; }
  bool done() const { return pending_.empty(); }
  void report(std::int64_t ticks, const Standing& standing);

  /// The best point so far (nullopt before any report).
  std::optional<std::int64_t> best() const;
  /// Every evaluated point and its standing.
  const std::map<std::int64_t, Standing>& evaluated() const { return evaluated_; }
  /// Ticks per doubling: 2^refine.
  std::int64_t ticks_per_doubling() const { return doubling_; }

 private:
  enum class Phase { start, probe_down, ladder, refine, done };
  void advance();
  void propose_ladder_step();
  void refine_next();

  int refine_;
  std::int64_t doubling_;
  std::int64_t origin_;  // s * doubling_: the ladder's first point
  std::int64_t bound_;   // max_doublings * doubling_: the ladder's reach either side of origin_
  Phase phase_ = Phase::start;
  int direction_ = 1;
  std::int64_t current_ = 0;  // the ladder's current point
  int round_ = 0;             // refinement round
  std::vector<std::int64_t> pending_;
  std::map<std::int64_t, Standing> evaluated_;
};

}  // namespace ef21::cli

#include "tools/ef21sim/progress_line.hpp"

#include <fmt/format.h>

namespace ef21::cli {

void ProgressLine::update(const sim::Progress& p) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;  // at most 10 redraws a second
  last_draw_ = now;
  drawn_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double done = p.rounds > 0 ? static_cast<double>(p.round) / static_cast<double>(p.rounds) : 1.0;
  const double eta = done > 0 ? elapsed * (1.0 - done) / done : 0.0;
  fmt::print(stderr, "\r\x1b[Kround {}/{}  sim time {:.4g} s  ||grad f||^2 {:.3e}  ETA {:.0f} s (at most)", p.round,
             p.rounds, p.time_s, p.grad_norm_sq, eta);
}

void ProgressLine::finish() {
  if (enabled_ && drawn_) fmt::print(stderr, "\r\x1b[K");
}

}  // namespace ef21::cli

#pragma once
// Ctrl-C (SIGINT) and SIGTERM while a command runs simulations: the handler only records the
// signal in lock-free atomics (async-signal-safe); the simulations poll the flag once per
// round (sim::Simulation::stop_when) and stop with status `interrupted`, so the command
// still writes complete, valid outputs, then exits 128 + the signal number (130, 143).
// The handlers reset themselves (SA_RESETHAND): a second signal terminates at once.
#include <atomic>

namespace ef21::cli {

/// Installs the handlers for its lifetime (one at a time per process), restores the
/// previous ones when destroyed.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  /// The flag a signal sets (for Simulation::stop_when); valid for the process's lifetime.
  static const std::atomic<bool>* flag();
  /// Whether a signal arrived since this guard was installed.
  bool requested() const;
  /// 128 + the signal number: 130 for SIGINT, 143 for SIGTERM (0 if none arrived).
  int exit_code() const;
};

}  // namespace ef21::cli

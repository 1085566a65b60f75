#include "tools/ef21sim/interrupt.hpp"

#include <signal.h>

#include <csignal>

#include "models/support/check.hpp"

namespace ef21::cli {
namespace {

// Process-wide by nature (a signal disposition is); written only by the handler.
std::atomic<bool> g_requested{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "a signal handler may only touch lock-free atomics");

struct sigaction g_previous_int {};
struct sigaction g_previous_term {};
bool g_installed = false;

extern "C" void record_signal(int signal_number) {
  g_signal.store(signal_number, std::memory_order_relaxed);
  g_requested.store(true, std::memory_order_relaxed);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  EF21_CHECK(!g_installed, "one InterruptGuard at a time");
  g_requested.store(false);
  g_signal.store(0);
  struct sigaction action {};
  action.sa_handler = record_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // the next signal has its default effect: terminate now
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
  g_installed = true;
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
  g_installed = false;
}

const std::atomic<bool>* InterruptGuard::flag() { return &g_requested; }

bool InterruptGuard::requested() const { return g_requested.load(std::memory_order_relaxed); }

int InterruptGuard::exit_code() const {
  const int s = g_signal.load(std::memory_order_relaxed);
  return s == 0 ? 0 : 128 + s;
}

}  // namespace ef21::cli

#include "tools/ef21sim/run_farm.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace ef21::cli {
namespace {

class ThreadFarm final : public RunFarm {
 public:
  ThreadFarm(const RunSetup& setup, int threads)
      : setup_(setup), threads_(static_cast<std::size_t>(threads)) {}

  void run(const std::vector<RunJob>& jobs, const Done& done) override {
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    std::exception_ptr failure;  // the first exception of `done`, rethrown once all threads stop
    auto worker = [&] {
      for (std::size_t j; (j = next.fetch_add(1)) < jobs.size();) {
        const RunOutcome outcome = execute_run(setup_, jobs[j]);
        if (outcome.kind == RunOutcome::Kind::interrupted) continue;  // not done: --resume reruns it
        std::lock_guard lock(mutex);
        if (failure) return;
        try {
          done(j, outcome, "");
        } catch (...) {
          failure = std::current_exception();
          next = jobs.size();
        }
      }
    };
    const std::size_t count = std::min(threads_, jobs.size());
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < count; ++t) pool.emplace_back(worker);
    if (count > 0) worker();
    for (auto& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
  }

 private:
  const RunSetup& setup_;
  std::size_t threads_;
};

}  // namespace

std::unique_ptr<RunFarm> make_thread_farm(const RunSetup& setup, int threads) {
  return std::make_unique<ThreadFarm>(setup, threads);
}

}  // namespace ef21::cli

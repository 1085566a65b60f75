#pragma once
// A fixed pool of threads for the round's independent worker computations.
//
// Determinism: parallel_for only distributes independent tasks; every reduction over its
// results happens afterwards, sequentially, in index order. So outputs never depend on
// the thread count (DESIGN §8).
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ef21 {

class ThreadPool {
 public:
  /// threads >= 1; 1 runs everything on the calling thread.
  explicit ThreadPool(std::size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  std::size_t size() const { return threads_; }

  /// Calls task(i, slot) for i in [0, count), slot in [0, size()) identifying the thread (for
  /// per-thread scratch). Returns when all are done; rethrows the first exception.
  void parallel_for(std::size_t count, const std::function<void(std::size_t, std::size_t)>& task);

 private:
  void worker_loop(std::size_t slot);
  void run_slot(std::size_t slot);

  std::size_t threads_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(std::size_t, std::size_t)>* task_ = nullptr;
  std::size_t count_ = 0;
  std::size_t next_ = 0;          // next index to hand out (guarded by mutex_)
  std::size_t busy_ = 0;          // helper threads still working on this batch
  std::uint64_t generation_ = 0;  // bumps per batch so helpers wake exactly once each
  bool stopping_ = false;
  std::exception_ptr error_;
};

}  // namespace ef21

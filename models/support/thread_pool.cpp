#include "models/support/thread_pool.hpp"

#include <algorithm>

#include "models/support/check.hpp"

namespace ef21 {

ThreadPool::ThreadPool(std::size_t threads) : threads_(threads == 0 ? 1 : threads) {
  for (std::size_t slot = 1; slot < threads_; ++slot) workers_.emplace_back([this, slot] { worker_loop(slot); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run_slot(std::size_t slot) {
  // Hands out indices in chunks of ~1/8 of a thread's share, at most 16 (fewer lock round
  // trips on long batches; balance on short ones: 20 workers over 2 threads go one by one).
  // Which thread runs which index does not matter.
  const std::size_t kChunk = std::clamp<std::size_t>(count_ / (8 * threads_), 1, 16);
  for (;;) {
    std::size_t begin;
    {
      std::lock_guard lock(mutex_);
      if (next_ >= count_ || error_) return;
      begin = next_;
      next_ = std::min(count_, next_ + kChunk);
    }
    const std::size_t end = std::min(count_, begin + kChunk);
    try {
      for (std::size_t i = begin; i < end; ++i) (*task_)(i, slot);
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
      return;
    }
  }
}

void ThreadPool::worker_loop(std::size_t slot) {
  std::uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    run_slot(slot);
    {
      std::lock_guard lock(mutex_);
      if (--busy_ == 0) done_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(std::size_t count, const std::function<void(std::size_t, std::size_t)>& task) {
  if (threads_ == 1 || count <= 1) {
    for (std::size_t i = 0; i < count; ++i) task(i, 0);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    task_ = &task;
    count_ = count;
    next_ = 0;
    error_ = nullptr;
    busy_ = workers_.size();
    ++generation_;
  }
  wake_.notify_all();
  run_slot(0);
  std::exception_ptr error;
  {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return busy_ == 0; });
    task_ = nullptr;
    error = error_;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace ef21

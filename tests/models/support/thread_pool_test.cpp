// ThreadPool: every index exactly once, slots in range, exceptions surface, degenerate sizes.
#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "models/support/thread_pool.hpp"

using ef21::ThreadPool;

namespace {

/// Runs parallel_for(count) and checks each index ran exactly once on a valid slot.
void check_each_index_once(ThreadPool& pool, std::size_t count) {
  std::vector<std::atomic<int>> hits(count);
  std::atomic<bool> bad_slot{false};
  pool.parallel_for(count, [&](std::size_t i, std::size_t slot) {
    if (slot >= pool.size()) bad_slot = true;
    hits[i].fetch_add(1);
  });
  CHECK_FALSE(bad_slot);
  for (std::size_t i = 0; i < count; ++i) {
    INFO("index " << i << " of " << count);
    REQUIRE(hits[i].load() == 1);
  }
}

}  // namespace

TEST_CASE("ThreadPool runs every index exactly once", "[thread_pool]") {
  for (std::size_t threads : {1u, 2u, 3u, 8u}) {
    ThreadPool pool(threads);
    INFO("threads = " << threads);
    CHECK(pool.size() == threads);
    // Counts below, at and far above the chunk size and thread count; repeated batches on
    // the same pool exercise the generation hand-off between batches.
    for (std::size_t count : {0u, 1u, 2u, 3u, 4u, 5u, 7u, 64u, 1001u})
      for (int repeat = 0; repeat < 3; ++repeat) check_each_index_once(pool, count);
  }
}

TEST_CASE("ThreadPool with 0 threads behaves as 1 thread on the caller", "[thread_pool]") {
  ThreadPool pool(0);
  CHECK(pool.size() == 1);
  std::vector<std::size_t> order;
  pool.parallel_for(10, [&](std::size_t i, std::size_t slot) {
    CHECK(slot == 0);
    order.push_back(i);  // single-threaded: no race, and in index order
  });
  REQUIRE(order.size() == 10);
  for (std::size_t i = 0; i < order.size(); ++i) CHECK(order[i] == i);
}

TEST_CASE("ThreadPool propagates a task's exception and stays usable", "[thread_pool]") {
  for (std::size_t threads : {1u, 2u, 4u}) {
    INFO("threads = " << threads);
    ThreadPool pool(threads);
    CHECK_THROWS_MATCHES(pool.parallel_for(100,
                                           [](std::size_t i, std::size_t) {
                                             if (i == 37) throw std::runtime_error("task 37 failed");
                                           }),
                         std::runtime_error, Catch::Matchers::Message("task 37 failed"));
    // The failed batch must not poison the next one.
    check_each_index_once(pool, 50);
    // Every task throwing: still exactly one exception, no terminate.
    CHECK_THROWS_AS(pool.parallel_for(20, [](std::size_t, std::size_t) { throw std::logic_error("all"); }),
                    std::logic_error);
    check_each_index_once(pool, 9);
  }
}

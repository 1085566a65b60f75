#pragma once
// What a block of a round's compact workers read from the shared d-long vectors, read for all
// of them together, chunk by chunk of coordinates.
//
// Why: at large d a compact worker (EF21's sparse form, Objective's compact form) reads x on
// its columns S_i and the shared regulariser term on its E_i. Its columns are spread over all
// of [0, d) (30 000 of 200 000), so each worker alone touches nearly every cache line of both
// vectors: 3.2 MB read from the last-level cache per worker at d = 200 000, most of the
// round's time. Read chunk by chunk, a chunk of x and of the term (128 KiB each) is loaded
// once and read by every worker of the block while it sits in L2.
#include <Eigen/Dense>
#include <cstdint>
#include <span>
#include <vector>

#include "models/support/thread_pool.hpp"

namespace ef21::algorithms {

class GatheredInputs {
 public:
  /// One worker's request: x on `columns` and the term on `support` (both increasing, in
  /// [0, d); they must stay alive and unchanged until the worker has used its inputs).
  struct Request {
    std::uint32_t worker = 0;
    std::span<const std::int32_t> columns;
    std::span<const std::int32_t> support;
  };
  /// One worker's inputs: x_on_columns[p] = x[columns[p]], term_on_support[q] = term[support[q]].
  struct Inputs {
    std::vector<double> x_on_columns;
    std::vector<double> term_on_support;
  };

  /// Forgets the previous block's inputs (keeps the buffers).
  void clear() { requests_.clear(); }
  /// Adds a worker's request (workers in increasing order).
  void request(const Request& r);
  /// Reads every request's inputs, in coordinate chunks on `pool` (each chunk fills disjoint
  /// positions of the workers' buffers: the same values on any number of threads).
  void gather(ThreadPool* pool, const Eigen::Ref<const Eigen::VectorXd>& x,
              const Eigen::Ref<const Eigen::VectorXd>& term);
  /// The inputs gathered for `worker` in this block, or nullptr if it made no request.
  const Inputs* find(std::uint32_t worker) const;

 private:
  std::vector<Request> requests_;  // increasing workers
  std::vector<Inputs> inputs_;     // inputs_[j] for requests_[j] (buffers kept across blocks)
};

}  // namespace ef21::algorithms

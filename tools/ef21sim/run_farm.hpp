#pragma once
// Who runs the jobs of a sweep or tune: threads of this process, or the ranks of an MPI job
// (mpi_session.hpp). The caller sees the same thing either way: a batch of jobs in, one
// outcome per job back, so outputs never depend on how the work was spread.
#include <functional>
#include <memory>
#include <vector>

#include "tools/ef21sim/run_job.hpp"

namespace ef21::cli {

class RunFarm {
 public:
  virtual ~RunFarm() = default;
  /// Called once per job as it finishes, never two at once (the caller needs no lock).
  /// `where` says who ran it ("" for this process, "rank 2" under MPI).
  using Done = std::function<void(std::size_t job, const RunOutcome& outcome, const std::string& where)>;
  /// Runs every job of the batch (in any order, several at once) and returns when all are done.
  virtual void run(const std::vector<RunJob>& jobs, const Done& done) = 0;
};

/// `threads` jobs at a time in threads of this process.
std::unique_ptr<RunFarm> make_thread_farm(const RunSetup& setup, int threads);

}  // namespace ef21::cli

// The MPI seam with Boost.MPI (compiled only when CMake finds it). Only each process's main
// thread calls MPI (threading level "funneled"); simulations run in other threads.
//
// Protocol (rank 0 = coordinator, rank r > 0 = worker with `threads` slots):
//   worker -> 0  kRequest  one per free slot: "give me a job"
//   0 -> worker  kJob      [id, name, key1, value1, key2, value2, ...]  (answers a request)
//   0 -> worker  kStop     answers a request when the study is over
//   worker -> 0  kResult   [id, kind, text, min_grad_norm_sq]   then, the slot being free, a new kRequest
//   worker -> 0  kBye      after every slot got kStop
// Rank 0 answers requests in the order they arrive and hands the jobs of a batch out in order,
// so the work spreads dynamically; results are keyed by job id, so nothing depends on timing.
#include "tools/ef21sim/mpi_session.hpp"

#include <fmt/format.h>

#include <boost/mpi.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "tools/ef21sim/cli_common.hpp"

namespace ef21::cli {
namespace mpi = boost::mpi;

namespace {

enum Tag : int { kRequest = 1, kJob = 2, kStop = 3, kResult = 4, kBye = 5 };

/// How long a rank sleeps when it has nothing to do (polling instead of blocking keeps an
/// idle rank from spinning a core, which blocking receives do in OpenMPI).
constexpr auto kIdle = std::chrono::milliseconds(2);

/// Fields as "LENGTH:BYTES" one after the other (any bytes, no escaping needed).
std::string encode(const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) out += fmt::format("{}:{}", f.size(), f);
  return out;
}

std::vector<std::string> decode(const std::string& text) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t colon = text.find(':', i);
    if (colon == std::string::npos) throw std::runtime_error("MPI: malformed message");
    const std::size_t length = std::stoul(text.substr(i, colon - i));
    if (colon + 1 + length > text.size()) throw std::runtime_error("MPI: truncated message");
    fields.push_back(text.substr(colon + 1, length));
    i = colon + 1 + length;
  }
  return fields;
}

class Coordinator final : public RunFarm {
 public:
  Coordinator(mpi::communicator& world, std::deque<int>& idle) : world_(world), idle_(idle) {}

  void run(const std::vector<RunJob>& jobs, const Done& done) override {
    std::size_t next = 0, finished = 0;
    while (finished < jobs.size()) {
      while (!idle_.empty() && next < jobs.size()) {
        std::vector<std::string> fields{std::to_string(next), jobs[next].name};
        for (const auto& o : jobs[next].overrides) {
          fields.push_back(o.key);
          fields.push_back(o.value);
        }
        world_.send(idle_.front(), kJob, encode(fields));
        idle_.pop_front();
        ++next;
      }
      const auto status = world_.iprobe(mpi::any_source, mpi::any_tag);
      if (!status) {
        std::this_thread::sleep_for(kIdle);
        continue;
      }
      if (status->tag() == kRequest) {
        int ignored = 0;
        world_.recv(status->source(), kRequest, ignored);
        idle_.push_back(status->source());
      } else if (status->tag() == kResult) {
        std::string text;
        world_.recv(status->source(), kResult, text);
        const std::vector<std::string> fields = decode(text);
        if (fields.size() != 4) throw std::runtime_error("MPI: malformed result");
        const std::size_t id = std::stoul(fields[0]);
        if (id >= jobs.size()) throw std::runtime_error("MPI: result for an unknown job");
        RunOutcome outcome{static_cast<RunOutcome::Kind>(std::stoi(fields[1])), fields[2], fields[3]};
        done(id, outcome, fmt::format("rank {}", status->source()));
        ++finished;
      } else {
        throw std::runtime_error(
            fmt::format("MPI: unexpected message (tag {}) from rank {}", status->tag(), status->source()));
      }
    }
  }

 private:
  mpi::communicator& world_;
  std::deque<int>& idle_;  // ranks waiting for a job, one entry per free slot, oldest first
};

class BoostMpiSession final : public MpiSession {
 public:
  BoostMpiSession() : environment_(mpi::threading::funneled, /*abort_on_exception=*/false) {}

  int rank() const override { return world_.rank(); }
  int size() const override { return world_.size(); }

  std::string broadcast(const std::string& message) override {
    std::string value = message;
    mpi::broadcast(world_, value, 0);
    return value;
  }

  std::unique_ptr<RunFarm> farm() override { return std::make_unique<Coordinator>(world_, idle_); }

  void stop_workers() override {
    int byes = 0;
    for (; !idle_.empty(); idle_.pop_front()) world_.send(idle_.front(), kStop, 0);
    while (byes < world_.size() - 1) {
      const auto status = world_.iprobe(mpi::any_source, mpi::any_tag);
      if (!status) {
        std::this_thread::sleep_for(kIdle);
        continue;
      }
      int ignored = 0;
      if (status->tag() == kRequest) {
        world_.recv(status->source(), kRequest, ignored);
        world_.send(status->source(), kStop, 0);
      } else if (status->tag() == kBye) {
        world_.recv(status->source(), kBye, ignored);
        ++byes;
      } else {
        throw std::runtime_error(fmt::format("MPI: unexpected message (tag {}) from rank {} at the end",
                                             status->tag(), status->source()));
      }
    }
  }

  void serve(const RunSetup& setup, int threads) override {
    std::mutex mutex;
    std::condition_variable finished;
    std::deque<std::pair<std::string, RunOutcome>> results;  // (job id, outcome), guarded by mutex
    std::map<std::string, std::thread> running;
    int stops = 0;
    for (int s = 0; s < threads; ++s) world_.send(0, kRequest, 0);
    while (stops < threads || !running.empty()) {
      {
        std::unique_lock lock(mutex);
        finished.wait_for(lock, kIdle, [&] { return !results.empty(); });
        while (!results.empty()) {
          auto [id, outcome] = std::move(results.front());
          results.pop_front();
          lock.unlock();
          running.at(id).join();
          running.erase(id);
          world_.send(0, kResult,
                      encode({id, std::to_string(static_cast<int>(outcome.kind)), outcome.text,
                              outcome.min_grad_norm_sq}));
          world_.send(0, kRequest, 0);
          lock.lock();
        }
      }
      while (const auto status = world_.iprobe(0, mpi::any_tag)) {
        if (status->tag() == kStop) {
          int ignored = 0;
          world_.recv(0, kStop, ignored);
          ++stops;
        } else if (status->tag() == kJob) {
          std::string text;
          world_.recv(0, kJob, text);
          const std::vector<std::string> fields = decode(text);
          if (fields.size() < 2 || fields.size() % 2 != 0) throw std::runtime_error("MPI: malformed job");
          RunJob job{fields[1], {}};
          for (std::size_t i = 2; i < fields.size(); i += 2)
            job.overrides.push_back({fields[i], fields[i + 1]});
          const std::string id = fields[0];
          running.emplace(id, std::thread([&, id, job = std::move(job)] {
                            RunOutcome outcome = execute_run(setup, job);
                            std::lock_guard lock(mutex);
                            results.emplace_back(id, std::move(outcome));
                            finished.notify_one();
                          }));
        } else {
          throw std::runtime_error(
              fmt::format("MPI: unexpected message (tag {}) from rank 0", status->tag()));
        }
      }
    }
    world_.send(0, kBye, 0);
  }

  [[noreturn]] void abort(int code) override {
    environment_.abort(code);
    std::abort();  // not reached: MPI_Abort does not return
  }

 private:
  mpi::environment environment_;
  mpi::communicator world_;
  std::deque<int> idle_;
};

}  // namespace

bool mpi_built() { return true; }

std::unique_ptr<MpiSession> start_mpi_session() { return std::make_unique<BoostMpiSession>(); }

}  // namespace ef21::cli

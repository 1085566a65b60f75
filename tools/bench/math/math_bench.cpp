// Per-round cost of the real models::Federation (EF21 + Top-k, n workers), data loading
// excluded. Prints one JSON object per run on stdout; tools/bench/run.py turns them into
// tables against the numpy reference (numpy_ref.py) and the memory floor (copy_bench).
//
//   ef21_bench_math --data FILE|synthetic [--rows N --dim D --density P] [--workers 20] [--k 1]
//                   [--threads T] [--rounds R] [--repeats P] [--warmup W] [--gamma G]
//                   [--value-every K] [--dump-dense FILE]
//   --dump-dense FILE  writes the dataset as raw float64 for numpy, then exits.
//   --value-every K    f is computed in rounds that are multiples of K and deferred in the
//                      others, as sim/cluster does with run.metrics_every = K (default 10, the
//                      shipped scenarios' value; 1 = f every round).
//
// Timed: compute_worker_round (gradients, compression, local state, ||grad f||^2 in worker
// order, and f in the rounds that record it) and aggregate (the server step) — exactly what
// sim/cluster does per round.
#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/algorithms/federation.hpp"
#include "models/compressors/compressor.hpp"
#include "models/data/libsvm_reader.hpp"
#include "models/data/split.hpp"
#include "models/data/synthetic.hpp"

using namespace ef21;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string data = "synthetic";
  std::int64_t rows = 20000, dim = 300;
  double density = 1.0;
  std::int64_t workers = 20, k = 1, rounds = 20, repeats = 5, warmup = 3, value_every = 10;
  std::size_t threads = 1;
  double gamma = 0.05;
  std::string dump;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + a);
      return argv[++i];
    };
    if (a == "--data")
      o.data = next();
    else if (a == "--rows")
      o.rows = std::stoll(next());
    else if (a == "--dim")
      o.dim = std::stoll(next());
    else if (a == "--density")
      o.density = std::stod(next());
    else if (a == "--workers")
      o.workers = std::stoll(next());
    else if (a == "--k")
      o.k = std::stoll(next());
    else if (a == "--threads")
      o.threads = std::stoul(next());
    else if (a == "--rounds")
      o.rounds = std::stoll(next());
    else if (a == "--repeats")
      o.repeats = std::stoll(next());
    else if (a == "--warmup")
      o.warmup = std::stoll(next());
    else if (a == "--gamma")
      o.gamma = std::stod(next());
    else if (a == "--dump-dense")
      o.dump = next();
    else if (a == "--value-every")
      o.value_every = std::stoll(next());
    else
      throw std::runtime_error("unknown option " + a);
  }
  if (o.value_every < 1) throw std::runtime_error("--value-every must be at least 1");
  return o;
}

data::Dataset load(const Options& o) {
  if (o.data == "synthetic") {
    data::SyntheticSpec spec;
    spec.rows = o.rows;
    spec.dim = o.dim;
    spec.density = o.density;
    spec.workers = o.workers;
    spec.seed = 1;
    return data::make_synthetic(spec);
  }
  return data::read_libsvm(o.data);
}

/// Bytes one gradient pass over all shards must read: the feature storage and the labels.
double data_bytes(const std::vector<problems::Objective>& objectives) {
  double bytes = 0;
  for (const auto& obj : objectives) {
    const auto& shard = obj.shard();
    bytes += 8.0 * static_cast<double>(shard.rows());  // labels
    if (shard.is_sparse())  // a 4 B column index (+ an 8 B value unless every value is 1.0) each
      bytes += (obj.unit_values() ? 4.0 : 12.0) * static_cast<double>(shard.stored_values()) +
               4.0 * static_cast<double>(shard.rows() + 1);
    else
      bytes += 8.0 * static_cast<double>(shard.stored_values());
  }
  return bytes;
}

void dump_dense(const data::Dataset& all, const std::string& file) {
  // Layout: int64 rows, int64 dim, rows*dim float64 (row-major), rows float64 labels.
  std::ofstream out(file, std::ios::binary);
  const std::int64_t header[2] = {all.rows(), all.dim()};
  out.write(reinterpret_cast<const char*>(header), sizeof header);
  std::vector<double> row(static_cast<std::size_t>(all.dim()));
  for (Eigen::Index j = 0; j < all.rows(); ++j) {
    std::fill(row.begin(), row.end(), 0.0);
    if (const auto* sparse = std::get_if<data::SparseRowMatrix>(&all.features)) {
      for (data::SparseRowMatrix::InnerIterator it(*sparse, j); it; ++it)
        row[static_cast<std::size_t>(it.col())] = it.value();
    } else {
      const auto& dense = std::get<data::DenseRowMatrix>(all.features);
      for (Eigen::Index l = 0; l < all.dim(); ++l) row[static_cast<std::size_t>(l)] = dense(j, l);
    }
    out.write(reinterpret_cast<const char*>(row.data()),
              static_cast<std::streamsize>(row.size() * sizeof(double)));
  }
  out.write(reinterpret_cast<const char*>(all.labels.data()),
            static_cast<std::streamsize>(all.rows() * sizeof(double)));
  if (!out) throw std::runtime_error("cannot write " + file);
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  data::Dataset all = load(o);
  if (!o.dump.empty()) {
    dump_dense(all, o.dump);
    return 0;
  }
  const std::int64_t rows = all.rows(), dim = all.dim(), nnz = all.stored_values();
  const bool sparse = all.is_sparse();
  std::vector<data::Dataset> shards = data::split_dataset(all, o.workers, {});
  all = data::Dataset{};
  std::vector<problems::Objective> objectives;
  objectives.reserve(shards.size());
  problems::ProblemSpec spec;  // logreg-nonconvex, lambda = 0.1
  for (auto& s : shards) objectives.emplace_back(spec, std::move(s));
  const double bytes = data_bytes(objectives);
  const bool unit = std::all_of(objectives.begin(), objectives.end(),
                                [](const problems::Objective& obj) { return obj.unit_values(); });

  algorithms::MethodContext ctx;
  ctx.gamma = o.gamma;
  ctx.seed = 1;
  algorithms::Federation fed(std::move(objectives), compressors::make_compressor({"top-k", o.k, {}}, dim),
                             *algorithms::find_method("ef21"), ctx, Eigen::VectorXd::Zero(dim), o.threads);
  std::int64_t round = 0;
  double compute_ms = 0, metrics_ms = 0, aggregate_ms = 0;
  algorithms::IterateMetrics last{};
  auto one_round = [&](bool timed) {
    auto t0 = Clock::now();
    fed.compute_worker_round(round, round % o.value_every == 0 ? algorithms::RoundValues::compute
                                                               : algorithms::RoundValues::defer);
    auto t1 = Clock::now();
    last.grad_norm_sq = fed.grad_norm_sq();
    auto t2 = Clock::now();
    fed.aggregate(round);
    auto t3 = Clock::now();
    if (timed) {
      compute_ms += std::chrono::duration<double, std::milli>(t1 - t0).count();
      metrics_ms += std::chrono::duration<double, std::milli>(t2 - t1).count();
      aggregate_ms += std::chrono::duration<double, std::milli>(t3 - t2).count();
    }
    ++round;
  };
  one_round(false);  // round 0: exact dense gradients
  for (std::int64_t w = 0; w < o.warmup; ++w) one_round(false);
  std::vector<double> per_round;
  for (std::int64_t p = 0; p < o.repeats; ++p) {
    const auto t = Clock::now();
    for (std::int64_t r = 0; r < o.rounds; ++r) one_round(true);
    per_round.push_back(ms_since(t) / static_cast<double>(o.rounds));
  }
  last = fed.metrics();  // f at the last computed x^round, for the comparison with numpy (not timed)
  std::vector<double> sorted = per_round;
  std::sort(sorted.begin(), sorted.end());
  const double timed_rounds = static_cast<double>(o.rounds * o.repeats);
  std::printf(
      "{\"data\": \"%s\", \"rows\": %lld, \"dim\": %lld, \"nnz\": %lld, \"sparse\": %s, \"workers\": %lld, "
      "\"k\": %lld, "
      "\"threads\": %zu, \"rounds_run\": %lld, \"data_bytes\": %.0f, \"unit_values\": %s, "
      "\"median_ms\": %.6g, \"min_ms\": %.6g, "
      "\"compute_ms\": %.6g, \"metrics_ms\": %.6g, \"aggregate_ms\": %.6g, \"f\": %.17g, \"grad_norm_sq\": "
      "%.17g}\n",
      o.data.c_str(), static_cast<long long>(rows), static_cast<long long>(dim), static_cast<long long>(nnz),
      sparse ? "true" : "false", static_cast<long long>(o.workers), static_cast<long long>(o.k), o.threads,
      static_cast<long long>(round), bytes, unit ? "true" : "false", sorted[sorted.size() / 2],
      sorted.front(), compute_ms / timed_rounds, metrics_ms / timed_rounds, aggregate_ms / timed_rounds,
      last.f, last.grad_norm_sq);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "ef21_bench_math: %s\n", e.what());
  return 1;
}

// lambda_max(A^T A), the core of the smoothness constants: the matrix-free Lanczos iteration
// against the named reference, the dense eigen-solver (models/problems/smoothness.hpp), in
// one run.
//
//   ef21_bench_smoothness [--data-dir DIR] [--workers N] [--no-large] [--no-dense-large]
//
// Cases: the shared LIBSVM datasets in DIR (default ../shared/data/libsvm beside the
// source tree: mushrooms, a9a, w8a), whole and split sequentially in N workers (default 20,
// the paper's), and synthetic sets (models/data/synthetic.hpp, 30 non-zeros a row): the
// issue-13 case 20 000 x 200 000 whole (Lanczos only: its dense Gram matrix would have
// 20 000^2 entries, 3.2 GB, and an O(n^3) solve) and its N worker shards (1000 x 200 000
// each, both solvers), and a real-sim-sized 20 000 x 20 000 with 50 non-zeros a row
// (Lanczos only). For shards the times are sums over the workers and the difference is
// the largest over them.
// Columns: seconds of each solver (best of 3 for cases under a second), the relative
// difference |Lanczos - dense| / dense, Lanczos products G v, restarts and final relative
// residual, and which solver the automatic choice takes.
#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/data/libsvm_reader.hpp"
#include "models/data/split.hpp"
#include "models/data/synthetic.hpp"
#include "models/problems/smoothness.hpp"

using namespace ef21;
using Clock = std::chrono::steady_clock;

namespace {

/// Seconds of one call of f; best of 3 when a call takes under a second.
double seconds(const std::function<void()>& f) {
  double best = 1e300;
  for (int r = 0; r < 3; ++r) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    if (best > 1.0) break;
  }
  return best;
}

struct Row {
  std::string name;
  Eigen::Index m = 0, d = 0;
  std::int64_t nnz = 0;
  double dense_s = -1.0, lanczos_s = 0.0, difference = -1.0, residual = 0.0;
  std::int64_t products = 0, restarts = 0;
  std::string automatic;
};

void print(const Row& r) {
  std::printf("%-28s %7lld %8lld %9lld %10s %10.4f %10s %6lld %4lld %9.1e %s\n", r.name.c_str(),
              static_cast<long long>(r.m), static_cast<long long>(r.d), static_cast<long long>(r.nnz),
              r.dense_s < 0 ? "-" : std::to_string(r.dense_s).substr(0, 8).c_str(), r.lanczos_s,
              r.difference < 0 ? "-" : [&] {
                static char buf[32];
                std::snprintf(buf, sizeof buf, "%.2e", r.difference);
                return buf;
              }(),
              static_cast<long long>(r.products), static_cast<long long>(r.restarts), r.residual, r.automatic.c_str());
  std::fflush(stdout);
}

/// Both solvers (dense unless `with_dense` is false) on each of `parts`, summed.
Row measure(const std::string& name, const std::vector<data::Dataset>& parts, bool with_dense) {
  Row row;
  row.name = name;
  row.d = parts.front().dim();
  int dense_choices = 0;
  for (const data::Dataset& part : parts) {
    row.m += part.rows();
    row.nnz += part.stored_values();
    problems::LanczosResult lanczos;
    row.lanczos_s += seconds([&] { lanczos = problems::gram_eigenvalue_lanczos(part.features); });
    row.products += lanczos.products;
    row.restarts += lanczos.restarts;
    row.residual = std::max(row.residual, lanczos.residual);
    if (with_dense) {
      double dense = 0.0;
      row.dense_s = std::max(row.dense_s, 0.0) +
                    seconds([&] { dense = problems::gram_eigenvalue_dense(part.features); });
      row.difference = std::max(row.difference, std::abs(lanczos.value - dense) / dense);
    }
    dense_choices += problems::dense_gram_is_cheaper(part.features) ? 1 : 0;
  }
  row.automatic = dense_choices == static_cast<int>(parts.size()) ? "dense"
                  : dense_choices == 0                            ? "lanczos"
                                                                  : std::to_string(dense_choices) + " dense";
  return row;
}

data::Dataset synthetic(std::int64_t rows, std::int64_t dim, double per_row) {
  data::SyntheticSpec spec;
  spec.rows = rows;
  spec.dim = dim;
  spec.density = per_row / static_cast<double>(dim);
  return data::make_synthetic(spec);
}

}  // namespace

int main(int argc, char** argv) try {
  std::filesystem::path data_dir =
      std::filesystem::path(EF21SIM_SOURCE_DIR) / ".." / "shared" / "data" / "libsvm";
  std::int64_t workers = 20;
  bool large = true, dense_large = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + a);
      return argv[++i];
    };
    if (a == "--data-dir")
      data_dir = next();
    else if (a == "--workers")
      workers = std::stoll(next());
    else if (a == "--no-large")
      large = false;
    else if (a == "--no-dense-large")
      dense_large = false;
    else
      throw std::runtime_error("unknown argument " + a);
  }
  std::printf("%-28s %7s %8s %9s %10s %10s %10s %6s %4s %9s %s\n", "case", "m", "d", "nnz", "dense s",
              "Lanczos s", "rel diff", "G v", "rst", "residual", "automatic");
  for (const char* name : {"mushrooms", "a9a", "w8a"}) {
    const std::filesystem::path file = data_dir / name;
    if (!std::filesystem::exists(file)) {
      std::printf("%-28s (missing: %s)\n", name, file.string().c_str());
      continue;
    }
    const data::Dataset all = data::read_libsvm(file);
    print(measure(name, {all}, true));
    print(measure(std::string(name) + " shards", data::split_dataset(all, workers, {}), true));
  }
  if (large) {
    const data::Dataset news = synthetic(20000, 200000, 30);
    print(measure("synthetic 20000x200000", {news}, false));
    print(measure("  its shards", data::split_dataset(news, workers, {}), dense_large));
    const data::Dataset sim = synthetic(20000, 20000, 50);
    print(measure("synthetic 20000x20000", {sim}, false));
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "ef21_bench_smoothness: %s\n", e.what());
  return 2;
}

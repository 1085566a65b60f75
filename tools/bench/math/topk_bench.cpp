// Top-k selection: TopK::compress (k-th largest magnitude, then one thresholded pass)
// against the named reference, the previous implementation
// (compressors::reference::top_k_indices_by_nth_element: nth_element over an index array,
// |x| recomputed in every comparison, then a sort of the k survivors), in one run.
//
//   ef21_bench_topk [--vectors V] [--repeats R] [--cold] [--case D:K]...
//
// Each case draws V different vectors of dimension D (default 1000, i.e. 1000 workers'
// inputs, capped at 8 MB of data), from two distributions: "normal" (N(0,1) entries, what
// gradient differences look like) and "ties" (entries in {-2,...,2}: most magnitudes tie).
// Both selections run on every vector, R times (default 15); the figure is the median over
// the repeats of the mean time per vector, in ns, and the ratio reference / TopK.
//  - default ("hot"): each call is timed alone, right after its vector was read (as in a
//    simulation, where a worker compresses the vector it has just computed), the clock's
//    own cost subtracted, the columns in a rotating order. Many different vectors, so the
//    branch predictor cannot learn one.
//  - --cold: the V vectors are streamed through back to back (8 MB: from L3 or memory).
// Columns: the reference, TopK as the simulator builds it (with its automatic choice of
// selection), their ratio, and TopK with each of its three selections forced (heap, block
// maxima, nth_element), which is how the crossovers in top_k.cpp were fitted.
// Before timing, every vector's choices are checked to be identical (indices and values).
// Output: one table row per (case, distribution) on stdout.
#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/compressors/compressor.hpp"
#include "models/compressors/top_k.hpp"
#include "models/compressors/top_k_reference.hpp"
#include "models/support/rng.hpp"

using namespace ef21;
using Clock = std::chrono::steady_clock;

namespace {

struct Case {
  Eigen::Index d;
  std::int64_t k;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) try {
  std::int64_t vectors = 1000;
  int repeats = 15;
  bool cold = false;
  std::vector<Case> cases;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + a);
      return argv[++i];
    };
    if (a == "--vectors") {
      vectors = std::stoll(next());
    } else if (a == "--repeats") {
      repeats = std::stoi(next());
    } else if (a == "--cold") {
      cold = true;
    } else if (a == "--case") {
      const std::string v = next();
      const auto colon = v.find(':');
      if (colon == std::string::npos) throw std::runtime_error("--case wants D:K");
      cases.push_back({std::stoll(v.substr(0, colon)), std::stoll(v.substr(colon + 1))});
    } else {
      throw std::runtime_error("unknown argument " + a);
    }
  }
  if (cases.empty())
    cases = {{1000, 10}, {1000, 2},   {1000, 50},   {1000, 100},  {1000, 250},    {1000, 500},
             {100, 10},  {30000, 10}, {30000, 300}, {200000, 10}, {200000, 2000}, {200000, 50000}};

  std::printf("# %s: median over %d repeats of the mean ns per vector\n",
              cold ? "cold (vectors streamed back to back)" : "hot (each vector just read)", repeats);
  std::printf(
      "# TopK = the automatic choice (its selection in brackets); heap, block, nth = each selection "
      "forced\n");
  std::printf("%8s %7s %7s %12s %12s %8s %10s %10s %10s\n", "d", "k", "input", "reference", "TopK", "ratio",
              "heap", "block", "nth");
  using Selection = compressors::TopK::Selection;
  for (const Case& c : cases) {
    for (const bool ties : {false, true}) {
      // Keep the working set near 8 MB whatever d is.
      const std::int64_t count = std::max<std::int64_t>(1, std::min<std::int64_t>(vectors, 1000000 / c.d));
      Rng rng = Rng::stream(1, "bench.topk", static_cast<std::uint64_t>(c.d * 1000003 + c.k));
      Eigen::MatrixXd inputs(c.d, count);
      for (std::int64_t j = 0; j < count; ++j)
        for (Eigen::Index l = 0; l < c.d; ++l)
          inputs(l, j) = ties ? static_cast<double>(rng.below(5)) - 2.0 : rng.normal();

      // Column 0 the reference, 1 TopK as the simulator builds it, 2-4 each selection forced.
      const std::vector<compressors::TopK> variants{compressors::TopK(c.k, c.d),
                                                    compressors::TopK(c.k, c.d, Selection::heap),
                                                    compressors::TopK(c.k, c.d, Selection::block_maxima),
                                                    compressors::TopK(c.k, c.d, Selection::nth_element)};
      compressors::SparseVector out;
      compressors::CompressorWorkspace workspace;
      std::vector<std::int32_t> order, indices;
      Rng unused(0);
      // Same choices, vector by vector (the tests check this more thoroughly).
      for (std::int64_t j = 0; j < count; ++j) {
        compressors::reference::top_k_indices_by_nth_element(inputs.col(j), c.k, order, indices);
        for (const auto& top_k : variants) {
          top_k.compress(inputs.col(j), out, unused, workspace);
          if (out.indices != indices) throw std::runtime_error("TopK and the reference chose differently");
        }
      }
      double sink = 0.0;
      const auto call = [&](std::size_t column, std::int64_t j) {
        if (column == 0) {
          compressors::reference::top_k_indices_by_nth_element(inputs.col(j), c.k, order, indices);
          // The reference also gathers the values, as TopK does.
          out.values.resize(indices.size());
          for (std::size_t p = 0; p < indices.size(); ++p) out.values[p] = inputs(indices[p], j);
        } else {
          variants[column - 1].compress(inputs.col(j), out, unused, workspace);
        }
        sink += out.values[0];
      };
      // The cost of reading the clock twice, subtracted from every hot timing.
      std::vector<double> empty;
      for (int r = 0; r < 1000; ++r) {
        const auto t0 = Clock::now();
        const auto t1 = Clock::now();
        empty.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
      }
      const double clock_ns = median(empty);
      constexpr std::size_t kColumns = 5;
      std::vector<std::vector<double>> ns(kColumns);
      for (int r = 0; r < repeats; ++r) {
        std::vector<double> total(kColumns, 0.0);
        if (cold) {
          for (std::size_t column = 0; column < kColumns; ++column) {
            const auto t0 = Clock::now();
            for (std::int64_t j = 0; j < count; ++j) call(column, j);
            total[column] = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
          }
        } else {
          for (std::int64_t j = 0; j < count; ++j) {
            // A rotating order, so that no column always follows the same one (whatever the
            // previous call leaves in the caches and branch predictors hits all alike).
            for (std::size_t turn = 0; turn < kColumns; ++turn) {
              const std::size_t column = (turn + static_cast<std::size_t>(j)) % kColumns;
              sink += inputs.col(j).sum();  // read the vector, as computing it would have
              const auto t0 = Clock::now();
              call(column, j);
              const auto t1 = Clock::now();
              total[column] += std::chrono::duration<double, std::nano>(t1 - t0).count() - clock_ns;
            }
          }
        }
        for (std::size_t column = 0; column < kColumns; ++column)
          ns[column].push_back(total[column] / static_cast<double>(count));
      }
      std::vector<double> m(kColumns);
      for (std::size_t column = 0; column < kColumns; ++column) m[column] = median(ns[column]);
      const char* chosen = compressors::TopK::selection_for(c.k, c.d) == Selection::heap           ? "heap"
                           : compressors::TopK::selection_for(c.k, c.d) == Selection::block_maxima ? "block"
                                                                                                   : "nth";
      std::printf("%8lld %7lld %7s %12.1f %7.1f %-5s%8.2f %10.1f %10.1f %10.1f\n",
                  static_cast<long long>(c.d), static_cast<long long>(c.k), ties ? "ties" : "normal", m[0],
                  m[1], (std::string("[") + chosen + "]").c_str(), m[0] / m[1], m[2], m[3], m[4]);
      if (sink == 0.125) std::printf("(keeps the calls alive)\n");
    }
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "ef21_bench_topk: %s\n", e.what());
  return 2;
}

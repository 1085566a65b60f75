// GatheredInputs: x on each worker's columns and the term on its support, read chunk by chunk
// for a block of workers, equal the plain per-worker reads, at every chunk boundary and on
// any number of threads.
#include "models/algorithms/gathered_inputs.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "models/support/parallel_chunks.hpp"
#include "tests/models/support/models_test_support.hpp"

using ef21::algorithms::GatheredInputs;

TEST_CASE("GatheredInputs reads what each worker would read itself, at every chunk boundary", "[gathered]") {
  const std::uint64_t seed = ef21::test::test_seed(2026);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  const Eigen::Index d = 3 * ef21::kCoordinateChunk + 123;
  Eigen::VectorXd x(d), term(d);
  for (Eigen::Index l = 0; l < d; ++l) {
    x[l] = rng.normal();
    term[l] = rng.normal();
  }
  const std::vector<std::uint32_t> workers = {2, 3, 7, 11};
  std::vector<std::vector<std::int32_t>> columns, support;
  for (std::size_t j = 0; j < workers.size(); ++j) {
    columns.push_back(
        ef21::test::random_coordinates(rng, d, 0.01 * static_cast<double>(j + 1), ef21::kCoordinateChunk));
    support.push_back(ef21::test::random_coordinates(rng, d, 0.02, ef21::kCoordinateChunk));
  }
  support[1].clear();  // an empty support is a valid request
  ef21::ThreadPool two(2);
  for (ef21::ThreadPool* pool : {static_cast<ef21::ThreadPool*>(nullptr), &two}) {
    GatheredInputs gathered;
    for (int block = 0; block < 2; ++block) {  // the buffers are reused across blocks
      gathered.clear();
      for (std::size_t j = 0; j < workers.size(); ++j) gathered.request({workers[j], columns[j], support[j]});
      gathered.gather(pool, x, term);
      for (std::size_t j = 0; j < workers.size(); ++j) {
        CAPTURE(block, j);
        const GatheredInputs::Inputs* in = gathered.find(workers[j]);
        REQUIRE(in != nullptr);
        REQUIRE(in->x_on_columns.size() == columns[j].size());
        REQUIRE(in->term_on_support.size() == support[j].size());
        for (std::size_t p = 0; p < columns[j].size(); ++p) REQUIRE(in->x_on_columns[p] == x[columns[j][p]]);
        for (std::size_t q = 0; q < support[j].size(); ++q)
          REQUIRE(in->term_on_support[q] == term[support[j][q]]);
      }
      CHECK(gathered.find(0) == nullptr);
      CHECK(gathered.find(5) == nullptr);
      x *= -1.5;  // the next block reads new values into the same buffers
      term *= 0.5;
    }
    gathered.clear();
    CHECK(gathered.find(2) == nullptr);
  }
}

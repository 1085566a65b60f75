// SparseVector::add_range_to: on any range, the additions add_to makes there, bit for bit, for
// every message form (indexed sparse, indexed dense, borrowed dense, borrowed overlay); and
// RoundView::sum, which adds the messages chunk by chunk on the run's threads, equals the
// sequential worker-order sum bit for bit.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "models/algorithms/method.hpp"
#include "models/compressors/sparse_vector.hpp"
#include "models/support/parallel_chunks.hpp"
#include "models/support/rng.hpp"
#include "tests/models/support/models_test_support.hpp"

using ef21::Rng;
using ef21::compressors::SparseVector;

namespace {

Eigen::VectorXd random_vector(Rng& rng, Eigen::Index d) {
  Eigen::VectorXd v(d);
  for (Eigen::Index l = 0; l < d; ++l) v[l] = rng.normal();
  return v;
}

}  // namespace

TEST_CASE("add_range_to adds on a coordinate range what add_to adds there, for every message form",
          "[sparse-vector]") {
  const std::uint64_t seed = ef21::test::test_seed(20261201);
  CAPTURE(seed);
  Rng rng(seed);
  const Eigen::Index d = 3 * ef21::kCoordinateChunk + 77;  // several chunks, a short last one
  const Eigen::VectorXd base = random_vector(rng, d);
  const std::vector<std::int32_t> at = ef21::test::random_coordinates(rng, d, 0.01);
  std::vector<double> replaced(at.size());
  for (double& r : replaced) r = rng.normal();

  std::vector<SparseVector> forms(4);
  forms[0].dim = d;  // indexed sparse
  forms[0].indices = ef21::test::random_coordinates(rng, d, 0.002);
  for (std::size_t p = 0; p < forms[0].indices.size(); ++p) forms[0].values.push_back(rng.normal());
  forms[1].assign_dense(base);  // indexed dense
  forms[2].borrow_dense(base);
  forms[3].borrow_overlay(base, at, replaced);

  for (std::size_t f = 0; f < forms.size(); ++f) {
    CAPTURE(f);
    for (const double scale : {1.0, -0.375}) {
      CAPTURE(scale);
      const Eigen::VectorXd start = random_vector(rng, d);
      Eigen::VectorXd whole = start;
      forms[f].add_to(whole, scale);
      // Random ranges, including empty ones and ones starting or ending on a replaced index.
      for (int trial = 0; trial < 40; ++trial) {
        Eigen::Index from = static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(d) + 1));
        Eigen::Index to = static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(d) + 1));
        if (trial % 4 == 1 && !at.empty()) from = at[rng.below(at.size())];
        if (trial % 4 == 2 && !at.empty()) to = at[rng.below(at.size())];
        if (from > to) std::swap(from, to);
        CAPTURE(from, to);
        Eigen::VectorXd ranged = start;
        forms[f].add_range_to(ranged.data(), from, to, scale);
        Eigen::VectorXd expected = start;
        expected.segment(from, to - from) = whole.segment(from, to - from);
        REQUIRE(ef21::test::same_bits(ranged, expected));
      }
      // The chunks of [0, d), one after the other, give add_to exactly.
      Eigen::VectorXd chunked = start;
      ef21::for_each_chunk(nullptr, d, [&](std::int64_t, std::int64_t from, std::int64_t to) {
        forms[f].add_range_to(chunked.data(), from, to, scale);
      });
      CHECK(ef21::test::same_bits(chunked, whole));
    }
  }
}

TEST_CASE("RoundView::sum on two threads equals the sequential worker-order sum", "[sparse-vector]") {
  const std::uint64_t seed = ef21::test::test_seed(77);
  CAPTURE(seed);
  Rng rng(seed);
  const Eigen::Index d = 2 * ef21::kCoordinateChunk + 5;
  const std::size_t n = 7;
  std::vector<ef21::algorithms::WorkerOutput> outputs(n);
  std::vector<Eigen::VectorXd> kept(n);
  std::vector<std::vector<std::int32_t>> at(n);
  std::vector<std::vector<double>> replaced(n);
  for (std::size_t i = 0; i < n; ++i) {
    SparseVector& m = outputs[i].message;
    kept[i] = random_vector(rng, d);
    switch (i % 3) {
      case 0:
        m.dim = d;
        m.indices = ef21::test::random_coordinates(rng, d, 0.001);
        for (std::size_t p = 0; p < m.indices.size(); ++p) m.values.push_back(rng.normal() * 1e3);
        break;
      case 1:
        m.borrow_dense(kept[i]);
        break;
      default:
        at[i] = ef21::test::random_coordinates(rng, d, 0.003);
        for (std::size_t p = 0; p < at[i].size(); ++p) replaced[i].push_back(rng.normal() * 1e-3);
        m.borrow_overlay(kept[i], at[i], replaced[i]);
    }
  }
  const std::vector<std::uint32_t> participants = {0, 1, 2, 4, 5, 6};
  std::vector<double> weights(n);
  for (double& w : weights) w = rng.uniform();
  for (const bool weighted : {false, true}) {
    CAPTURE(weighted);
    const std::span<const double> w = weighted ? std::span<const double>(weights) : std::span<const double>();
    Eigen::VectorXd expected = Eigen::VectorXd::Zero(d);
    for (const std::uint32_t i : participants)
      outputs[i].message.add_to(expected, weighted ? weights[i] : 1.0);
    ef21::ThreadPool pool(2);
    Eigen::VectorXd sequential = Eigen::VectorXd::Constant(d, 9.0);  // sum() must overwrite, not add
    Eigen::VectorXd parallel = Eigen::VectorXd::Constant(d, -9.0);
    ef21::algorithms::RoundView{outputs, participants, nullptr, nullptr}.sum(sequential, w);
    ef21::algorithms::RoundView{outputs, participants, nullptr, &pool}.sum(parallel, w);
    CHECK(ef21::test::same_bits(sequential, expected));
    CHECK(ef21::test::same_bits(parallel, expected));
  }
}

TEST_CASE("for_each_chunk covers 0 to size once, in chunks that do not depend on the threads",
          "[parallel-chunks]") {
  ef21::ThreadPool one(1), two(2);
  for (const std::int64_t size : {std::int64_t{0}, std::int64_t{1}, ef21::kCoordinateChunk,
                                  ef21::kCoordinateChunk + 1, 5 * ef21::kCoordinateChunk - 3}) {
    CAPTURE(size);
    for (ef21::ThreadPool* pool : {static_cast<ef21::ThreadPool*>(nullptr), &one, &two}) {
      std::vector<std::int64_t> owner(static_cast<std::size_t>(size), -1);
      std::vector<std::int64_t> starts(static_cast<std::size_t>(ef21::coordinate_chunks(size)), -1);
      ef21::for_each_chunk(pool, size, [&](std::int64_t chunk, std::int64_t from, std::int64_t to) {
        starts[static_cast<std::size_t>(chunk)] = from;
        for (std::int64_t l = from; l < to; ++l) owner[static_cast<std::size_t>(l)] = chunk;
      });
      for (std::int64_t l = 0; l < size; ++l)
        REQUIRE(owner[static_cast<std::size_t>(l)] == l / ef21::kCoordinateChunk);
      for (std::size_t c = 0; c < starts.size(); ++c)
        REQUIRE(starts[c] == static_cast<std::int64_t>(c) * ef21::kCoordinateChunk);
    }
  }
}

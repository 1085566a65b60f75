// Worker splits: the paper's sizes, order, permutations, label skew, errors, storage.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <set>

#include "models/data/split.hpp"
#include "models/data/synthetic.hpp"
#include "tests/models/data/data_test_support.hpp"

namespace ef21::data {
namespace {

using test::to_dense;

/// rows x 3, row r = (r, -r, r mod 3); labels alternate in runs so label_skew has work to do.
Dataset numbered(Eigen::Index rows, bool sparse) {
  DenseRowMatrix a(rows, 3);
  Eigen::VectorXd y(rows);
  for (Eigen::Index r = 0; r < rows; ++r) {
    a.row(r) << static_cast<double>(r), -static_cast<double>(r), static_cast<double>(r % 3);
    y[r] = (r % 5 < 2) ? 1.0 : -1.0;
  }
  Dataset out;
  out.name = "numbered";
  out.labels = y;
  if (sparse) {
    SparseRowMatrix m = a.sparseView();
    m.makeCompressed();
    out.features = std::move(m);
  } else {
    out.features = a;
  }
  return out;
}

/// The row numbers a shard holds (column 0 of `numbered`).
std::vector<Eigen::Index> ids(const Dataset& shard) {
  const Eigen::MatrixXd a = to_dense(shard);
  std::vector<Eigen::Index> out;
  for (Eigen::Index r = 0; r < a.rows(); ++r) out.push_back(static_cast<Eigen::Index>(a(r, 0)));
  return out;
}

Dataset concatenate(const std::vector<Dataset>& shards) {
  Eigen::Index rows = 0;
  for (const Dataset& s : shards) rows += s.rows();
  Dataset out;
  Eigen::MatrixXd a(rows, shards.front().dim());
  out.labels.resize(rows);
  Eigen::Index at = 0;
  for (const Dataset& s : shards) {
    a.middleRows(at, s.rows()) = to_dense(s);
    out.labels.segment(at, s.rows()) = s.labels;
    at += s.rows();
  }
  out.features = DenseRowMatrix(a);
  return out;
}

TEST_CASE("shard_sizes gives N div n rows to each worker and the remainder to the last") {
  CHECK(shard_sizes(8124, 20) == std::vector<Eigen::Index>{406, 406, 406, 406, 406, 406, 406, 406, 406, 406, 406,
                                                           406, 406, 406, 406, 406, 406, 406, 406, 410});
  CHECK(shard_sizes(10, 3) == std::vector<Eigen::Index>{3, 3, 4});
  CHECK(shard_sizes(7, 7) == std::vector<Eigen::Index>(7, 1));
  CHECK(shard_sizes(7, 1) == std::vector<Eigen::Index>{7});
}

TEST_CASE("split_dataset sequential keeps file order in contiguous blocks") {
  for (const bool sparse : {false, true}) {
    CAPTURE(sparse);
    const Dataset data = numbered(8124, sparse);
    const std::vector<Dataset> shards = split_dataset(data, 20, SplitSpec{});
    REQUIRE(shards.size() == 20);
    Eigen::Index next = 0;
    for (std::size_t w = 0; w < shards.size(); ++w) {
      CHECK(shards[w].rows() == (w < 19 ? 406 : 410));  // 8124 = 20 * 406 + 4
      CHECK(shards[w].dim() == 3);
      CHECK(shards[w].is_sparse() == sparse);
      CHECK(shards[w].name == "numbered");
      for (const Eigen::Index id : ids(shards[w])) CHECK(id == next++);
    }
    const Dataset joined = concatenate(shards);
    CHECK(to_dense(joined) == to_dense(data));
    CHECK(joined.labels == data.labels);
  }
}

TEST_CASE("split_dataset shuffled is a seeded permutation with the same sizes") {
  const std::uint64_t seed = test::test_seed(29);
  CAPTURE(seed);
  for (const bool sparse : {false, true}) {
    CAPTURE(sparse);
    const Dataset data = numbered(1000, sparse);
    const SplitSpec spec{SplitKind::shuffled, seed};
    const std::vector<Dataset> shards = split_dataset(data, 7, spec);
    REQUIRE(shards.size() == 7);
    std::vector<Eigen::Index> all;
    for (std::size_t w = 0; w < shards.size(); ++w) {
      CHECK(shards[w].rows() == (w < 6 ? 142 : 148));
      CHECK(shards[w].is_sparse() == sparse);
      const std::vector<Eigen::Index> shard_ids = ids(shards[w]);
      // Labels travel with their rows.
      for (std::size_t i = 0; i < shard_ids.size(); ++i)
        CHECK(shards[w].labels[static_cast<Eigen::Index>(i)] == data.labels[shard_ids[i]]);
      all.insert(all.end(), shard_ids.begin(), shard_ids.end());
    }
    CHECK(all == split_order(data, spec));  // concatenation = the rows in split order
    std::vector<Eigen::Index> sorted = all;
    std::sort(sorted.begin(), sorted.end());
    std::vector<Eigen::Index> identity(1000);
    std::iota(identity.begin(), identity.end(), Eigen::Index{0});
    CHECK(sorted == identity);  // a permutation
    CHECK(all != identity);     // and not the identity (probability 1/1000!)

    // Deterministic in the seed; a different seed gives a different permutation.
    CHECK(split_order(data, spec) == split_order(data, spec));
    CHECK(split_order(data, SplitSpec{SplitKind::shuffled, seed + 1}) != all);
  }
}

TEST_CASE("split_dataset shuffled permutations are uniform over positions") {
  // Each row lands in each position with probability 1/n: check the mean position.
  const std::uint64_t seed = test::test_seed(31);
  CAPTURE(seed);
  const Dataset data = numbered(10, false);
  std::vector<double> mean_position(10, 0.0);
  const int trials = 20000;
  for (int t = 0; t < trials; ++t) {
    const auto order = split_order(data, SplitSpec{SplitKind::shuffled, seed + static_cast<std::uint64_t>(t)});
    for (std::size_t pos = 0; pos < order.size(); ++pos) mean_position[static_cast<std::size_t>(order[pos])] += static_cast<double>(pos);
  }
  for (double& m : mean_position) {
    m /= trials;
    CHECK(m == Approx(4.5).margin(0.1));  // sd of a uniform position ~2.9, of the mean ~0.02
  }
}

TEST_CASE("split_dataset label_skew stable-sorts rows by label before the sequential cut") {
  for (const bool sparse : {false, true}) {
    CAPTURE(sparse);
    const Dataset data = numbered(100, sparse);  // 40 rows with +1, 60 with -1
    const std::vector<Dataset> shards = split_dataset(data, 5, SplitSpec{SplitKind::label_skew, 1});
    const Dataset joined = concatenate(shards);
    CHECK(std::is_sorted(joined.labels.data(), joined.labels.data() + joined.labels.size()));
    // Workers 0-2 see only -1, workers 3-4 only +1.
    for (std::size_t w = 0; w < 5; ++w) CHECK((shards[w].labels.array() == (w < 3 ? -1.0 : 1.0)).all());
    // Stable: within a label, file order.
    std::vector<Eigen::Index> all;
    for (const Dataset& s : shards) {
      const auto shard_ids = ids(s);
      all.insert(all.end(), shard_ids.begin(), shard_ids.end());
    }
    CHECK(std::is_sorted(all.begin(), all.begin() + 60));
    CHECK(std::is_sorted(all.begin() + 60, all.end()));
    CHECK(shards[0].is_sparse() == sparse);
  }
}

TEST_CASE("split_dataset shards keep the full dimension even where a column is all zero") {
  Dataset data = numbered(6, true);
  // Feature 2 only in the last row.
  DenseRowMatrix a = DenseRowMatrix::Zero(6, 4);
  a(5, 3) = 1.0;
  a.col(0).setOnes();
  SparseRowMatrix m = a.sparseView();
  m.makeCompressed();
  data.features = std::move(m);
  for (const SplitKind kind : {SplitKind::sequential, SplitKind::shuffled, SplitKind::label_skew}) {
    for (const Dataset& shard : split_dataset(data, 3, SplitSpec{kind, 1})) {
      CHECK(shard.dim() == 4);
      CHECK(shard.is_sparse());
      CHECK(std::get<SparseRowMatrix>(shard.features).isCompressed());
    }
  }
}

TEST_CASE("split_dataset rejects more workers than samples and fewer than one worker") {
  const Dataset data = numbered(7, false);
  try {
    split_dataset(data, 20, SplitSpec{});
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK_THAT(e.message(), Catch::Matchers::Contains("20 workers but only 7 samples"));
  }
  for (const std::int64_t workers : {0, -1}) {
    try {
      split_dataset(data, workers, SplitSpec{SplitKind::shuffled, 1});
      FAIL("expected an InputError");
    } catch (const InputError& e) {
      CHECK_THAT(e.message(), Catch::Matchers::Contains("at least 1"));
    }
  }
  CHECK(split_dataset(data, 7, SplitSpec{}).size() == 7);  // one row each is fine
}

TEST_CASE("gather_rows copies the chosen rows in order, repeats allowed, for both storages") {
  for (const bool sparse : {false, true}) {
    const Dataset data = numbered(9, sparse);
    const std::vector<Eigen::Index> rows = {8, 0, 4, 4};
    const Dataset picked = gather_rows(data, rows);
    CHECK(picked.is_sparse() == sparse);
    CHECK(ids(picked) == rows);
    CHECK(picked.labels == Eigen::Vector4d(data.labels[8], data.labels[0], data.labels[4], data.labels[4]));
    CHECK(gather_rows(data, {}).rows() == 0);
  }
}

TEST_CASE("split kind names round-trip through parse_split_kind") {
  for (const SplitKind kind : {SplitKind::sequential, SplitKind::shuffled, SplitKind::label_skew})
    CHECK(parse_split_kind(to_string(kind)) == kind);
  CHECK(parse_split_kind("label_skew") == SplitKind::label_skew);
  CHECK_FALSE(parse_split_kind("random").has_value());
}

TEST_CASE("split_dataset with sequential split gives each worker its synthetic block") {
  SyntheticSpec spec;
  spec.rows = 103;
  spec.workers = 4;
  spec.dim = 5;
  const Dataset data = make_synthetic(spec);
  const std::vector<Dataset> shards = split_dataset(data, 4, SplitSpec{});
  const std::vector<Eigen::Index> sizes = {25, 25, 25, 28};
  for (std::size_t w = 0; w < 4; ++w) CHECK(shards[w].rows() == sizes[w]);
}

}  // namespace
}  // namespace ef21::data

// Synthetic generator: determinism, shape and density, conditioning, heterogeneity, label
// noise, regression, spec validation.
#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <cmath>

#include "models/data/split.hpp"
#include "models/data/synthetic.hpp"
#include "tests/models/data/data_test_support.hpp"

namespace ef21::data {
namespace {

using test::to_dense;

bool same_data(const Dataset& a, const Dataset& b) {
  return a.is_sparse() == b.is_sparse() && a.rows() == b.rows() && a.dim() == b.dim() &&
         to_dense(a) == to_dense(b) && a.labels == b.labels;
}

/// Least-squares solution on one shard (dense normal equations; fine for small d).
Eigen::VectorXd least_squares(const Dataset& shard) {
  const Eigen::MatrixXd a = to_dense(shard);
  return (a.transpose() * a).ldlt().solve(a.transpose() * shard.labels);
}

double cosine(const Eigen::VectorXd& a, const Eigen::VectorXd& b) { return a.dot(b) / (a.norm() * b.norm()); }

TEST_CASE("make_synthetic is deterministic in its seed") {
  const std::uint64_t seed = test::test_seed(7);
  CAPTURE(seed);
  for (const double density : {1.0, 0.2}) {
    CAPTURE(density);
    SyntheticSpec spec;
    spec.rows = 300;
    spec.dim = 20;
    spec.density = density;
    spec.heterogeneity = 0.5;
    spec.workers = 4;
    spec.label_noise = 0.1;
    spec.seed = seed;
    const Dataset a = make_synthetic(spec);
    CHECK(same_data(a, make_synthetic(spec)));
    CHECK(a.name == "synthetic");
    spec.seed = seed + 1;
    const Dataset c = make_synthetic(spec);
    CHECK(to_dense(a) != to_dense(c));
    CHECK(a.labels != c.labels);
  }
}

TEST_CASE("make_synthetic features depend only on seed, rows' positions, dim and density") {
  // Changing workers, heterogeneity or label settings changes labels only, and a longer
  // dataset starts with the shorter one's rows: streams are per row.
  SyntheticSpec base;
  base.rows = 200;
  base.dim = 15;
  base.density = 0.4;
  SyntheticSpec other = base;
  other.rows = 260;
  other.workers = 5;
  other.heterogeneity = 1.0;
  other.label_noise = 0.3;
  const Eigen::MatrixXd a = to_dense(make_synthetic(base));
  const Eigen::MatrixXd b = to_dense(make_synthetic(other));
  CHECK(a == b.topRows(200));
}

TEST_CASE("make_synthetic dense: shape, storage and rows of expected squared norm 1") {
  SyntheticSpec spec;
  spec.rows = 4000;
  spec.dim = 30;
  spec.seed = test::test_seed(11);
  CAPTURE(spec.seed);
  const Dataset data = make_synthetic(spec);
  REQUIRE_FALSE(data.is_sparse());
  CHECK(data.rows() == 4000);
  CHECK(data.dim() == 30);
  CHECK(data.stored_values() == 4000 * 30);
  const auto& a = std::get<DenseRowMatrix>(data.features);
  // E||a||^2 = 1; the mean of 4000 rows has standard deviation sqrt(2/30/4000) ~ 0.004.
  CHECK(a.rowwise().squaredNorm().mean() == Approx(1.0).margin(0.03));
  CHECK((data.labels.array().abs() == 1.0).all());
  // Balanced classes: a^T w is symmetric around 0.
  const double positives = static_cast<double>((data.labels.array() > 0).count()) / 4000.0;
  CHECK(positives == Approx(0.5).margin(0.05));
}

TEST_CASE("make_synthetic sparse: every row has round(density * d) distinct nonzeros, at least 1") {
  struct Case {
    std::int64_t dim;
    double density;
    Eigen::Index per_row;
  };
  for (const Case c : {Case{50, 0.1, 5}, Case{50, 0.25, 13}, Case{100, 0.001, 1}, Case{7, 0.99, 7}}) {
    CAPTURE(c.dim, c.density);
    SyntheticSpec spec;
    spec.rows = 500;
    spec.dim = c.dim;
    spec.density = c.density;
    spec.seed = test::test_seed(5);
    const Dataset data = make_synthetic(spec);
    REQUIRE(data.is_sparse());
    const auto& m = std::get<SparseRowMatrix>(data.features);
    CHECK(m.isCompressed());
    CHECK(data.dim() == c.dim);
    CHECK(data.stored_values() == 500 * c.per_row);
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
      const std::int32_t begin = m.outerIndexPtr()[r], end = m.outerIndexPtr()[r + 1];
      REQUIRE(end - begin == c.per_row);
      for (std::int32_t i = begin + 1; i < end; ++i) REQUIRE(m.innerIndexPtr()[i - 1] < m.innerIndexPtr()[i]);
      for (std::int32_t i = begin; i < end; ++i) REQUIRE(m.valuePtr()[i] != 0.0);
    }
    const Eigen::VectorXd norms = to_dense(data).rowwise().squaredNorm();
    CHECK(norms.mean() == Approx(1.0).margin(0.15));
  }
}

TEST_CASE("make_synthetic sparse columns are spread uniformly") {
  SyntheticSpec spec;
  spec.rows = 20000;
  spec.dim = 10;
  spec.density = 0.3;  // 3 per row: 60000 picks, 6000 per column expected, sd ~ 70
  spec.seed = test::test_seed(3);
  CAPTURE(spec.seed);
  const Dataset data = make_synthetic(spec);
  const auto& m = std::get<SparseRowMatrix>(data.features);
  std::vector<int> counts(10, 0);
  for (Eigen::Index i = 0; i < m.nonZeros(); ++i) ++counts[static_cast<std::size_t>(m.innerIndexPtr()[i])];
  for (const int count : counts) CHECK(std::abs(count - 6000) < 400);
}

TEST_CASE("make_synthetic labels are sign(a^T w_b) of each block's model when noise is 0") {
  SyntheticSpec spec;
  spec.rows = 1003;  // blocks of 250, 250, 250, 253
  spec.dim = 12;
  spec.workers = 4;
  spec.heterogeneity = 0.7;
  spec.seed = test::test_seed(13);
  CAPTURE(spec.seed);
  const Dataset data = make_synthetic(spec);
  const std::vector<Dataset> shards = split_dataset(data, 4, SplitSpec{});
  for (std::int64_t b = 0; b < 4; ++b) {
    const Eigen::VectorXd margins = to_dense(shards[static_cast<std::size_t>(b)]) * synthetic_model(spec, b);
    const Eigen::VectorXd expected = margins.unaryExpr([](double z) { return z >= 0 ? 1.0 : -1.0; });
    CHECK(shards[static_cast<std::size_t>(b)].labels == expected);
  }
}

TEST_CASE("make_synthetic heterogeneity 0 gives one model, 1 gives independent models per worker") {
  SyntheticSpec spec;
  spec.rows = 2000;
  spec.dim = 20;
  spec.workers = 4;
  spec.regression = true;  // noise 0: each shard's least-squares solution is its model exactly
  spec.seed = test::test_seed(17);
  CAPTURE(spec.seed);

  spec.heterogeneity = 0.0;
  {
    const std::vector<Dataset> shards = split_dataset(make_synthetic(spec), 4, SplitSpec{});
    const Eigen::VectorXd w0 = least_squares(shards[0]);
    for (std::int64_t b = 0; b < 4; ++b) {
      CHECK(synthetic_model(spec, b) == synthetic_model(spec, 0));
      CHECK((least_squares(shards[static_cast<std::size_t>(b)]) - w0).norm() < 1e-9 * w0.norm());
    }
  }
  spec.heterogeneity = 1.0;
  {
    const std::vector<Dataset> shards = split_dataset(make_synthetic(spec), 4, SplitSpec{});
    std::vector<Eigen::VectorXd> w;
    for (std::int64_t b = 0; b < 4; ++b) {
      w.push_back(least_squares(shards[static_cast<std::size_t>(b)]));
      CHECK((w.back() - synthetic_model(spec, b)).norm() < 1e-9 * w.back().norm());
    }
    // Independent N(0, I_20) vectors: |cosine| ~ 1/sqrt(20) ~ 0.22; far from 1.
    for (std::size_t i = 0; i < 4; ++i)
      for (std::size_t j = i + 1; j < 4; ++j) CHECK(std::abs(cosine(w[i], w[j])) < 0.8);
  }
  // In between, block models share the part sqrt(1 - h) w_shared: cosine ~ 1 - h.
  spec.heterogeneity = 0.1;
  CHECK(cosine(synthetic_model(spec, 0), synthetic_model(spec, 1)) > 0.7);
}

TEST_CASE("make_synthetic flips about label_noise of the labels and changes nothing else") {
  SyntheticSpec spec;
  spec.rows = 20000;
  spec.dim = 10;
  spec.seed = test::test_seed(19);
  CAPTURE(spec.seed);
  const Dataset clean = make_synthetic(spec);
  spec.label_noise = 0.2;
  const Dataset noisy = make_synthetic(spec);
  CHECK(to_dense(clean) == to_dense(noisy));
  const double flipped = static_cast<double>((clean.labels.array() != noisy.labels.array()).count()) / 20000.0;
  CHECK(flipped == Approx(0.2).margin(0.015));  // sd sqrt(0.16/20000) ~ 0.003
}

TEST_CASE("make_synthetic regression labels are a^T w plus noise of standard deviation label_noise") {
  SyntheticSpec spec;
  spec.rows = 20000;
  spec.dim = 10;
  spec.regression = true;
  spec.seed = test::test_seed(23);
  CAPTURE(spec.seed);
  const Eigen::VectorXd w = synthetic_model(spec, 0);
  const Dataset exact = make_synthetic(spec);
  const Eigen::VectorXd margins = to_dense(exact) * w;
  CHECK((exact.labels - margins).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(exact.labels.array().abs().maxCoeff() != 1.0);  // real-valued, not +-1
  spec.label_noise = 0.5;
  const Eigen::VectorXd noise = make_synthetic(spec).labels - margins;
  CHECK(noise.mean() == Approx(0.0).margin(0.02));
  CHECK(std::sqrt(noise.squaredNorm() / 20000.0) == Approx(0.5).margin(0.02));
}

TEST_CASE("make_synthetic rejects a bad spec naming the field") {
  struct Case {
    const char* fragment;
    SyntheticSpec spec;
  };
  const auto with = [](auto change) {
    SyntheticSpec s;
    change(s);
    return s;
  };
  const Case cases[] = {
      {"rows", with([](SyntheticSpec& s) { s.rows = 0; })},
      {"dim", with([](SyntheticSpec& s) { s.dim = -3; })},
      {"density", with([](SyntheticSpec& s) { s.density = 0.0; })},
      {"density", with([](SyntheticSpec& s) { s.density = 1.5; })},
      {"density", with([](SyntheticSpec& s) { s.density = std::nan(""); })},
      {"heterogeneity", with([](SyntheticSpec& s) { s.heterogeneity = -0.1; })},
      {"heterogeneity", with([](SyntheticSpec& s) { s.heterogeneity = 1.01; })},
      {"label_noise", with([](SyntheticSpec& s) { s.label_noise = 0.6; })},
      {"workers", with([](SyntheticSpec& s) { s.workers = 0; })},
      {"workers", with([](SyntheticSpec& s) { s.workers = 2001; })},
  };
  for (const Case& c : cases) {
    CAPTURE(c.fragment);
    try {
      make_synthetic(c.spec);
      FAIL("expected an InputError");
    } catch (const InputError& e) {
      CHECK_THAT(e.message(), Catch::Matchers::Contains(std::string("synthetic ") + c.fragment));
      CHECK(e.where().file.empty());  // the scenario layer adds the location
    }
  }
}

}  // namespace
}  // namespace ef21::data

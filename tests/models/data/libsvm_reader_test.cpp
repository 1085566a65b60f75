// LIBSVM reader: values, dimension, label modes, whitespace handling, and agreement with a
// naive model of the format on random files.
#include <catch2/catch.hpp>

#include <cmath>
#include <fmt/format.h>
#include <map>
#include <vector>

#include "models/data/libsvm_reader.hpp"
#include "models/support/rng.hpp"
#include "tests/models/data/data_test_support.hpp"

namespace ef21::data {
namespace {

using test::fixture;
using test::TempDir;
using test::to_dense;

TEST_CASE("read_libsvm reads every value of a handwritten file and maps labels {1,2} to {-1,+1}") {
  const Dataset data = read_libsvm(fixture("small_12.libsvm"));
  REQUIRE(data.is_sparse());
  REQUIRE(data.rows() == 4);  // the blank lines are skipped
  REQUIRE(data.dim() == 4);   // largest index present
  CHECK(data.name == "small_12.libsvm");
  CHECK(data.stored_values() == 6);  // 7 pairs, the explicit zero "2:0" dropped
  CHECK(std::get<SparseRowMatrix>(data.features).isCompressed());

  Eigen::MatrixXd expected(4, 4);
  expected << 0.5, 0, -1.25, 0,  //
      0, 0.3, 0, 7,              //
      1, 0, 0, -2,               //
      0, 0, 0, 0;                // "1" with no pairs: an all-zero sample
  CHECK(to_dense(data) == expected);
  CHECK(data.labels == Eigen::Vector4d(1, -1, 1, -1));
}

TEST_CASE("read_libsvm keeps labels -1/+1 as they are and sets d to the largest index") {
  const Dataset data = read_libsvm(fixture("small_pm1.libsvm"));
  REQUIRE(data.rows() == 3);
  CHECK(data.dim() == 5);
  CHECK(data.labels == Eigen::Vector3d(-1, 1, -1));
  Eigen::MatrixXd expected = Eigen::MatrixXd::Zero(3, 5);
  expected(0, 1) = 1.5;
  expected(1, 0) = -0.25;
  expected(1, 4) = 2;
  expected(2, 2) = 100;
  CHECK(to_dense(data) == expected);
}

TEST_CASE("read_libsvm in raw mode keeps labels as read") {
  CHECK(read_libsvm(fixture("small_12.libsvm"), LabelMode::raw).labels == Eigen::Vector4d(2, 1, 2, 1));

  TempDir dir;
  const auto file = dir.write("regression.libsvm", "3.25 1:1\n-7e-3 2:1\n0 1:2\n3.25 2:2\n");
  const Dataset data = read_libsvm(file, LabelMode::raw);  // three distinct values are fine in raw mode
  CHECK(data.labels == Eigen::Vector4d(3.25, -7e-3, 0, 3.25));
}

TEST_CASE("read_libsvm maps labels by value order, not by order of appearance") {
  TempDir dir;
  const auto file = dir.write("order.libsvm", "7 1:1\n-2 1:1\n7 1:1\n");
  CHECK(read_libsvm(file).labels == Eigen::Vector3d(1, -1, 1));
}

TEST_CASE("read_libsvm accepts CRLF endings, tabs, leading blanks and a missing final newline") {
  TempDir dir;
  const auto lf = dir.write("lf.libsvm", "1 1:0.5 3:2\n-1 2:4\n");
  const auto crlf = dir.write("crlf.libsvm", "1 1:0.5 3:2\r\n\r\n  -1\t2:4   \r\n");
  const auto no_newline = dir.write("nonl.libsvm", "1 1:0.5 3:2\n-1 2:4");
  const Dataset expected = read_libsvm(lf);
  for (const auto& file : {crlf, no_newline}) {
    INFO(file.string());
    const Dataset data = read_libsvm(file);
    CHECK(to_dense(data) == to_dense(expected));
    CHECK(data.labels == expected.labels);
  }
}

TEST_CASE("read_libsvm reads numbers exactly as from_chars does (shortest round trip survives)") {
  TempDir dir;
  const double values[] = {0.1, 1.0 / 3.0, -2.5e-300, 1.7976931348623157e308, 4.9406564584124654e-324 * 4};
  std::string text = "1";
  for (int i = 0; i < 5; ++i) text += fmt::format(" {}:{}", i + 1, values[i]);
  text += "\n-1 1:1\n";
  const Dataset data = read_libsvm(dir.write("exact.libsvm", text));
  const Eigen::MatrixXd dense = to_dense(data);
  for (int i = 0; i < 5; ++i) CHECK(dense(0, i) == values[i]);
}

// A naive reader of the format's well-formed subset: split on blanks and ':', std::stod.
struct NaiveFile {
  std::vector<double> labels;
  std::vector<std::map<int, double>> rows;
  int dim = 0;
};

TEST_CASE("read_libsvm agrees with a naive reader on random well-formed files") {
  const std::uint64_t seed = test::test_seed(20211);
  CAPTURE(seed);  // rerun with EF21SIM_TEST_SEED=<seed>
  TempDir dir;
  for (int trial = 0; trial < 20; ++trial) {
    CAPTURE(trial);
    Rng rng = Rng::stream(seed, "test.libsvm.random", static_cast<std::uint64_t>(trial));
    NaiveFile naive;
    std::string text;
    const int rows = 2 + static_cast<int>(rng.below(40));  // rows 0 and 1 give both classes
    const int max_dim = 1 + static_cast<int>(rng.below(60));
    for (int r = 0; r < rows; ++r) {
      const double label = (r == 0) ? -1.0 : (r == 1 ? 1.0 : (rng.below(2) ? 1.0 : -1.0));
      naive.labels.push_back(label);
      text += (label > 0 ? (rng.below(2) ? "+1" : "1") : "-1");
      std::map<int, double> row;
      for (int j = 1; j <= max_dim; ++j) {
        if (rng.uniform() < 0.3) {
          // Mix integers, short decimals and full-precision values; some zeros.
          const double v = rng.below(5) == 0 ? 0.0 : (rng.below(2) ? std::round(rng.normal() * 4) : rng.normal() * 1e3);
          text += fmt::format("{}{}:{}", rng.below(4) == 0 ? "\t" : " ", j, v);
          if (v != 0.0) row[j - 1] = v;
          naive.dim = std::max(naive.dim, j);
        }
      }
      text += rng.below(5) == 0 ? " \n" : "\n";
      if (rng.below(10) == 0) text += "\n";  // blank lines anywhere
      naive.rows.push_back(row);
    }
    if (naive.dim == 0) {  // make sure the file has at least one feature
      text += "1 1:1\n";
      naive.labels.push_back(1.0);
      naive.rows.push_back({{0, 1.0}});
      naive.dim = 1;
    }
    const Dataset data = read_libsvm(dir.write(fmt::format("random{}.libsvm", trial), text));
    REQUIRE(data.rows() == static_cast<Eigen::Index>(naive.rows.size()));
    REQUIRE(data.dim() == naive.dim);
    Eigen::MatrixXd expected = Eigen::MatrixXd::Zero(data.rows(), naive.dim);
    std::int64_t nnz = 0;
    for (std::size_t r = 0; r < naive.rows.size(); ++r) {
      for (const auto& [j, v] : naive.rows[r]) expected(static_cast<Eigen::Index>(r), j) = v;
      nnz += static_cast<std::int64_t>(naive.rows[r].size());
    }
    CHECK(data.stored_values() == nnz);
    CHECK(to_dense(data) == expected);
    CHECK(data.labels == Eigen::Map<const Eigen::VectorXd>(naive.labels.data(), data.rows()));
  }
}

}  // namespace
}  // namespace ef21::data

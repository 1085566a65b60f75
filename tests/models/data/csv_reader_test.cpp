// CSV reader: header detection, dense values, label modes, and errors at line:column.
#include <catch2/catch.hpp>

#include "models/data/csv_reader.hpp"
#include "tests/models/data/data_test_support.hpp"

namespace ef21::data {
namespace {

using test::fixture;
using test::require_input_error;
using test::TempDir;

TEST_CASE("read_csv skips a header row whose first field is not a number and stores dense values") {
  const Dataset data = read_csv(fixture("small_header.csv"));
  REQUIRE_FALSE(data.is_sparse());
  REQUIRE(data.rows() == 3);  // header and blank line skipped
  REQUIRE(data.dim() == 3);
  CHECK(data.name == "small_header.csv");
  CHECK(data.stored_values() == 9);
  Eigen::MatrixXd expected(3, 3);
  expected << 0.5, -1, 2,  //
      1.5, 0.2, 0,         // padded " 1.5 " trimmed; explicit zeros are kept in dense storage
      3, 4, -5;
  CHECK(test::to_dense(data) == expected);
  CHECK(data.labels == Eigen::Vector3d(1, -1, 1));  // {0, 1} -> {-1, +1}
}

TEST_CASE("read_csv treats a numeric first line as data") {
  const Dataset data = read_csv(fixture("small_noheader.csv"));
  REQUIRE(data.rows() == 2);
  REQUIRE(data.dim() == 2);
  Eigen::MatrixXd expected(2, 2);
  expected << 1, 2, 0.5, 0.25;
  CHECK(test::to_dense(data) == expected);
  CHECK(data.labels == Eigen::Vector2d(1, -1));  // 5 is the larger label
  CHECK(read_csv(fixture("small_noheader.csv"), LabelMode::raw).labels == Eigen::Vector2d(5, -3));
}

TEST_CASE("read_csv accepts CRLF endings and a missing final newline") {
  TempDir dir;
  const Dataset data = read_csv(dir.write("crlf.csv", "y,a\r\n1,2\r\n-1,3"));
  CHECK(data.rows() == 2);
  CHECK(test::to_dense(data) == Eigen::Matrix<double, 2, 1>(2, 3));
}

TEST_CASE("read_csv reports ragged rows at the first extra field or at the end of a short row") {
  TempDir dir;
  const auto extra = dir.write("extra.csv", "label,x1,x2\n1,2,3\n-1,4,5,6\n");
  require_input_error([&] { read_csv(extra); }, extra, 3, 8, "too many fields: 4 instead of 3 (label + 2 features, as on line 1)");
  const auto shorter = dir.write("short.csv", "1,2,3\n\n-1,4\n");
  require_input_error([&] { read_csv(shorter); }, shorter, 3, 5, "too few fields: 2 instead of 3");
}

TEST_CASE("read_csv reports bad fields at their line and column") {
  TempDir dir;
  struct Case {
    const char* what;
    const char* text;
    std::uint32_t line, column;
    const char* fragment;
  };
  const Case cases[] = {
      {"NaN feature", "1,2\n-1,nan\n", 2, 4, "non-finite value 'nan' (feature 1)"},
      {"Inf label", "1,2\ninf,3\n", 2, 1, "non-finite value 'inf' (label)"},
      {"non-numeric feature", "1,2,3\n-1, abc,3\n", 2, 5, "non-numeric value 'abc' (feature 1)"},
      {"garbage after number", "1,2\n-1,3x\n", 2, 5, "unexpected 'x'"},
      {"empty field", "1,2,3\n-1,,3\n", 2, 4, "empty field (feature 1)"},
      {"one field", "1\n2\n", 1, 1, "at least one feature"},
      {"third class", "1,2\n-1,2\n0,1\n", 3, 1, "third"},
  };
  for (const Case& c : cases) {
    SECTION(c.what) {
      const auto file = dir.write("bad.csv", c.text);
      require_input_error([&] { read_csv(file); }, file, c.line, c.column, c.fragment);
    }
  }
}

TEST_CASE("read_csv reports empty, header-only and missing files") {
  TempDir dir;
  const auto empty = dir.write("empty.csv", "");
  require_input_error([&] { read_csv(empty); }, empty, 0, 0, "no samples: the file is empty");
  const auto header = dir.write("header.csv", "label,x\n\n");
  require_input_error([&] { read_csv(header); }, header, 0, 0, "only a header row");
  const auto missing = dir.path() / "missing.csv";
  require_input_error([&] { read_csv(missing); }, missing, 0, 0, "No such file");
  const auto one_class = dir.write("one.csv", "1,2\n1,3\n");
  require_input_error([&] { read_csv(one_class); }, one_class, 0, 0, "one class");
}

}  // namespace
}  // namespace ef21::data

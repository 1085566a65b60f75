// LIBSVM reader: every malformed input is an InputError at FILE:LINE:COLUMN, never a crash.
#include <catch2/catch.hpp>

#include <string>

#include "models/data/libsvm_reader.hpp"
#include "tests/models/data/data_test_support.hpp"

namespace ef21::data {
namespace {

using test::require_input_error;
using test::TempDir;

struct BadLine {
  const char* what;
  std::string text;  // the whole file
  std::uint32_t line;
  std::uint32_t column;
  const char* fragment;
};

TEST_CASE("read_libsvm reports each malformed token at its line and column") {
  // The first line is valid so that line numbers and the label check are exercised too.
  const std::string ok = "1 1:1\n";
  const BadLine cases[] = {
      {"missing label", ok + "1:1 2:1\n", 2, 1, "missing label"},
      {"non-numeric label", ok + "abc 1:1\n", 2, 1, "non-numeric label 'abc'"},
      {"label with garbage", ok + "1x 1:1\n", 2, 1, "non-numeric label '1x'"},
      {"double sign label", ok + "+-1 1:1\n", 2, 1, "non-numeric label"},
      {"NaN label", ok + "nan 1:1\n", 2, 1, "non-finite value"},
      {"Inf label", ok + "-inf 1:1\n", 2, 1, "non-finite value"},
      {"huge label", ok + "1e999 1:1\n", 2, 1, "outside the range of double"},
      {"token without colon", ok + "1 1:1 2\n", 2, 7, "no ':'"},
      {"index 0", ok + "1 0:1\n", 2, 3, "feature index 0"},
      {"negative index", ok + "1 -3:1\n", 2, 3, "negative feature index '-3'"},
      {"non-integer index", ok + "1 1.5:1\n", 2, 3, "not a positive integer"},
      {"alphabetic index", ok + "1 x:1\n", 2, 3, "not a positive integer"},
      {"plus-signed index", ok + "1 +2:1\n", 2, 3, "not a positive integer"},
      {"empty index", ok + "1 :1\n", 2, 3, "missing feature index"},
      {"index above int32", ok + "1 2147483648:1\n", 2, 3, "too large"},
      {"index above int64", ok + "1 99999999999999999999999:1\n", 2, 3, "too large"},
      {"missing value", ok + "1 3:\n", 2, 5, "missing value after '3:'"},
      {"non-numeric value", ok + "1 2:abc\n", 2, 5, "non-numeric value 'abc' for feature 2"},
      {"garbage after value", ok + "1 2:1.5x\n", 2, 8, "unexpected 'x' after the value of feature 2"},
      {"second colon", ok + "1 2:1:3\n", 2, 6, "unexpected ':3'"},
      {"NaN value", ok + "1 2:nan\n", 2, 5, "non-finite value 'nan' for feature 2"},
      {"Inf value", ok + "1 2:Infinity\n", 2, 5, "non-finite value"},
      {"huge value", ok + "1 2:1e400\n", 2, 5, "outside the range of double"},
      {"decreasing indices", ok + "1 3:1 2:1\n", 2, 7, "strictly increasing within a line: 2 after 3"},
      {"repeated index", ok + "1 3:1 3:2\n", 2, 7, "strictly increasing"},
      {"leading blanks count in the column", ok + "  \t1 2:x\n", 2, 8, "non-numeric value"},
      {"blank and CRLF lines count as lines", ok + "\r\n\n1 2:1\r\n1 0:1\r\n", 5, 3, "feature index 0"},
      {"third class", ok + "-1 1:1\n1 1:1\n3 2:1\n", 4, 1, "third: 3 (after 1 and -1)"},
  };
  TempDir dir;
  int n = 0;
  for (const BadLine& c : cases) {
    SECTION(c.what) {
      const auto file = dir.write("bad" + std::to_string(n) + ".libsvm", c.text);
      require_input_error([&] { read_libsvm(file); }, file, c.line, c.column, c.fragment);
    }
    ++n;
  }
}

TEST_CASE("read_libsvm rejects a file with one class in binary mode but reads it in raw mode") {
  TempDir dir;
  const auto file = dir.write("one_class.libsvm", "1 1:1\n1 2:1\n");
  require_input_error([&] { read_libsvm(file); }, file, 0, 0, "all 2 samples have label 1 (one class)");
  CHECK(read_libsvm(file, LabelMode::raw).labels == Eigen::Vector2d(1, 1));
}

TEST_CASE("read_libsvm rejects a third class in binary mode and reads it in raw mode") {
  TempDir dir;
  const auto file = dir.write("three.libsvm", "1 1:1\n2 1:1\n3 1:1\n");
  require_input_error([&] { read_libsvm(file); }, file, 3, 1, "exactly two distinct labels");
  CHECK(read_libsvm(file, LabelMode::raw).labels == Eigen::Vector3d(1, 2, 3));
}

TEST_CASE("read_libsvm reports an empty or blank file as having no samples") {
  TempDir dir;
  const auto empty = dir.write("empty.libsvm", "");
  require_input_error([&] { read_libsvm(empty); }, empty, 0, 0, "no samples: the file is empty");
  const auto blank = dir.write("blank.libsvm", "\n  \n\t\r\n");
  require_input_error([&] { read_libsvm(blank); }, blank, 0, 0, "no samples: the file has only blank lines");
}

TEST_CASE("read_libsvm reports a file whose samples have no features") {
  TempDir dir;
  const auto file = dir.write("labels_only.libsvm", "1\n-1\n");
  require_input_error([&] { read_libsvm(file); }, file, 0, 0, "no features");
}

TEST_CASE("read_libsvm names a missing file and says where the datasets come from") {
  TempDir dir;
  const auto file = dir.path() / "mushrooms";
  require_input_error([&] { read_libsvm(file); }, file, 0, 0, "cannot open " + file.string() + ": No such file");
  try {
    read_libsvm(file);
  } catch (const InputError& e) {
    CHECK_THAT(e.message(), Catch::Matchers::Contains("../shared/data/libsvm") &&
                                Catch::Matchers::Contains("liblinear-tools"));
  }
}

TEST_CASE("read_libsvm reports a directory given as the file") {
  TempDir dir;
  require_input_error([&] { read_libsvm(dir.path()); }, dir.path(), 0, 0, "is a directory");
}

TEST_CASE("read_libsvm InputError renders FILE:LINE:COL: error: MESSAGE") {
  TempDir dir;
  const auto file = dir.write("bad.libsvm", "1 1:1\n-1 4:z\n");
  try {
    read_libsvm(file);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == file.string() + ":2:6: error: non-numeric value 'z' for feature 4");
  }
}

TEST_CASE("read_libsvm quotes long bad tokens shortened") {
  TempDir dir;
  const auto file = dir.write("long.libsvm", "1 1:1\n-1 1:" + std::string(100, 'q') + "\n");
  try {
    read_libsvm(file);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.message().size() < 80);
    CHECK_THAT(e.message(), Catch::Matchers::Contains("...'"));
  }
}

}  // namespace
}  // namespace ef21::data

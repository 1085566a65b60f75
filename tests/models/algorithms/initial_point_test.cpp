// x^0 (DESIGN §4 problem.x0): "normal" reproducible per seed and scale, "zeros", and files of
// numbers read exactly, with input errors that say where.
#include "models/algorithms/initial_point.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "models/support/input_error.hpp"
#include "models/support/rng.hpp"
#include "tests/models/support/models_test_support.hpp"

using ef21::InputError;
using ef21::algorithms::InitialPointKind;
using ef21::algorithms::InitialPointSpec;
using ef21::algorithms::make_initial_point;

namespace {

InitialPointSpec file_spec(const std::filesystem::path& path) {
  InitialPointSpec spec;
  spec.kind = InitialPointKind::file;
  spec.file = path;
  return spec;
}

/// Runs make_initial_point expecting an InputError; returns it for location checks.
InputError expect_input_error(const InitialPointSpec& spec, Eigen::Index dim) {
  try {
    (void)make_initial_point(spec, dim);
  } catch (const InputError& error) {
    return error;
  }
  FAIL("expected ef21::InputError");
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("x0 normal is deterministic per seed and scales exactly", "[x0]") {
  const std::uint64_t seed = ef21::test::test_seed(801);
  CAPTURE(seed);
  InitialPointSpec spec;
  spec.kind = InitialPointKind::normal;
  spec.seed = seed;
  const Eigen::VectorXd a = make_initial_point(spec, 50);
  const Eigen::VectorXd b = make_initial_point(spec, 50);
  CHECK(ef21::test::same_bits(a, b));
  // Documented stream: (seed, "x0"), one normal per coordinate, times scale.
  ef21::Rng rng = ef21::Rng::stream(seed, "x0");
  for (Eigen::Index l = 0; l < 50; ++l) CHECK(ef21::test::same_bits(a[l], rng.normal()));
  // A prefix property: d = 20 is the first 20 coordinates of d = 50.
  CHECK(ef21::test::same_bits(make_initial_point(spec, 20), Eigen::VectorXd(a.head(20))));

  spec.scale = 2.0;  // multiplying by a power of two is exact
  CHECK(ef21::test::same_bits(make_initial_point(spec, 50), Eigen::VectorXd(2.0 * a)));
  spec.scale = 0.0;
  CHECK(make_initial_point(spec, 50).isZero(0.0));

  spec.scale = 1.0;
  spec.seed = seed + 1;
  const Eigen::VectorXd other = make_initial_point(spec, 50);
  int equal = 0;
  for (Eigen::Index l = 0; l < 50; ++l) equal += other[l] == a[l] ? 1 : 0;
  CHECK(equal == 0);
}

TEST_CASE("x0 normal has mean 0 and variance scale^2", "[x0]") {
  const std::uint64_t seed = ef21::test::test_seed(802);
  CAPTURE(seed);
  InitialPointSpec spec;
  spec.seed = seed;
  spec.scale = 3.0;
  const Eigen::Index d = 40000;
  const Eigen::VectorXd x = make_initial_point(spec, d);
  const double mean = x.mean();
  const double var = x.squaredNorm() / static_cast<double>(d);
  // SE of the mean: scale/sqrt(d); of the second moment: scale^2 sqrt(2/d).
  CHECK(std::abs(mean) <= 5.0 * 3.0 / std::sqrt(static_cast<double>(d)));
  CHECK(std::abs(var - 9.0) <= 5.0 * 9.0 * std::sqrt(2.0 / static_cast<double>(d)));
}

TEST_CASE("x0 zeros", "[x0]") {
  InitialPointSpec spec;
  spec.kind = InitialPointKind::zeros;
  const Eigen::VectorXd x = make_initial_point(spec, 7);
  CHECK(x.size() == 7);
  CHECK(x.isZero(0.0));
}

TEST_CASE("x0 file: numbers separated by spaces, commas, newlines, comments, exact round trip", "[x0]") {
  ef21::test::TempDir dir;
  SECTION("mixed separators, signs, exponents, CRLF and comments") {
    const auto path =
        dir.write("x0.txt", "# written by hand\r\n1.5, -2\t+3e-1\r\n\r\n  4.25e2 # trailing comment\n-0\n");
    const Eigen::VectorXd x = make_initial_point(file_spec(path), 5);
    CHECK(x == (Eigen::VectorXd(5) << 1.5, -2.0, 0.3, 425.0, 0.0).finished());
    CHECK(std::signbit(x[4]));  // "-0" is read as -0.0, exactly what was written
  }
  SECTION("shortest round-trip decimal strings (what tools/oracle/make_x0.py writes) read back bit for bit") {
    const std::uint64_t seed = ef21::test::test_seed(803);
    CAPTURE(seed);
    ef21::Rng rng(seed);
    Eigen::VectorXd written(30);
    std::string text;
    for (Eigen::Index l = 0; l < 30; ++l) {
      written[l] = rng.normal() * std::pow(10.0, static_cast<double>(rng.below(21)) - 10.0);
      text += fmt::format("{}\n", written[l]);  // fmt's default is the shortest round trip
    }
    const Eigen::VectorXd x = make_initial_point(file_spec(dir.write("roundtrip.txt", text)), 30);
    CHECK(ef21::test::same_bits(x, written));
  }
}

TEST_CASE("x0 file errors are InputErrors with the file and, where there is one, line:col", "[x0]") {
  ef21::test::TempDir dir;
  SECTION("too few numbers") {
    const auto path = dir.write("short.txt", "1 2\n3\n");
    const InputError e = expect_input_error(file_spec(path), 4);
    CHECK(e.where().file == path.string());
    CHECK(e.where().line == 2);  // the file's last line
    CHECK_THAT(e.message(), Catch::Matchers::Contains("3 numbers") && Catch::Matchers::Contains("d = 4"));
    CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith(path.string() + ":2: error:"));
  }
  SECTION("too many numbers") {
    const auto path = dir.write("long.txt", "1 2 3\n4 55 6\n");
    const InputError e = expect_input_error(file_spec(path), 4);
    CHECK(e.where().file == path.string());
    CHECK(e.where().line == 2);  // at the first number too many
    CHECK(e.where().column == 3);
    CHECK_THAT(e.message(), Catch::Matchers::Contains("number 5") && Catch::Matchers::Contains("d = 4"));
  }
  SECTION("a non-number, at its line and column") {
    const auto path = dir.write("word.txt", "1.0\n2.0 abc 3\n");
    const InputError e = expect_input_error(file_spec(path), 4);
    CHECK(e.where().file == path.string());
    CHECK(e.where().line == 2);
    CHECK(e.where().column == 5);
    CHECK_THAT(e.message(), Catch::Matchers::Contains("abc"));
    CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith(path.string() + ":2:5: error:"));
  }
  SECTION("a number with trailing garbage") {
    const auto path = dir.write("garbage.txt", "1.0x 2\n");
    const InputError e = expect_input_error(file_spec(path), 2);
    CHECK(e.where().line == 1);
    CHECK(e.where().column == 1);
    CHECK_THAT(e.message(), Catch::Matchers::Contains("1.0x"));
  }
  SECTION("non-finite values") {
    for (const char* bad : {"nan", "inf", "-inf", "NaN", "infinity"}) {
      CAPTURE(bad);
      const auto path = dir.write("nonfinite.txt", std::string("0.5\n  ") + bad + "\n");
      const InputError e = expect_input_error(file_spec(path), 2);
      CHECK(e.where().file == path.string());
      CHECK(e.where().line == 2);
      CHECK(e.where().column == 3);
      CHECK_THAT(e.message(), Catch::Matchers::Contains("finite"));
    }
  }
  SECTION("a value beyond the range of a double is reported as non-finite, not as a non-number") {
    const auto path = dir.write("huge.txt", "1e400 1\n");
    const InputError e = expect_input_error(file_spec(path), 2);
    CHECK(e.where().line == 1);
    CHECK(e.where().column == 1);
    CHECK_THAT(e.message(), Catch::Matchers::Contains("finite"));
  }
  SECTION("a missing file") {
    const auto path = dir.path() / "does-not-exist.txt";
    const InputError e = expect_input_error(file_spec(path), 3);
    CHECK(e.where().file == path.string());
    CHECK_THAT(e.message(), Catch::Matchers::Contains("cannot open"));
  }
}

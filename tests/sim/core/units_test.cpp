#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "sim/core/units.hpp"

using namespace ef21::sim;

namespace {
constexpr SimTime kNs = 1'000;
constexpr SimTime kUs = 1'000'000;
constexpr SimTime kMs = 1'000'000'000;
constexpr SimTime kS = kPicosPerSecond;
}  // namespace

TEST_CASE("parse_duration accepts every unit", "[units]") {
  CHECK(parse_duration("7ps") == 7);
  CHECK(parse_duration("7 ns") == 7 * kNs);
  CHECK(parse_duration("50us") == 50 * kUs);
  CHECK(parse_duration("50 \xC2\xB5s") == 50 * kUs);
  CHECK(parse_duration("2 ms") == 2 * kMs);
  CHECK(parse_duration("3 s") == 3 * kS);
  CHECK(parse_duration("10 min") == 600 * kS);
  CHECK(parse_duration("2 h") == 7200 * kS);
  CHECK(parse_duration("  20 us  ") == 20 * kUs);
}

TEST_CASE("parse_duration is exact to the picosecond for decimals and exponents", "[units]") {
  CHECK(parse_duration("1.5ms") == 1'500'000'000);
  CHECK(parse_duration("2e-3 s") == 2 * kMs);
  CHECK(parse_duration("0.1 ms") == 100'000'000);
  CHECK(parse_duration("0.000000000001 s") == 1);
  CHECK(parse_duration("1.0000000000015 s") == kS + 2);  // 1.5 ps rounds to nearest (half up)
  CHECK(parse_duration("0.4 ps") == 0);
  CHECK(parse_duration("1E3 ns") == kUs);
  CHECK(parse_duration(".5 s") == kS / 2);
  CHECK(parse_duration("0 s") == 0);
  CHECK(parse_duration("2562 h") == 2562LL * 3600 * kS);  // just under the limit
}

TEST_CASE("parse_duration errors: bare number, unknown unit, negative, beyond the clock", "[units]") {
  CHECK_THROWS_AS(parse_duration("5"), UnitError);
  CHECK_THROWS_WITH(parse_duration("5"), "expected a duration with a unit such as \"50us\", \"2 ms\", \"10 min\", got \"5\"");
  CHECK_THROWS_WITH(parse_duration("5 xs"), Catch::Contains("unknown duration unit \"xs\""));
  CHECK_THROWS_WITH(parse_duration("5 MS"), Catch::Contains("unknown duration unit"));
  CHECK_THROWS_WITH(parse_duration("-5 ms"), Catch::Contains("must not be negative"));
  CHECK_THROWS_WITH(parse_duration("3000 h"), Catch::Contains("106 days"));
  CHECK_THROWS_WITH(parse_duration("1e30 s"), Catch::Contains("106 days"));
  CHECK_THROWS_AS(parse_duration(""), UnitError);
  CHECK_THROWS_AS(parse_duration("ms"), UnitError);
  CHECK_THROWS_AS(parse_duration("fast"), UnitError);
  CHECK_THROWS_AS(parse_duration("5 e"), UnitError);
}

TEST_CASE("parse_bandwidth returns bytes per second for bit and byte units", "[units]") {
  CHECK(parse_bandwidth("8 bps") == 1.0);
  CHECK(parse_bandwidth("10 kbps") == 1250.0);
  CHECK(parse_bandwidth("10 Kbps") == 1250.0);
  CHECK(parse_bandwidth("100 Mbps") == 12.5e6);
  CHECK(parse_bandwidth("1 Gbps") == 125e6);
  CHECK(parse_bandwidth("0.1 Gbps") == 12.5e6);
  CHECK(parse_bandwidth("1 Tbps") == 125e9);
  CHECK(parse_bandwidth("3 B/s") == 3.0);
  CHECK(parse_bandwidth("2 kB/s") == 2e3);
  CHECK(parse_bandwidth("12.5 MB/s") == 12.5e6);
  CHECK(parse_bandwidth("1 GB/s") == 1e9);
  CHECK(parse_bandwidth("1 TB/s") == 1e12);
  CHECK(parse_bandwidth("1 KiB/s") == 1024.0);
  CHECK(parse_bandwidth("1 MiB/s") == 1048576.0);
  CHECK(parse_bandwidth("1 GiB/s") == 1073741824.0);
  CHECK(parse_bandwidth("1 TiB/s") == 1099511627776.0);
  CHECK(std::isinf(parse_bandwidth("inf")));
  CHECK(std::isinf(parse_bandwidth("infinite")));
}

TEST_CASE("parse_bandwidth errors: bare number, unknown unit, zero, negative", "[units]") {
  CHECK_THROWS_WITH(parse_bandwidth("100"), Catch::Contains("expected a bandwidth with a unit"));
  CHECK_THROWS_WITH(parse_bandwidth("100 Mbit"), Catch::Contains("unknown bandwidth unit \"Mbit\""));
  CHECK_THROWS_WITH(parse_bandwidth("0 Mbps"), Catch::Contains("bandwidth must be positive"));
  CHECK_THROWS_WITH(parse_bandwidth("-1 Gbps"), Catch::Contains("must not be negative"));
}

TEST_CASE("parse_size accepts SI and IEC units and wants whole bytes", "[units]") {
  CHECK(parse_size("64 B") == 64);
  CHECK(parse_size("4 KiB") == 4096);
  CHECK(parse_size("1 MiB") == 1048576);
  CHECK(parse_size("1 GiB") == 1073741824);
  CHECK(parse_size("1 TiB") == 1099511627776ULL);
  CHECK(parse_size("1 kB") == 1000);
  CHECK(parse_size("1 MB") == 1'000'000);
  CHECK(parse_size("1 GB") == 1'000'000'000);
  CHECK(parse_size("1 TB") == 1'000'000'000'000ULL);
  CHECK(parse_size("1.5 KiB") == 1536);
  CHECK(parse_size("0 B") == 0);
  CHECK_THROWS_WITH(parse_size("1.5 B"), Catch::Contains("not a whole number of bytes"));
  CHECK_THROWS_WITH(parse_size("64"), Catch::Contains("expected a size with a unit"));
  CHECK_THROWS_WITH(parse_size("1 KB"), Catch::Contains("ambiguous"));
  CHECK_THROWS_WITH(parse_size("1 XB"), Catch::Contains("unknown size unit"));
  CHECK_THROWS_WITH(parse_size("-1 B"), Catch::Contains("must not be negative"));
  CHECK_THROWS_WITH(parse_size("1e30 B"), Catch::Contains("too large"));
}

TEST_CASE("parse_compute_speed accepts FLOPS prefixes", "[units]") {
  CHECK(parse_compute_speed("1 FLOPS") == 1.0);
  CHECK(parse_compute_speed("2 kFLOPS") == 2e3);
  CHECK(parse_compute_speed("500 MFLOPS") == 5e8);
  CHECK(parse_compute_speed("10 GFLOPS") == 1e10);
  CHECK(parse_compute_speed("1 TFLOPS") == 1e12);
  CHECK(parse_compute_speed("1 PFLOPS") == 1e15);
  CHECK(parse_compute_speed("20 GFLOP/s") == 2e10);
  CHECK_THROWS_WITH(parse_compute_speed("10"), Catch::Contains("expected a compute speed with a unit"));
  CHECK_THROWS_WITH(parse_compute_speed("0 GFLOPS"), Catch::Contains("must be positive"));
  CHECK_THROWS_WITH(parse_compute_speed("10 GHz"), Catch::Contains("unknown compute speed unit"));
}

TEST_CASE("format_duration reads naturally and parses back to the identical time", "[units]") {
  CHECK(format_duration(0) == "0 s");
  CHECK(format_duration(20 * kUs) == "20 us");
  CHECK(format_duration(600 * kS) == "10 min");
  CHECK(format_duration(7200 * kS) == "2 h");
  CHECK(format_duration(1'500'000'000) == "1.5 ms");
  CHECK(format_duration(123) == "123 ps");
  CHECK(format_duration(1'234'567) == "1.234567 us");
  const SimTime samples[] = {1, 999, 1000, 1001, 123456789, 20 * kUs, 61 * kS, 3601 * kS + 1, kMaxSimTime,
                             kMaxSimTime - 1, 86400 * kS, 1'000'000'000'001};
  for (const SimTime t : samples) {
    INFO(t << " -> " << format_duration(t));
    CHECK(parse_duration(format_duration(t)) == t);
  }
}

TEST_CASE("format_bandwidth picks a readable unit and parses back to the identical value", "[units]") {
  CHECK(format_bandwidth(125e6) == "1 Gbps");
  CHECK(format_bandwidth(12.5e6) == "100 Mbps");
  CHECK(format_bandwidth(std::numeric_limits<double>::infinity()) == "inf");
  const double samples[] = {1.0, 0.125, 3.0, 12.5e6, 1e9, 1024.0, 1048576.0, 1.0 / 3.0, 123456.789, 7e-5,
                            9.87654321e12, 1e300, 5e-300, 2.0 / 7.0 * 1e9};
  for (const double v : samples) {
    INFO(v << " -> " << format_bandwidth(v));
    CHECK(parse_bandwidth(format_bandwidth(v)) == v);
  }
}

TEST_CASE("format_size and format_compute_speed round-trip", "[units]") {
  CHECK(format_size(4096) == "4 KiB");
  CHECK(format_size(1'000'000) == "1 MB");
  CHECK(format_size(123) == "123 B");
  for (const std::uint64_t b : {0ULL, 1ULL, 1000ULL, 1023ULL, 1536ULL, 1ULL << 40, 18446744073709551615ULL}) {
    CHECK(parse_size(format_size(b)) == b);
  }
  CHECK(format_compute_speed(1e10) == "10 GFLOPS");
  for (const double v : {1.0, 2e10, 3.3e9, 1.0 / 7.0, 1e18}) {
    CHECK(parse_compute_speed(format_compute_speed(v)) == v);
  }
}

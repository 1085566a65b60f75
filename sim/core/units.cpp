#include "sim/core/units.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <fmt/format.h>

namespace ef21::sim {

namespace {

__extension__ using u128 = unsigned __int128;

/// A decimal number as written: significand × 10^exp10, with up to 24 significant digits
/// kept exactly (further digits are dropped and recorded in `truncated`). 24 digits times
/// the largest unit factor (2^40) stays below 2^128.
constexpr int kMaxDigits = 24;
struct Decimal {
  bool negative = false;
  u128 significand = 0;
  int exp10 = 0;
  bool truncated = false;
};

/// A unit and its scale: the value is multiplied by `factor` (an integer for exact units) and
/// by 10^`exp10` (powers of ten applied in decimal so SI values stay correctly rounded).
struct Unit {
  std::string_view name;
  std::uint64_t factor;
  int exp10;
  bool bits;  // bandwidth given in bits: divide by 8
};

/// What kind of quantity is being parsed, for error messages.
struct Kind {
  std::string_view noun;      // "duration"
  std::string_view examples;  // "\"50us\", \"2 ms\", \"10 min\""
  std::string_view unit_list; // "ps, ns, us, ms, s, min or h"
};

constexpr Kind kDuration{"duration", R"("50us", "2 ms", "10 min")", "ps, ns, us, ms, s, min or h"};
constexpr Kind kBandwidth{"bandwidth", R"("100 Mbps", "1 Gbps", "12.5 MB/s")",
                          "bps, kbps, Mbps, Gbps, Tbps, B/s, kB/s, MB/s, GB/s, TB/s, KiB/s, MiB/s, GiB/s, TiB/s or inf"};
constexpr Kind kSize{"size", R"("64 B", "4 KiB", "1 MB")", "B, kB, MB, GB, TB, KiB, MiB, GiB or TiB"};
constexpr Kind kSpeed{"compute speed", R"("10 GFLOPS", "500 MFLOPS")", "FLOPS, kFLOPS, MFLOPS, GFLOPS, TFLOPS or PFLOPS"};

constexpr std::array kDurationUnits{
    Unit{"ps", 1, 0, false},          Unit{"ns", 1, 3, false},
    Unit{"us", 1, 6, false},          Unit{"\xC2\xB5s", 1, 6, false},  // µs (U+00B5)
    Unit{"\xCE\xBCs", 1, 6, false},   // μs (U+03BC, Greek mu)
    Unit{"ms", 1, 9, false},          Unit{"s", 1, 12, false},
    Unit{"min", 60, 12, false},       Unit{"h", 3600, 12, false},
};

constexpr std::array kBandwidthUnits{
    Unit{"bps", 1, 0, true},         Unit{"kbps", 1, 3, true},        Unit{"Kbps", 1, 3, true},
    Unit{"Mbps", 1, 6, true},        Unit{"Gbps", 1, 9, true},        Unit{"Tbps", 1, 12, true},
    Unit{"B/s", 1, 0, false},        Unit{"kB/s", 1, 3, false},       Unit{"MB/s", 1, 6, false},
    Unit{"GB/s", 1, 9, false},       Unit{"TB/s", 1, 12, false},      Unit{"KiB/s", 1ull << 10, 0, false},
    Unit{"MiB/s", 1ull << 20, 0, false}, Unit{"GiB/s", 1ull << 30, 0, false},
    Unit{"TiB/s", 1ull << 40, 0, false},
};

constexpr std::array kSizeUnits{
    Unit{"B", 1, 0, false},           Unit{"kB", 1, 3, false},          Unit{"MB", 1, 6, false},
    Unit{"GB", 1, 9, false},          Unit{"TB", 1, 12, false},         Unit{"KiB", 1ull << 10, 0, false},
    Unit{"MiB", 1ull << 20, 0, false}, Unit{"GiB", 1ull << 30, 0, false}, Unit{"TiB", 1ull << 40, 0, false},
};

constexpr std::array kSpeedUnits{
    Unit{"FLOPS", 1, 0, false},   Unit{"kFLOPS", 1, 3, false},  Unit{"MFLOPS", 1, 6, false},
    Unit{"GFLOPS", 1, 9, false},  Unit{"TFLOPS", 1, 12, false}, Unit{"PFLOPS", 1, 15, false},
    Unit{"FLOP/s", 1, 0, false},  Unit{"kFLOP/s", 1, 3, false}, Unit{"MFLOP/s", 1, 6, false},
    Unit{"GFLOP/s", 1, 9, false}, Unit{"TFLOP/s", 1, 12, false}, Unit{"PFLOP/s", 1, 15, false},
};

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

/// Parses the leading decimal number of `s`; on success removes it from `s`. No number
/// (no digit before the unit) gives nullopt and leaves `s` unchanged.
std::optional<Decimal> take_decimal(std::string_view& s) {
  Decimal d;
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    d.negative = s[i] == '-';
    ++i;
  }
  int digits_kept = 0;
  bool any_digit = false;
  auto add_digit = [&](char c, bool fractional) {
    any_digit = true;
    const unsigned v = static_cast<unsigned>(c - '0');
    if (d.significand == 0 && v == 0) {  // leading zeros carry no information
      if (fractional) --d.exp10;
      return;
    }
    if (digits_kept < kMaxDigits) {
      d.significand = d.significand * 10 + v;
      ++digits_kept;
      if (fractional) --d.exp10;
    } else {
      if (v != 0) d.truncated = true;
      if (!fractional) ++d.exp10;
    }
  };
  for (; i < s.size() && is_digit(s[i]); ++i) add_digit(s[i], false);
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && is_digit(s[i]); ++i) add_digit(s[i], true);
  }
  if (!any_digit) return std::nullopt;
  // Exponent only if 'e' is followed by digits (so "5 e" leaves "e" as a (bad) unit).
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    bool exp_negative = false;
    if (j < s.size() && (s[j] == '-' || s[j] == '+')) {
      exp_negative = s[j] == '-';
      ++j;
    }
    if (j < s.size() && is_digit(s[j])) {
      long exponent = 0;
      for (; j < s.size() && is_digit(s[j]); ++j) {
        if (exponent < 100000) exponent = exponent * 10 + (s[j] - '0');
      }
      d.exp10 += static_cast<int>(exp_negative ? -exponent : exponent);
      i = j;
    }
  }
  s.remove_prefix(i);
  return d;
}

/// Rounds significand × factor × 10^exp10 to the nearest integer (ties away from zero).
/// nullopt on overflow beyond 2^127. `exact` reports whether no rounding happened.
std::optional<u128> scale_to_integer(const Decimal& d, std::uint64_t factor, int exp10, bool& exact) {
  u128 n = d.significand * factor;  // < 1e24 * 2^40 < 2^120: no overflow
  exact = !d.truncated;
  const long e = static_cast<long>(d.exp10) + exp10;
  if (n == 0) return u128{0};
  if (e >= 0) {
    const u128 limit = ~u128{0} / 10;
    for (long k = 0; k < e; ++k) {
      if (n > limit) return std::nullopt;
      n *= 10;
    }
    return n;
  }
  if (e < -38) {  // 10^38 > 2 n: rounds to zero (and 10^39 would overflow)
    exact = false;
    return u128{0};
  }
  u128 p = 1;
  for (long k = 0; k < -e; ++k) p *= 10;
  const u128 q = n / p;
  const u128 r = n % p;
  if (r != 0) exact = false;
  return (r * 2 >= p) ? q + 1 : q;
}

/// significand × 10^(exp10 + extra), correctly rounded to double (via from_chars).
double decimal_to_double(const Decimal& d, int extra_exp10) {
  std::string text;
  for (u128 v = d.significand; v != 0 || text.empty(); v /= 10) text.insert(text.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
  text += fmt::format("e{}", static_cast<long>(d.exp10) + extra_exp10);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves value unspecified on range errors: decide by the exponent's sign.
    return static_cast<long>(d.exp10) + extra_exp10 > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
  (void)ptr;
  return value;
}

[[noreturn]] void throw_missing_unit(const Kind& kind, std::string_view text) {
  throw UnitError(fmt::format("expected a {} with a unit such as {}, got \"{}\"", kind.noun, kind.examples, text));
}

template <std::size_t N>
struct Parsed {
  Decimal number;
  const Unit* unit;
};

/// Splits `text` into number and unit from `units`, or throws a UnitError naming `kind`.
template <std::size_t N>
Parsed<N> parse_quantity(std::string_view text, const Kind& kind, const std::array<Unit, N>& units) {
  std::string_view rest = trim(text);
  const std::optional<Decimal> number = take_decimal(rest);
  if (!number) throw_missing_unit(kind, text);
  rest = trim(rest);
  if (rest.empty()) throw_missing_unit(kind, text);
  for (const Unit& unit : units) {
    if (unit.name == rest) {
      if (number->negative && number->significand != 0) {
        throw UnitError(fmt::format("{} must not be negative, got \"{}\"", kind.noun, text));
      }
      return Parsed<N>{*number, &unit};
    }
  }
  throw UnitError(fmt::format("unknown {} unit \"{}\" in \"{}\": use {}", kind.noun, rest, text, kind.unit_list));
}

double parse_positive_double(std::string_view text, const Kind& kind, const auto& units) {
  const auto parsed = parse_quantity(text, kind, units);
  if (parsed.number.significand == 0) {
    throw UnitError(fmt::format("{} must be positive, got \"{}\"", kind.noun, text));
  }
  double value = decimal_to_double(parsed.number, parsed.unit->exp10);
  value *= static_cast<double>(parsed.unit->factor);  // powers of two: exact
  if (parsed.unit->bits) value /= 8;                  // exact (no subnormals at these scales)
  if (!std::isfinite(value) || value <= 0) {
    throw UnitError(fmt::format("{} \"{}\" is out of range", kind.noun, text));
  }
  return value;
}

/// The most readable text among `value / unit` for every unit that parses back exactly:
/// a mantissa >= 1 ("100 Mbps" over "0.1 Gbps"), then the shortest; earlier units win ties.
template <std::size_t N>
std::string format_shortest(double value, const std::array<Unit, N>& units,
                            double (*parse)(std::string_view), std::string_view fallback_unit) {
  const auto score = [](const std::string& s) { return std::pair{s.rfind("0.", 0) == 0 ? 1 : 0, s.size()}; };
  std::string best;
  for (const Unit& unit : units) {
    double scaled = value * (unit.bits ? 8.0 : 1.0) / static_cast<double>(unit.factor);
    scaled /= std::pow(10.0, unit.exp10);
    if (!std::isfinite(scaled) || scaled <= 0) continue;
    std::string candidate = fmt::format("{} {}", scaled, unit.name);
    if (!best.empty() && !(score(candidate) < score(best))) continue;
    try {
      if (parse(candidate) == value) best = std::move(candidate);
    } catch (const UnitError&) {
      // not representable in this unit (e.g. underflow): skip
    }
  }
  // Always exact: the shortest round-trip decimal of `value` itself.
  return best.empty() ? fmt::format("{} {}", value, fallback_unit) : best;
}

}  // namespace

SimTime parse_duration(std::string_view text) {
  const auto parsed = parse_quantity(text, kDuration, kDurationUnits);
  bool exact = false;
  const std::optional<u128> ps = scale_to_integer(parsed.number, parsed.unit->factor, parsed.unit->exp10, exact);
  if (!ps || *ps > static_cast<u128>(kMaxSimTime)) {
    throw UnitError(fmt::format("duration \"{}\" is beyond the clock's limit of 2^63 ps (about 106 days)", text));
  }
  return static_cast<SimTime>(*ps);
}

double parse_bandwidth(std::string_view text) {
  const std::string_view t = trim(text);
  if (t == "inf" || t == "infinite" || t == "infinity") return std::numeric_limits<double>::infinity();
  return parse_positive_double(text, kBandwidth, kBandwidthUnits);
}

std::uint64_t parse_size(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.size() >= 2 && t.substr(t.size() - 2) == "KB" && (t.size() == 2 || !std::isalpha(static_cast<unsigned char>(t[t.size() - 3])))) {
    throw UnitError(fmt::format("size unit \"KB\" in \"{}\" is ambiguous: write kB (1000 B) or KiB (1024 B)", text));
  }
  const auto parsed = parse_quantity(text, kSize, kSizeUnits);
  bool exact = false;
  const std::optional<u128> bytes = scale_to_integer(parsed.number, parsed.unit->factor, parsed.unit->exp10, exact);
  if (!bytes || *bytes > std::numeric_limits<std::uint64_t>::max()) {
    throw UnitError(fmt::format("size \"{}\" is too large", text));
  }
  if (!exact) throw UnitError(fmt::format("size \"{}\" is not a whole number of bytes", text));
  return static_cast<std::uint64_t>(*bytes);
}

double parse_compute_speed(std::string_view text) {
  return parse_positive_double(text, kSpeed, kSpeedUnits);
}

std::string format_duration(SimTime t) {
  if (t == 0) return "0 s";
  if (t < 0) {  // diagnostic only: parse_duration rejects it
    return t == INT64_MIN ? fmt::format("{} ps", t) : fmt::format("-{}", format_duration(-t));
  }
  constexpr SimTime kHour = 3600 * kPicosPerSecond;
  constexpr SimTime kMinute = 60 * kPicosPerSecond;
  if (t % kHour == 0) return fmt::format("{} h", t / kHour);
  if (t % kMinute == 0) return fmt::format("{} min", t / kMinute);
  struct DecimalUnit {
    SimTime ps;
    int digits;  // log10(ps)
    std::string_view name;
  };
  constexpr std::array<DecimalUnit, 4> kUnits{
      DecimalUnit{kPicosPerSecond, 12, "s"}, DecimalUnit{1'000'000'000, 9, "ms"},
      DecimalUnit{1'000'000, 6, "us"}, DecimalUnit{1'000, 3, "ns"}};
  for (const DecimalUnit& unit : kUnits) {
    if (t < unit.ps) continue;
    const SimTime whole = t / unit.ps;
    SimTime frac = t % unit.ps;
    if (frac == 0) return fmt::format("{} {}", whole, unit.name);
    std::string digits = fmt::format("{:0{}}", frac, unit.digits);
    while (digits.back() == '0') digits.pop_back();
    return fmt::format("{}.{} {}", whole, digits, unit.name);
  }
  return fmt::format("{} ps", t);
}

std::string format_bandwidth(double bytes_per_s) {
  if (std::isinf(bytes_per_s) && bytes_per_s > 0) return "inf";
  return format_shortest(bytes_per_s, kBandwidthUnits, &parse_bandwidth, "B/s");
}

std::string format_size(std::uint64_t bytes) {
  std::string best = fmt::format("{} B", bytes);
  if (bytes == 0) return best;
  for (const Unit& unit : kSizeUnits) {
    u128 divisor = unit.factor;
    for (int k = 0; k < unit.exp10; ++k) divisor *= 10;
    if (divisor == 1 || bytes % divisor != 0) continue;
    std::string candidate = fmt::format("{} {}", static_cast<std::uint64_t>(bytes / divisor), unit.name);
    if (candidate.size() < best.size()) best = std::move(candidate);
  }
  return best;
}

std::string format_compute_speed(double flop_per_s) {
  return format_shortest(flop_per_s, kSpeedUnits, &parse_compute_speed, "FLOPS");
}

}  // namespace ef21::sim

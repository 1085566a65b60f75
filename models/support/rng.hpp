#pragma once
// Random streams for reproducible simulations (DESIGN §8).
//
// Every consumer of randomness gets its own stream derived by hashing
// (seed, purpose, worker id), so adding a consumer never shifts another one's numbers, and
// the order in which workers run (threads) never matters. The distributions are our own:
// std:: distributions are implementation-defined and differ between standard libraries.
#include <cstdint>
#include <string_view>

namespace ef21 {

/// xoshiro256** (Blackman & Vigna), seeded through splitmix64. Plain value, cheap to copy.
class Rng {
 public:
  /// The stream for (seed, purpose, index); `index` is usually a worker id.
  static Rng stream(std::uint64_t seed, std::string_view purpose, std::uint64_t index = 0);

  explicit Rng(std::uint64_t seed);

  std::uint64_t next_u64() {  // inline: whole vectors of draws (synthetic data) run at ~1 ns a draw
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n), n >= 1, without modulo bias (Lemire's method).
  std::uint64_t below(std::uint64_t n);
  /// Standard normal N(0, 1) by the Box-Muller transform (one value per two uniforms).
  double normal();
  /// The normal() that the two uniforms `first`, `second` (in the order drawn) make: lets a
  /// caller draw the cheap uniforms of a whole vector and transform only the entries it needs.
  static double normal_from_uniforms(double first, double second);

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

/// splitmix64 finaliser: a bijective 64-bit mix, used to derive stream seeds.
std::uint64_t mix64(std::uint64_t x);

}  // namespace ef21

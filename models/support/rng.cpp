#include "models/support/rng.hpp"

#include <cmath>
#include <numbers>

namespace ef21 {
namespace {

__extension__ typedef unsigned __int128 uint128;  // GCC/Clang extension, for Lemire's method

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Rng Rng::stream(std::uint64_t seed, std::string_view purpose, std::uint64_t index) {
  return Rng(mix64(mix64(seed) ^ fnv1a(purpose)) ^ mix64(index + 0x5851f42d4c957f2dULL));
}

Rng::Rng(std::uint64_t seed) {
  std::uint64_t x = seed;
  for (auto& word : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    word = mix64(x);
  }
}

std::uint64_t Rng::below(std::uint64_t n) {
  // Lemire, "Fast random integer generation in an interval" (2019).
  uint128 m = static_cast<uint128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<uint128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double Rng::normal() {
  const double first = uniform();
  const double second = uniform();
  return normal_from_uniforms(first, second);
}

double Rng::normal_from_uniforms(double first, double second) {
  // 1 - first lies in (0, 1], so the logarithm is finite.
  const double u1 = 1.0 - first;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * second);
}

}  // namespace ef21

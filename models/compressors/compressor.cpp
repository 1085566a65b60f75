#include "models/compressors/compressor.hpp"

#include <array>
#include <fmt/format.h>
#include <stdexcept>
#include <utility>

#include "models/compressors/identity.hpp"
#include "models/compressors/rand_k.hpp"
#include "models/compressors/top_k.hpp"

namespace ef21::compressors {
namespace {

constexpr std::array<std::pair<CompressorKind, std::string_view>, 3> kNames{{
    {CompressorKind::identity, "identity"},
    {CompressorKind::top_k, "top-k"},
    {CompressorKind::rand_k, "rand-k"},
}};

}  // namespace

std::string_view to_string(CompressorKind kind) {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name;
  return "?";
}

std::optional<CompressorKind> compressor_kind_from_string(std::string_view name) {
  for (const auto& [k, n] : kNames)
    if (n == name) return k;
  return std::nullopt;
}

std::vector<std::string> compressor_kind_names() {
  std::vector<std::string> out;
  for (const auto& entry : kNames) out.emplace_back(entry.second);
  return out;
}

std::unique_ptr<Compressor> make_compressor(const CompressorSpec& spec, Eigen::Index dim) {
  if (spec.kind == CompressorKind::identity) return std::make_unique<Identity>(dim);
  if (spec.k < 1 || spec.k > dim)
    throw std::invalid_argument(
        fmt::format("compressor.k must be between 1 and d = {} (the data's dimension), got {}", dim, spec.k));
  if (spec.kind == CompressorKind::top_k) return std::make_unique<TopK>(spec.k, dim);
  return std::make_unique<RandK>(spec.k, dim, spec.scaled);
}

}  // namespace ef21::compressors

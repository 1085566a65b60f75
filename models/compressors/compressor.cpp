#include "models/compressors/compressor.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "models/compressors/compressor_registry.hpp"

namespace ef21::compressors {

std::optional<double> Compressor::contraction() const {
  if (const auto a = alpha()) return a;
  if (const auto w = omega(); w && *w < 1.0) return 1.0 - *w;
  return std::nullopt;
}

std::unique_ptr<Compressor> make_compressor(const CompressorSpec& spec, Eigen::Index dim) {
  const CompressorInfo* info = find_compressor(spec.kind);
  if (info == nullptr) throw std::invalid_argument(fmt::format("unknown compressor \"{}\"", spec.kind));
  if (info->takes_k && (spec.k < 1 || spec.k > dim))
    throw std::invalid_argument(
        fmt::format("compressor.k must be between 1 and d = {} (the data's dimension), got {}", dim, spec.k));
  CompressorSpec filled = spec;  // declared defaults for keys a direct caller left out
  for (const ParamDecl& decl : info->keys)
    if (!filled.params.has(decl.name) && decl.default_value)
      filled.params.set(decl.name, *decl.default_value);
  return info->make(filled, dim);
}

}  // namespace ef21::compressors

#include "models/compressors/compressor_registry.hpp"

#include "models/compressors/identity.hpp"
#include "models/compressors/natural.hpp"
#include "models/compressors/qsgd.hpp"
#include "models/compressors/rand_k.hpp"
#include "models/compressors/sign.hpp"
#include "models/compressors/top_k.hpp"

namespace ef21::compressors {
namespace {

/// The element-wise quantizers, one line each. Kept apart because the sparsifiers'
/// registrations read this list (their `then` choices) while they are being built.
const std::vector<const CompressorInfo*>& quantizer_registry() {
  static const std::vector<const CompressorInfo*> all{
      &natural_registration(),
  };
  return all;
}

}  // namespace

const std::vector<const CompressorInfo*>& compressor_registry() {
  // One line per kind (quantizers: in quantizer_registry); each registration is defined in
  // the kind's own file.
  static const std::vector<const CompressorInfo*> all = [] {
    std::vector<const CompressorInfo*> kinds{
        &identity_registration(), &top_k_registration(), &rand_k_registration(),
        &qsgd_registration(),     &sign_registration(),
    };
    for (const CompressorInfo* q : quantizer_registry()) kinds.push_back(q);
    return kinds;
  }();
  return all;
}

const CompressorInfo* find_compressor(std::string_view name) {
  for (const CompressorInfo* info : compressor_registry())
    if (info->name == name) return info;
  return nullptr;
}

std::vector<std::string> compressor_names() {
  std::vector<std::string> out;
  for (const CompressorInfo* info : compressor_registry()) out.push_back(info->name);
  return out;
}

std::vector<std::string> quantizer_names() {
  std::vector<std::string> out;
  for (const CompressorInfo* info : quantizer_registry()) out.push_back(info->name);
  return out;
}

}  // namespace ef21::compressors

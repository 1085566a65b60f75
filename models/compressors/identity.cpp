#include "models/compressors/identity.hpp"

#include "models/compressors/compressor_registry.hpp"

namespace ef21::compressors {

const CompressorInfo& identity_registration() {
  static const CompressorInfo info{
      "identity",
      "C(x) = x, dense and exact (alpha = 1, omega = 0)",
      false,
      false,
      {},
      [](const CompressorSpec& /*spec*/, Eigen::Index dim) { return std::make_unique<Identity>(dim); },
  };
  return info;
}

}  // namespace ef21::compressors

#include "models/compressors/rand_k.hpp"

#include "models/support/check.hpp"

namespace ef21::compressors {

RandK::RandK(std::int64_t k, Eigen::Index dim, bool scaled) : k_(k), dim_(dim), scaled_(scaled) {
  EF21_CHECK(k >= 1 && k <= dim, "rand-k needs 1 <= k <= d");
}

void RandK::compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& rng,
                     CompressorWorkspace& /*workspace*/) const {
  EF21_CHECK(in.size() == dim_, "rand-k input has the wrong dimension");
  out.clear();
  out.dim = dim_;
  const double scale = scaled_ ? static_cast<double>(dim_) / static_cast<double>(k_) : 1.0;
  std::uint64_t needed = static_cast<std::uint64_t>(k_);
  for (Eigen::Index l = 0; l < dim_ && needed > 0; ++l) {
    const auto remaining = static_cast<std::uint64_t>(dim_ - l);
    // Select coordinate l with probability needed / remaining.
    if (rng.below(remaining) < needed) {
      out.indices.push_back(static_cast<std::int32_t>(l));
      out.values.push_back(scale * in[l]);
      --needed;
    }
  }
  out.dense = (k_ == dim_);
}

}  // namespace ef21::compressors

#include "models/compressors/rand_k.hpp"

#include "models/compressors/compressor_registry.hpp"
#include "models/compressors/sparsifier_then.hpp"
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
  out.exact = out.dense;  // k = d keeps everything, and the scale d/k is then exactly 1
}

std::optional<double> RandK::alpha() const {
  // Unscaled: E||C(x) - x||^2 = (1 - k/d)||x||^2. Scaled by d/k: contractive only through
  // omega < 1 (Compressor::contraction).
  if (scaled_ && k_ != dim_) return std::nullopt;
  return static_cast<double>(k_) / static_cast<double>(dim_);
}

std::optional<double> RandK::omega() const {
  // Scaled: unbiased with E||C(x) - x||^2 = (d/k - 1)||x||^2. Unscaled: biased (E C(x) = (k/d) x),
  // unless k = d.
  if (!scaled_ && k_ != dim_) return std::nullopt;
  return static_cast<double>(dim_) / static_cast<double>(k_) - 1.0;
}

const CompressorInfo& rand_k_registration() {
  static const CompressorInfo info{
      "rand-k",
      "k entries drawn uniformly without replacement from the worker's own stream (contractive, alpha = k/d; "
      "scaled by d/k: unbiased, omega = d/k - 1)",
      true,
      false,
      {boolean_param("scaled", false,
                     "multiply the kept values by d/k: unbiased (omega = d/k - 1), no longer "
                     "contractive unless k > d/2"),
       sparsifier_then_param()},
      [](const CompressorSpec& spec, Eigen::Index dim) {
        return with_then(std::make_unique<RandK>(spec.k, dim, spec.params.boolean("scaled")), spec, dim);
      },
  };
  return info;
}

}  // namespace ef21::compressors

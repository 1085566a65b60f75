#pragma once
#include "models/compressors/compressor.hpp"

namespace ef21::compressors {

/// Keeps k coordinates drawn uniformly without replacement from the worker's own stream.
/// Unscaled it is contractive with alpha = k/d (E||C(x) - x||^2 = (1 - k/d)||x||^2), as EF
/// and EF21 need; scaled by d/k it is unbiased (E C(x) = x) but no longer contractive.
/// Selection sampling (Knuth's Algorithm S): O(d), indices come out sorted.
class RandK final : public Compressor {
 public:
  RandK(std::int64_t k, Eigen::Index dim, bool scaled);
  std::string_view name() const override { return "rand-k"; }
  void compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& rng,
                CompressorWorkspace& workspace) const override;
  std::optional<double> alpha() const override;
  std::optional<double> omega() const override;
  bool draws_indices() const override { return true; }
  std::int64_t entries() const override { return k_; }
  bool lossless() const override { return k_ == dim_; }

 private:
  std::int64_t k_;
  Eigen::Index dim_;
  bool scaled_;
};

struct CompressorInfo;
const CompressorInfo& rand_k_registration();

}  // namespace ef21::compressors

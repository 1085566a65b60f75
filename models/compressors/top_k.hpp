#pragma once
#include "models/compressors/compressor.hpp"

namespace ef21::compressors {

/// Keeps the k entries of largest magnitude, ties to the lower index, signs kept
/// (DESIGN §7). O(d) expected: one nth_element under a strict total order, then a sort of
/// the k survivors by index. NaN counts as the largest magnitude so a diverging run still
/// has a well-defined (and visible) output.
class TopK final : public Compressor {
 public:
  TopK(std::int64_t k, Eigen::Index dim);
  std::string_view name() const override { return "top-k"; }
  void compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& rng,
                CompressorWorkspace& workspace) const override;
  std::optional<double> alpha() const override { return static_cast<double>(k_) / static_cast<double>(dim_); }
  std::int64_t entries() const override { return k_; }
  bool lossless() const override { return k_ == dim_; }

 private:
  std::int64_t k_;
  Eigen::Index dim_;
};

struct CompressorInfo;
const CompressorInfo& top_k_registration();

}  // namespace ef21::compressors

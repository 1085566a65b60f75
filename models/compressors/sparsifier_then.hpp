#pragma once
// Composition `compressor.then = "natural"`: a sparsifier (top-k, rand-k) keeps its entries,
// then an element-wise quantizer rounds each kept value. Bits: the quantizer's bits per value
// plus the sparsifier's index bits. Constants (Q unbiased with omega_Q, independent of C):
//  * C contractive with alpha: E||Q(C(x)) - x||^2 = omega_Q ||C(x)||^2 + ||C(x) - x||^2
//    <= (1 - (1 - omega_Q) alpha)||x||^2 when ||C(x)||^2 = ||x||^2 - ||C(x) - x||^2 (top-k,
//    and rand-k in expectation): alpha' = (1 - omega_Q) alpha;
//  * C unbiased with omega_C: Q∘C is unbiased with omega' = (1 + omega_C)(1 + omega_Q) - 1.
#include <memory>

#include "models/compressors/compressor.hpp"
#include "models/compressors/value_quantizer.hpp"

namespace ef21::compressors {

class SparsifierThen final : public Compressor {
 public:
  SparsifierThen(std::unique_ptr<Compressor> sparsifier, std::unique_ptr<ValueQuantizer> quantizer,
                 std::string name);
  std::string_view name() const override { return name_; }
  void compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& rng,
                CompressorWorkspace& workspace) const override;
  std::optional<double> alpha() const override;
  std::optional<double> omega() const override;
  std::int64_t entries() const override { return sparsifier_->entries(); }
  std::uint64_t payload_bits(const SparseVector& message, const BitAccounting& accounting) const override;
  std::uint64_t message_bits(const BitAccounting& accounting, Eigen::Index dim) const override;
  bool draws_indices() const override { return sparsifier_->draws_indices(); }

 private:
  std::unique_ptr<Compressor> sparsifier_;
  std::unique_ptr<ValueQuantizer> quantizer_;
  std::string name_;  // "top-k+natural"
};

/// The declaration of `then`, shared by the sparsifiers.
ParamDecl sparsifier_then_param();
/// `sparsifier` itself, or composed with spec.params["then"] when given.
std::unique_ptr<Compressor> with_then(std::unique_ptr<Compressor> sparsifier, const CompressorSpec& spec,
                                      Eigen::Index dim);

}  // namespace ef21::compressors

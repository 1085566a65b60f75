#include "models/compressors/sparsifier_then.hpp"

#include <fmt/format.h>

#include "models/compressors/compressor_registry.hpp"
#include "models/support/check.hpp"

namespace ef21::compressors {

SparsifierThen::SparsifierThen(std::unique_ptr<Compressor> sparsifier,
                               std::unique_ptr<ValueQuantizer> quantizer, std::string name)
    : sparsifier_(std::move(sparsifier)), quantizer_(std::move(quantizer)), name_(std::move(name)) {}

void SparsifierThen::compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& rng,
                              CompressorWorkspace& workspace) const {
  sparsifier_->compress(in, out, rng, workspace);
  // The sparsifier's draws come first, then one quantizer draw per kept value in index order.
  if (out.borrowed()) out.assign_dense(out.to_dense());
  for (double& v : out.values) v = quantizer_->quantize(v, rng);
  out.exact = false;
}

std::optional<double> SparsifierThen::alpha() const {
  const auto a = sparsifier_->alpha();
  if (!a || sparsifier_->omega()) return std::nullopt;  // an unbiased sparsifier composes through omega
  return (1.0 - quantizer_->omega()) * *a;
}

std::optional<double> SparsifierThen::omega() const {
  const auto w = sparsifier_->omega();
  if (!w) return std::nullopt;
  return (1.0 + *w) * (1.0 + quantizer_->omega()) - 1.0;
}

std::uint64_t SparsifierThen::payload_bits(const SparseVector& message,
                                           const BitAccounting& accounting) const {
  BitAccounting quantized = accounting;
  quantized.value_bits = quantizer_->value_bits();
  return quantized.payload_bits(message);
}

std::uint64_t SparsifierThen::message_bits(const BitAccounting& accounting, Eigen::Index dim) const {
  BitAccounting quantized = accounting;
  quantized.value_bits = quantizer_->value_bits();
  return sparsifier_->message_bits(quantized, dim);
}

ParamDecl sparsifier_then_param() {
  return choice_param("then", std::nullopt, quantizer_names(),
                      "quantize the kept values with this element-wise quantizer (bits: its bits per value "
                      "plus the index bits)");
}

std::unique_ptr<Compressor> with_then(std::unique_ptr<Compressor> sparsifier, const CompressorSpec& spec,
                                      Eigen::Index /*dim*/) {
  const auto then = spec.params.optional_text("then");
  if (!then) return sparsifier;
  const CompressorInfo* info = find_compressor(*then);
  if (info == nullptr || !info->make_quantizer)
    throw std::invalid_argument(
        fmt::format("compressor.then = \"{}\" is not an element-wise quantizer", *then));
  std::string name = fmt::format("{}+{}", sparsifier->name(), *then);
  return std::make_unique<SparsifierThen>(std::move(sparsifier), info->make_quantizer(), std::move(name));
}

}  // namespace ef21::compressors

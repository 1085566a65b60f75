#pragma once
#include "models/compressors/compressor.hpp"

namespace ef21::compressors {

struct CompressorInfo;

/// C(x) = x: a dense, exact message; alpha = 1, omega = 0 (EF21 with it is gradient descent).
class Identity final : public Compressor {
 public:
  explicit Identity(Eigen::Index dim) : dim_(dim) {}
  std::string_view name() const override { return "identity"; }
  void compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& /*rng*/,
                CompressorWorkspace& /*workspace*/) const override {
    out.assign_dense(in);
    out.exact = true;
  }
  std::optional<double> alpha() const override { return 1.0; }
  std::optional<double> omega() const override { return 0.0; }
  std::int64_t entries() const override { return dim_; }
  bool lossless() const override { return true; }

 private:
  Eigen::Index dim_;
};

const CompressorInfo& identity_registration();

}  // namespace ef21::compressors

#include "models/algorithms/ef21_plus.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "models/algorithms/ef21.hpp"
#include "models/algorithms/method_registry.hpp"

namespace ef21::algorithms {

Ef21Plus::Ef21Plus(const MethodContext& context)
    : Method(context),
      local_(workers(), Eigen::VectorXd::Zero(dim())),
      markov_choices_(workers(), 0),
      global_(Eigen::VectorXd::Zero(dim())),
      sum_(dim()) {}

void Ef21Plus::worker_round(std::size_t worker, std::int64_t round,
                            const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                            WorkerScratch& scratch, Eigen::VectorXd& gradient) {
  evaluate(worker, x, out, gradient);
  Eigen::VectorXd& g = local_[worker];
  if (round == 0) {
    send_replacement(out, gradient, g);
    bill_dense(round, out);
    return;
  }
  const Eigen::VectorXd& grad = gradient;
  // EF21 candidate: g + C(grad - g), at squared distance ||C(grad - g) - (grad - g)||^2 from grad.
  scratch.a = grad - g;
  compress(worker, scratch.a, out, scratch);
  scratch.b = scratch.a;
  out.message.add_to(scratch.b, -1.0);
  const double ef21_distance = scratch.b.squaredNorm();
  // Markov candidate: C(grad), at squared distance ||C(grad) - grad||^2.
  compressor().compress(grad, scratch.sparse, worker_rng(worker), scratch.compressor);
  scratch.b = grad;
  scratch.sparse.add_to(scratch.b, -1.0);
  const double markov_distance = scratch.b.squaredNorm();
  if (out.message.exact) {
    send_replacement(out, grad, g);  // C keeps everything: both candidates are grad itself
  } else if (markov_distance < ef21_distance) {
    // Increment C(grad) - g_i, dense in general; then g_i = C(grad).
    scratch.b = -g;
    scratch.sparse.add_to(scratch.b);
    g.setZero();
    scratch.sparse.add_to(g);
    out.message.assign_dense(scratch.b);
    out.replaces = false;
    ++markov_choices_[worker];
  } else {
    out.message.add_to(g);
    out.replaces = false;
  }
  // Charged as one compressed message (its 1-bit choice flag is not billed): the Markov
  // increment is dense, but what it encodes is C(grad), one message of the compressor.
  out.payload_bits = compressor().message_bits(accounting(), dim());
  out.billed = round > 0 || accounting().bill_initialization;
}

void Ef21Plus::server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) {
  apply_ef21_increments(round, view, global_, sum_);
  x -= gamma() * global_;
}

std::uint64_t Ef21Plus::markov_choices() const {
  return std::accumulate(markov_choices_.begin(), markov_choices_.end(), std::uint64_t{0});
}

const MethodInfo& ef21_plus_registration() {
  static const MethodInfo info{
      .name = "ef21-plus",
      .doc =
          "EF21+ (Richtárik et al. 2021): each worker sends whichever of C(grad f_i) and EF21's candidate "
          "lies "
          "closer to grad f_i",
      .reference = "Richtárik, Sokolov, Fatkhullin 2021 (EF21+)",
      .keys = {},
      .compressor = CompressorNeed::contractive,
      .theory_doc = "min(1/(L + L~ sqrt(2β/θ)), θ/(2μ)) with μ = λ (α = 1: 1/L in the first term)",
      .theory_stepsize =
          [](const TheoryInputs& in) {
            const ContractionConstants c = contraction_constants(require_alpha(in, "ef21-plus"));
            const double smooth_part =
                c.alpha == 1.0 ? 1.0 / in.L : 1.0 / (in.L + in.L_tilde * std::sqrt(2.0 * c.beta / c.theta));
            return in.mu > 0.0 ? std::min(smooth_part, c.theta / (2.0 * in.mu)) : smooth_part;
          },
      .make = [](const MethodContext& c) -> std::unique_ptr<Method> { return std::make_unique<Ef21Plus>(c); },
  };
  return info;
}

}  // namespace ef21::algorithms

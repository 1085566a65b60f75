#include "models/algorithms/ef21_plus.hpp"

#include <numeric>

#include "models/algorithms/ef21.hpp"

namespace ef21::algorithms {

Ef21Plus::Ef21Plus(const MethodContext& context)
    : Method(context),
      local_(workers(), Eigen::VectorXd::Zero(dim())),
      markov_choices_(workers(), 0),
      global_(Eigen::VectorXd::Zero(dim())),
      sum_(dim()) {}

void Ef21Plus::worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                            WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) {
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
  compressor().compress(scratch.a, out.message, worker_rng(worker), scratch.compressor);
  scratch.b = scratch.a;
  out.message.add_to(scratch.b, -1.0);
  const double ef21_distance = scratch.b.squaredNorm();
  // Markov candidate: C(grad), at squared distance ||C(grad) - grad||^2.
  compressor().compress(grad, scratch.sparse, worker_rng(worker), scratch.compressor);
  scratch.b = grad;
  scratch.sparse.add_to(scratch.b, -1.0);
  const double markov_distance = scratch.b.squaredNorm();
  if (out.message.dense) {
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
  bill_compressed(round, out);
}

void Ef21Plus::server_round(std::int64_t round, std::span<const WorkerOutput> outputs, Eigen::Ref<Eigen::VectorXd> x) {
  apply_ef21_increments(round, outputs, global_, sum_, gamma(), x);
}

std::uint64_t Ef21Plus::markov_choices() const {
  return std::accumulate(markov_choices_.begin(), markov_choices_.end(), std::uint64_t{0});
}

}  // namespace ef21::algorithms

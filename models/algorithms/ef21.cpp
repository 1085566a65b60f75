#include "models/algorithms/ef21.hpp"

#include "models/support/check.hpp"

namespace ef21::algorithms {

Ef21::Ef21(const MethodContext& context)
    : Method(context), local_(workers(), Eigen::VectorXd::Zero(dim())), global_(Eigen::VectorXd::Zero(dim())), sum_(dim()) {}

void Ef21::worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                        WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) {
  evaluate(worker, x, out, gradient);
  Eigen::VectorXd& g = local_[worker];
  if (round == 0) {
    send_replacement(out, gradient, g);
    bill_dense(round, out);
    return;
  }
  scratch.a = gradient - g;
  compressor().compress(scratch.a, out.message, worker_rng(worker), scratch.compressor);
  if (out.message.dense) {
    // C kept every coordinate, so g_i + C(grad - g_i) = grad exactly in real arithmetic:
    // send g_i itself. This keeps EF21 with k = d bit-identical to GD (DESIGN §9).
    send_replacement(out, gradient, g);
  } else {
    out.message.add_to(g);
    out.replaces = false;
  }
  bill_compressed(round, out);
}

void send_replacement(WorkerOutput& out, const Eigen::VectorXd& gradient, Eigen::VectorXd& local) {
  local = gradient;
  out.message.borrow_dense(local);
  out.replaces = true;
}

void apply_ef21_increments(std::int64_t round, std::span<const WorkerOutput> outputs, Eigen::VectorXd& global,
                           Eigen::VectorXd& sum, double gamma, Eigen::Ref<Eigen::VectorXd> x) {
  const double n = static_cast<double>(outputs.size());
  sum.setZero();
  std::size_t replacements = 0;
  for (const auto& out : outputs) {
    out.message.add_to(sum);
    replacements += out.replaces ? 1 : 0;
  }
  EF21_CHECK(replacements == 0 || replacements == outputs.size(),
             "EF21 round mixes replacement and increment messages");
  EF21_CHECK(round > 0 || replacements == outputs.size(), "EF21 round 0 must send g_i^0");
  if (replacements > 0)
    global = sum / n;  // g = (1/n) sum g_i (round 0, or a compressor that keeps everything)
  else
    global += sum / n;  // g^t = g^{t-1} + (1/n) sum c_i
  x -= gamma * global;
}

void Ef21::server_round(std::int64_t round, std::span<const WorkerOutput> outputs, Eigen::Ref<Eigen::VectorXd> x) {
  apply_ef21_increments(round, outputs, global_, sum_, gamma(), x);
}

}  // namespace ef21::algorithms

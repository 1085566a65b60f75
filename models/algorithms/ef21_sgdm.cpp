#include "models/algorithms/ef21_sgdm.hpp"

#include "models/algorithms/method_registry.hpp"

namespace ef21::algorithms {
Ef21Sgdm::Ef21Sgdm(const MethodContext& context)
    : Ef21(with_dense_state(context)), momentum_(context.params.number("momentum")), velocity_(workers()) {}

void Ef21Sgdm::worker_round(std::size_t worker, std::int64_t round,
                            const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                            WorkerScratch& scratch, Eigen::VectorXd& gradient) {
  evaluate(worker, x, out, gradient);
  Eigen::VectorXd& v = velocity_[worker];
  if (round == 0) {
    v = gradient;
    ef21_initial(worker, gradient, out);
    return;
  }
  const Eigen::VectorXd& estimate = local_gradient(worker, x, out, scratch, gradient);
  v = (1.0 - momentum_) * v + momentum_ * estimate;
  ef21_step(worker, round, v, out, scratch);
}

void Ef21Sgdm::save_worker(std::size_t worker) {
  Ef21::save_worker(worker);
  if (saved_velocity_.size() != workers()) saved_velocity_.resize(workers());
  saved_velocity_[worker] = velocity_[worker];
}

void Ef21Sgdm::restore_worker(std::size_t worker) {
  Ef21::restore_worker(worker);
  velocity_[worker] = saved_velocity_.at(worker);
}

const MethodInfo& ef21_sgdm_registration() {
  static const MethodInfo info{
      .name = "ef21-sgdm",
      .doc =
          "EF21-SGDM: worker momentum v_i = (1-eta) v_i + eta ghat_i, then EF21 on v_i (eta = 1: EF21-SGD)",
      .reference =
          "Fatkhullin, Tyurin, Richtárik 2023, Momentum Provably Improves Error Feedback! (EF21-SGDM)",
      .keys = {number_param("momentum", 0.1, 0.0, 1.0, false, true, "momentum η of the workers' averages")},
      .compressor = CompressorNeed::contractive,
      .minibatch = true,
      .participation = true,
      .theory_doc = "not implemented (its rule needs the gradient noise): give an absolute stepsize",
      .theory_stepsize = [](const TheoryInputs&) -> double {
        throw TheoryUnavailable(
            "ef21-sgdm has no theory stepsize here (Fatkhullin et al. 2023 tie gamma to eta and the gradient "
            "noise): give algorithm.stepsize");
      },
      .make = [](const MethodContext& c) -> std::unique_ptr<Method> { return std::make_unique<Ef21Sgdm>(c); },
  };
  return info;
}

}  // namespace ef21::algorithms

#include "models/algorithms/ef21_hb.hpp"

#include "models/algorithms/method_registry.hpp"

namespace ef21::algorithms {

Ef21Hb::Ef21Hb(const MethodContext& context)
    : Ef21(context), momentum_(context.params.number("momentum")), velocity_(Eigen::VectorXd::Zero(dim())) {}

void Ef21Hb::server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) {
  apply_ef21_increments(round, view, global_mutable(), sum_buffer());
  if (round == 0)
    velocity_ = global();  // v^0 = g^0
  else
    velocity_ = momentum_ * velocity_ + global();  // v^t = eta v^{t-1} + g^t
  x -= gamma() * velocity_;
}

const MethodInfo& ef21_hb_registration() {
  static const MethodInfo info{
      .name = "ef21-hb",
      .doc = "EF21 with heavy-ball momentum: x -= gamma v, v = eta v + g (eta = 0: EF21)",
      .reference = "Fatkhullin, Sokolov, Gorbunov, Li, Richtárik 2021, EF21 with Bells & Whistles (EF21-HB)",
      .keys = {number_param("momentum", 0.99, 0.0, 1.0, true, false, "heavy-ball momentum η")},
      .compressor = CompressorNeed::contractive,
      .minibatch = true,
      .participation = true,
      .theory_doc = "not implemented (its rule couples γ and η): give an absolute stepsize",
      .theory_stepsize = [](const TheoryInputs&) -> double {
        throw TheoryUnavailable(
            "ef21-hb has no theory stepsize here (Fatkhullin et al. 2021 couple gamma and eta): give "
            "algorithm.stepsize");
      },
      .make = [](const MethodContext& c) -> std::unique_ptr<Method> { return std::make_unique<Ef21Hb>(c); },
  };
  return info;
}

}  // namespace ef21::algorithms

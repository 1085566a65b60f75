#include "models/algorithms/ef21_bc.hpp"

#include "models/algorithms/method_registry.hpp"
#include "models/support/check.hpp"

namespace ef21::algorithms {

Ef21Bc::Ef21Bc(const MethodContext& context)
    : Ef21(context),
      down_(*context.down_compressor),
      down_rng_(Rng::stream(context.seed, "compressor-down")),
      shared_(Eigen::VectorXd::Zero(dim())) {}

void Ef21Bc::server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) {
  apply_ef21_increments(round, view, global_mutable(), sum_buffer());  // w
  if (round == 0) {
    shared_ = global();  // g^0 = w^0, broadcast whole
  } else {
    difference_ = global() - shared_;
    down_.compress(difference_, broadcast_, down_rng_, down_workspace_);
    broadcast_.add_to(shared_);  // g += C_down(w - g)
  }
  x -= gamma() * shared_;
}

std::optional<DownlinkMessage> Ef21Bc::downlink(std::int64_t round) const {
  if (round == 0) return DownlinkMessage{accounting().payload_bits(dim(), dim(), true), false};
  return DownlinkMessage{down_.message_bits(accounting(), dim()), true};
}

const MethodInfo& ef21_bc_registration() {
  static const MethodInfo info{
      .name = "ef21-bc",
      .doc =
          "EF21 with bidirectional compression: the server broadcasts C_down(w - g) ([compressor.down]), not "
          "the model",
      .reference = "Fatkhullin, Sokolov, Gorbunov, Li, Richtárik 2021, EF21 with Bells & Whistles (EF21-BC)",
      .keys = {},
      .compressor = CompressorNeed::contractive,
      .minibatch = true,
      .participation = true,
      .downlink_compressor = true,
      .theory_doc =
          "not implemented (its rule couples both compressors' constants): give an absolute stepsize",
      .theory_stepsize = [](const TheoryInputs&) -> double {
        throw TheoryUnavailable(
            "ef21-bc has no theory stepsize here (Fatkhullin et al. 2021 couple both compressors' "
            "constants): "
            "give algorithm.stepsize");
      },
      .make = [](const MethodContext& c) -> std::unique_ptr<Method> {
        EF21_CHECK(c.down_compressor != nullptr, "ef21-bc needs a downlink compressor");
        return std::make_unique<Ef21Bc>(c);
      },
  };
  return info;
}

}  // namespace ef21::algorithms

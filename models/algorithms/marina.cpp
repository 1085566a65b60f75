#include "models/algorithms/marina.hpp"

#include <cmath>

#include "models/algorithms/method_registry.hpp"
#include "models/support/check.hpp"

namespace ef21::algorithms {

double marina_probability(const ParamSet& params, double omega) {
  if (const auto p = params.optional_number("page_probability")) return *p;
  return 1.0 / (1.0 + omega);
}

Marina::Marina(const MethodContext& context)
    : Method(context),
      probability_(marina_probability(context.params, context.compressor->omega().value_or(0.0))),
      coin_rng_(Rng::stream(context.seed, "coin")),
      previous_(workers()),
      estimate_(Eigen::VectorXd::Zero(dim())),
      sum_(dim()) {}

void Marina::prepare_round(std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& /*x*/) {
  if (round == 0)
    coin_.reset();
  else
    coin_ = coin_rng_.uniform() < probability_ ? 1 : 0;
}

void Marina::worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                          WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) {
  evaluate(worker, x, out, gradient);
  Eigen::VectorXd& previous = previous_[worker];
  if (round == 0 || *coin_ == 1) {
    previous = gradient;
    out.message.borrow_dense(previous);
    out.message.exact = true;
    out.replaces = true;
    bill_dense(round, out);
    return;
  }
  scratch.a = gradient - previous;
  compress(worker, scratch.a, out, scratch);
  out.replaces = false;
  previous = gradient;
  bill_compressed(round, out);
}

void Marina::server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) {
  const double n = static_cast<double>(view.outputs.size());
  sum_messages(view, sum_);
  if (round == 0 || *coin_ == 1)
    estimate_ = sum_ / n;  // g = mean grad f_i
  else
    estimate_ += sum_ / n;  // g += mean C(difference)
  x -= gamma() * estimate_;
}

const MethodInfo& marina_registration() {
  static const MethodInfo info{
      .name = "marina",
      .doc = "MARINA: with probability p dense gradients, else compressed gradient differences (unbiased C)",
      .reference = "Gorbunov, Burlachenko, Li, Richtárik 2021, MARINA (Thm 2.1)",
      .keys = {number_param("page_probability", std::nullopt, 0.0, 1.0, false, true,
                            "probability p of a dense round (one coin for all workers)", "1/(1+ω)")},
      .compressor = CompressorNeed::unbiased,
      .theory_doc = "1/(L + L~ sqrt((1-p) ω/(p n)))",
      .theory_stepsize =
          [](const TheoryInputs& in) {
            const double omega = require_omega(in, "marina");
            const double p = marina_probability(*in.params, omega);
            return 1.0 /
                   (in.L + in.L_tilde * std::sqrt((1.0 - p) * omega / (p * static_cast<double>(in.workers))));
          },
      .make = [](const MethodContext& c) -> std::unique_ptr<Method> { return std::make_unique<Marina>(c); },
  };
  return info;
}

}  // namespace ef21::algorithms

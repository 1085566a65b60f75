#include "models/algorithms/diana.hpp"

#include "models/algorithms/method_registry.hpp"
#include "models/support/check.hpp"

namespace ef21::algorithms {
namespace {

double shift_rate_of(const MethodContext& c) {
  if (const auto a = c.params.optional_number("shift_rate")) return *a;
  const auto omega = c.compressor->omega();
  EF21_CHECK(omega.has_value(), "diana needs an unbiased compressor (the loader checks)");
  return 1.0 / (1.0 + *omega);
}

}  // namespace

Diana::Diana(const MethodContext& context)
    : Method(context),
      shift_rate_(shift_rate_of(context)),
      shift_(workers()),
      mean_shift_(Eigen::VectorXd::Zero(dim())),
      sum_(dim()),
      step_(dim()) {}

void Diana::worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                         WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) {
  evaluate(worker, x, out, gradient);
  Eigen::VectorXd& h = shift_[worker];
  if (round == 0) {
    h = gradient;
    out.message.borrow_dense(h);  // h_i^0, whole
    out.message.exact = true;
    out.replaces = true;
    bill_dense(round, out);
    return;
  }
  scratch.a = local_gradient(worker, x, out, scratch, gradient) - h;
  compress(worker, scratch.a, out, scratch);
  out.message.add_to(h, shift_rate_);  // h_i += alpha Delta_i
  out.replaces = false;
  bill_compressed(round, out);
}

void Diana::server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) {
  const double n = static_cast<double>(view.outputs.size());
  sum_messages(view, sum_);
  if (round == 0) {
    mean_shift_ = sum_ / n;  // h^0
    x -= gamma() * mean_shift_;
    return;
  }
  const Eigen::VectorXd mean_delta = sum_ / n;
  step_ = mean_shift_ + mean_delta;         // g^t = h + mean Delta_i
  mean_shift_ += shift_rate_ * mean_delta;  // h += alpha mean Delta_i
  x -= gamma() * step_;
}

const MethodInfo& diana_registration() {
  static const MethodInfo info{
      .name = "diana",
      .doc =
          "DIANA: compressed differences to learned shifts h_i (unbiased C), g = h + mean C(grad f_i - h_i)",
      .reference = "Mishchenko, Gorbunov, Takáč, Richtárik 2019 (DIANA); Horváth et al. 2019 (nonconvex)",
      .keys = {number_param("shift_rate", std::nullopt, 0.0, 1.0, false, true, "shift rate α of the h_i",
                            "1/(1+ω)")},
      .compressor = CompressorNeed::unbiased,
      .minibatch = true,
      .theory_doc =
          "not implemented (the nonconvex rule of Horváth et al. 2019 needs more than L and ω): give an "
          "absolute stepsize",
      .theory_stepsize = [](const TheoryInputs&) -> double {
        throw TheoryUnavailable(
            "diana has no theory stepsize here (the nonconvex analysis of Horváth et al. 2019 needs "
            "constants the "
            "run does not know): give algorithm.stepsize");
      },
      .make = [](const MethodContext& c) -> std::unique_ptr<Method> { return std::make_unique<Diana>(c); },
  };
  return info;
}

}  // namespace ef21::algorithms

#include "models/algorithms/ef21_page.hpp"

#include "models/algorithms/method_registry.hpp"
#include "models/support/check.hpp"

namespace ef21::algorithms {
namespace {

/// p = mean_i tau_i/(tau_i + m_i), PAGE's choice, unless the scenario gives one.
double page_probability(const MethodContext& c) {
  if (const auto p = c.params.optional_number("page_probability")) return *p;
  double sum = 0.0;
  for (const auto& objective : *c.objectives) {
    const auto m = static_cast<double>(objective.rows());
    const auto tau = static_cast<double>(c.gradient.batch_for(objective.rows()));
    sum += tau / (tau + m);
  }
  return sum / static_cast<double>(c.objectives->size());
}

}  // namespace

Ef21Page::Ef21Page(const MethodContext& context)
    : Ef21(with_dense_state(context)),
      probability_(page_probability(context)),
      coin_rng_(Rng::stream(context.seed, "coin")),
      estimator_(workers()) {
  EF21_CHECK(stochastic(), "ef21-page needs [gradient] (the loader checks)");
}

void Ef21Page::prepare_round(std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x) {
  Ef21::prepare_round(round, x);
  if (round == 0) {
    coin_.reset();
    current_x_ = x;
    return;
  }
  coin_ = coin_rng_.uniform() < probability_ ? 1 : 0;
  previous_x_ = current_x_;
  current_x_ = x;
  if (*coin_ == 0) problems::regulariser_at(objectives().front().spec(), previous_x_, previous_regulariser_);
}

void Ef21Page::worker_round(std::size_t worker, std::int64_t round,
                            const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                            WorkerScratch& scratch, Eigen::VectorXd& gradient) {
  evaluate(worker, x, out, gradient);
  Eigen::VectorXd& v = estimator_[worker];
  if (round == 0) {
    v = gradient;
    ef21_initial(worker, gradient, out);
    return;
  }
  if (*coin_ == 1) {
    v = gradient;  // a full local gradient (evaluate's compute)
  } else {
    draw_batch(worker, out, 2);
    minibatch_gradient(worker, x, out, scratch.estimate);
    scratch.b.resize(dim());
    objectives()[worker].minibatch_gradient(previous_x_, out.batch, scratch.b, previous_regulariser_);
    v += scratch.estimate - scratch.b;
  }
  ef21_step(worker, round, v, out, scratch);
}

const MethodInfo& ef21_page_registration() {
  static const MethodInfo info{
      .name = "ef21-page",
      .doc =
          "EF21 on PAGE estimators: with probability p a full local gradient, else a minibatch difference "
          "(needs [gradient])",
      .reference =
          "Fatkhullin, Sokolov, Gorbunov, Li, Richtárik 2021, EF21 with Bells & Whistles (EF21-PAGE)",
      .keys = {number_param("page_probability", std::nullopt, 0.0, 1.0, false, true,
                            "probability p of a full-gradient round (one coin for all workers)",
                            "mean τ_i/(τ_i + m_i)")},
      .compressor = CompressorNeed::contractive,
      .minibatch = true,
      .requires_minibatch = true,
      .theory_doc = "not implemented (its rule needs the minibatch variance): give an absolute stepsize",
      .theory_stepsize = [](const TheoryInputs&) -> double {
        throw TheoryUnavailable(
            "ef21-page has no theory stepsize here (Fatkhullin et al. 2021: it needs the minibatch "
            "smoothness "
            "constants): give algorithm.stepsize");
      },
      .make = [](const MethodContext& c) -> std::unique_ptr<Method> { return std::make_unique<Ef21Page>(c); },
  };
  return info;
}

}  // namespace ef21::algorithms

#include "models/algorithms/method.hpp"

#include <cmath>
#include <limits>

#include "models/algorithms/ef.hpp"
#include "models/algorithms/ef21.hpp"
#include "models/algorithms/ef21_plus.hpp"
#include "models/algorithms/gd.hpp"
#include "models/support/check.hpp"

namespace ef21::algorithms {

Method::Method(const MethodContext& context) : context_(context) {
  EF21_CHECK(context_.objectives != nullptr && !context_.objectives->empty(), "a method needs workers");
  EF21_CHECK(context_.compressor != nullptr, "a method needs a compressor");
  dim_ = context_.objectives->front().dim();
  worker_rngs_.reserve(context_.objectives->size());
  for (std::size_t i = 0; i < context_.objectives->size(); ++i)
    worker_rngs_.push_back(Rng::stream(context_.seed, "compressor", i));
  const problems::ProblemSpec& first = context_.objectives->front().spec();
  shared_regulariser_ = true;
  for (const auto& objective : *context_.objectives)
    shared_regulariser_ =
        shared_regulariser_ && objective.spec().kind == first.kind && objective.spec().lambda == first.lambda;
}

void Method::begin_round(std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x, bool values) {
  values_ = values;
  if (shared_regulariser_) problems::regulariser_at(objectives().front().spec(), x, regulariser_);
  prepare_round(round);
}

void Method::evaluate(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                      Eigen::VectorXd& gradient) const {
  gradient.resize(dim_);
  if (shared_regulariser_) {
    EF21_CHECK(regulariser_.gradient.size() == dim_, "worker_round before begin_round");
    if (!values_) {
      out.value = std::numeric_limits<double>::quiet_NaN();
      out.value_bound = objectives()[worker].gradient_and_value_bound(x, gradient, regulariser_);
      return;
    }
    out.value = objectives()[worker].value_and_gradient(x, gradient, regulariser_);
  } else {
    out.value = objectives()[worker].value_and_gradient(x, gradient);
  }
  out.value_bound = std::abs(out.value);
}

void Method::bill_compressed(std::int64_t round, WorkerOutput& out) const {
  out.payload_bits = accounting().payload_bits(compressor().entries(), dim_, compressor().entries() == dim_);
  out.billed = round > 0 || accounting().bill_initialization;
}

void Method::bill_dense(std::int64_t round, WorkerOutput& out) const {
  out.payload_bits = accounting().payload_bits(dim_, dim_, true);
  out.billed = round > 0 || accounting().bill_initialization;
}

void Method::sum_messages(std::span<const WorkerOutput> outputs, Eigen::Ref<Eigen::VectorXd> sum) {
  sum.setZero();
  for (const auto& out : outputs) out.message.add_to(sum);
}

std::unique_ptr<Method> make_method(MethodKind kind, const MethodContext& context) {
  switch (kind) {
    case MethodKind::gd:
      return std::make_unique<GradientDescent>(context);
    case MethodKind::ef:
      return std::make_unique<ErrorFeedback>(context);
    case MethodKind::ef21:
      return std::make_unique<Ef21>(context);
    case MethodKind::ef21_plus:
      return std::make_unique<Ef21Plus>(context);
  }
  EF21_CHECK(false, "unknown method");
}

}  // namespace ef21::algorithms

#include "models/algorithms/method.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/support/check.hpp"
#include "models/support/parallel_chunks.hpp"

namespace ef21::algorithms {

std::vector<std::int32_t> sample_without_replacement(std::int64_t population, std::int64_t count, Rng& rng) {
  EF21_CHECK(count >= 0 && count <= population, "cannot draw more than the population");
  // Floyd's algorithm: for j = N-k .. N-1 take t uniform in [0, j], or j if t is taken. Every
  // k-subset is equally likely; the set is kept sorted (k is small against N here).
  std::vector<std::int32_t> chosen;
  chosen.reserve(static_cast<std::size_t>(count));
  for (std::int64_t j = population - count; j < population; ++j) {
    auto pick = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(j) + 1));
    auto it = std::lower_bound(chosen.begin(), chosen.end(), pick);
    if (it != chosen.end() && *it == pick) {
      pick = static_cast<std::int32_t>(j);  // larger than every element so far
      it = chosen.end();
    }
    chosen.insert(it, pick);
  }
  return chosen;
}

Method::Method(const MethodContext& context) : context_(context) {
  EF21_CHECK(context_.objectives != nullptr && !context_.objectives->empty(), "a method needs workers");
  EF21_CHECK(context_.compressor != nullptr, "a method needs a compressor");
  dim_ = context_.objectives->front().dim();
  const std::size_t n = context_.objectives->size();
  worker_rngs_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) worker_rngs_.push_back(Rng::stream(context_.seed, "compressor", i));
  if (context_.gradient.stochastic()) {
    batch_rngs_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      batch_rngs_.push_back(Rng::stream(context_.seed, "batch", i));
      const std::int64_t m = (*context_.objectives)[i].rows();
      const std::int64_t tau = context_.gradient.batch_for(m);
      EF21_CHECK(tau >= 1 && tau <= m, "a minibatch must fit its shard (the loader checks)");
      batch_size_.push_back(tau);
    }
  }
  const problems::ProblemSpec& first = context_.objectives->front().spec();
  shared_regulariser_ = true;
  for (const auto& objective : *context_.objectives)
    shared_regulariser_ =
        shared_regulariser_ && objective.spec().kind == first.kind && objective.spec().lambda == first.lambda;
}

void Method::begin_round(std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x, RoundValues values) {
  values_ = values == RoundValues::compute;
  round_values_ = values;
  if (shared_regulariser_)
    problems::regulariser_at(objectives().front().spec(), x, regulariser_, context_.pool,
                             values != RoundValues::none);
  prepare_round(round, x);
}

void Method::evaluate(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                      Eigen::VectorXd& gradient) const {
  gradient.resize(dim_);
  out.participated = true;
  out.compute_fraction = 1.0;
  out.compute_flops = objectives()[worker].flops_per_gradient();
  out.batch.clear();
  out.kept.clear();
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

void WorkerGradient::to_dense(Eigen::VectorXd& out) const {
  if (!overlay) {
    out = dense;
    return;
  }
  out.resize(outside_term->size());
  for (Eigen::Index l = 0; l < out.size(); ++l) out[l] = 0.0 + (*outside_term)[l];
  for (std::size_t q = 0; q < support.size(); ++q) out[support[q]] = values[q];
}

void Method::worker_round_into(std::size_t worker, std::int64_t round,
                               const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                               WorkerScratch& scratch, WorkerGradient& gradient) {
  gradient.overlay = false;
  worker_round(worker, round, x, out, scratch, gradient.dense);
}

void Method::evaluate_on(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x,
                         std::span<const std::int32_t> support, WorkerOutput& out, WorkerScratch& scratch,
                         WorkerGradient& gradient, const GatheredInputs::Inputs* gathered,
                         std::span<const double> offset, std::vector<double>* differences,
                         bool keep_gradient) const {
  EF21_CHECK(shared_regulariser_ && regulariser_.gradient.size() == dim_,
             "a gradient in the overlay form needs the shared regulariser, after begin_round");
  out.participated = true;
  out.compute_fraction = 1.0;
  out.compute_flops = objectives()[worker].flops_per_gradient();
  out.batch.clear();
  out.kept.clear();
  const problems::Objective& objective = objectives()[worker];
  keep_gradient = keep_gradient || gathered == nullptr || differences == nullptr;
  if (keep_gradient) {
    gradient.overlay = true;
    gradient.support.assign(support.begin(), support.end());
    gradient.outside_term = &regulariser_.gradient;
  } else {
    gradient.overlay = false;  // not kept: the caller reads no gradient this round
    gradient.dense.resize(0);
  }
  std::vector<double>* values = keep_gradient ? &gradient.values : nullptr;
  double result = 0.0;
  if (gathered != nullptr) {
    result = values_ ? objective.gradient_on_gathered<true>(gathered->x_on_columns, gathered->term_on_support,
                                                            regulariser_.value, support, scratch.gradient,
                                                            values, offset, differences)
                     : objective.gradient_on_gathered<false>(
                           gathered->x_on_columns, gathered->term_on_support, regulariser_.value, support,
                           scratch.gradient, values, offset, differences);
  } else {
    result =
        values_ ? objective.value_and_gradient_on(x, regulariser_, support, scratch.gradient, gradient.values)
                : objective.gradient_on_and_value_bound(x, regulariser_, support, scratch.gradient,
                                                        gradient.values);
    if (differences != nullptr) {
      EF21_CHECK(offset.size() == support.size(), "an offset for every support coordinate");
      differences->resize(support.size());
      for (std::size_t q = 0; q < support.size(); ++q) (*differences)[q] = gradient.values[q] - offset[q];
    }
  }
  if (values_) {
    out.value = result;
    out.value_bound = std::abs(result);
  } else {
    out.value = std::numeric_limits<double>::quiet_NaN();
    out.value_bound = result;
  }
}

void Method::skip_round(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                        Eigen::VectorXd& gradient) const {
  evaluate(worker, x, out, gradient);
  out.participated = false;
  out.message.clear();
  out.payload_bits = 0;
  out.billed = false;
  out.replaces = false;
  out.compute_fraction = 0.0;
  out.compute_flops = 0.0;
}

void Method::draw_batch(std::size_t worker, WorkerOutput& out, int passes) {
  EF21_CHECK(!batch_size_.empty(), "draw_batch without [gradient] batch");
  const auto& objective = objectives()[worker];
  out.batch = sample_without_replacement(objective.rows(), batch_size_[worker], batch_rngs_[worker]);
  out.compute_fraction = static_cast<double>(passes) * static_cast<double>(out.batch.size()) /
                         static_cast<double>(objective.rows());
  out.compute_flops = static_cast<double>(passes) * objective.flops_per_minibatch(out.batch);
}

void Method::minibatch_gradient(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x,
                                const WorkerOutput& out, Eigen::VectorXd& estimate) const {
  if (!shared_regulariser_) {
    minibatch_gradient_at(worker, x, out.batch, estimate);
    return;
  }
  estimate.resize(dim_);
  objectives()[worker].minibatch_gradient(x, out.batch, estimate, regulariser_);
}

void Method::minibatch_gradient_at(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x,
                                   std::span<const std::int32_t> rows, Eigen::VectorXd& estimate) const {
  problems::RegulariserAt reg;
  problems::regulariser_at(objectives()[worker].spec(), x, reg);
  estimate.resize(dim_);
  objectives()[worker].minibatch_gradient(x, rows, estimate, reg);
}

const Eigen::VectorXd& Method::local_gradient(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x,
                                              WorkerOutput& out, WorkerScratch& scratch,
                                              const Eigen::VectorXd& gradient) {
  if (!stochastic()) return gradient;
  draw_batch(worker, out);
  minibatch_gradient(worker, x, out, scratch.estimate);
  return scratch.estimate;
}

void Method::compress(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& in, WorkerOutput& out,
                      WorkerScratch& scratch) {
  compressor().compress(in, out.message, worker_rngs_[worker], scratch.compressor);
  if (compressor().draws_indices() && !out.message.borrowed())
    out.kept.assign(out.message.indices.begin(), out.message.indices.end());
}

void Method::bill_compressed(std::int64_t round, WorkerOutput& out) const {
  out.payload_bits = compressor().payload_bits(out.message, accounting());
  out.billed = round > 0 || accounting().bill_initialization;
}

void Method::bill_dense(std::int64_t round, WorkerOutput& out) const {
  out.payload_bits = accounting().payload_bits(dim_, dim_, true);
  out.billed = round > 0 || accounting().bill_initialization;
}

void Method::sum_messages(const RoundView& view, Eigen::Ref<Eigen::VectorXd> sum) { view.sum(sum); }

void RoundView::sum(Eigen::Ref<Eigen::VectorXd> out, std::span<const double> weights) const {
  if (ring == nullptr) {
    double* target = out.data();
    for_each_chunk(pool, out.size(), [&](std::int64_t /*chunk*/, std::int64_t from, std::int64_t to) {
      std::fill(target + from, target + to, 0.0);
      for (const std::uint32_t i : participants)
        outputs[i].message.add_range_to(target, from, to, weights.empty() ? 1.0 : weights[i]);
    });
    return;
  }
  out.setZero();
  EF21_CHECK(full() && ring->ring.size() == outputs.size(), "a ring all-reduce needs every worker");
  const auto n = ring->ring.size();
  const Eigen::Index d = out.size();
  for (std::size_t c = 0; c < n; ++c) {
    const Eigen::Index from = static_cast<Eigen::Index>(c) * ring->chunk;
    const Eigen::Index to = std::min(d, from + ring->chunk);
    for (std::size_t j = 0; j < n; ++j) {
      const std::uint32_t w = ring->ring[(c + j) % n];
      const compressors::SparseVector& m = outputs[w].message;
      EF21_CHECK(m.dense, "a ring all-reduce sums dense messages only");
      const double scale = weights.empty() ? 1.0 : weights[w];
      for (Eigen::Index l = from; l < to; ++l)
        out[l] += scale == 1.0 ? m.value(static_cast<std::size_t>(l))
                               : scale * m.value(static_cast<std::size_t>(l));
    }
  }
}

}  // namespace ef21::algorithms

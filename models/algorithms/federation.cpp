#include "models/algorithms/federation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/support/check.hpp"
#include "models/support/parallel_chunks.hpp"

namespace ef21::algorithms {

Federation::Federation(std::vector<problems::Objective> objectives,
                       std::unique_ptr<compressors::Compressor> compressor, const MethodInfo& method,
                       const MethodContext& context_template, Eigen::VectorXd x0, std::size_t threads,
                       ParticipationSpec participation,
                       std::unique_ptr<compressors::Compressor> down_compressor)
    : objectives_(std::move(objectives)),
      compressor_(std::move(compressor)),
      down_compressor_(std::move(down_compressor)),
      participation_(participation),
      participation_rng_(Rng::stream(context_template.seed, "participation")),
      x_(std::move(x0)),
      outputs_(objectives_.size()),
      scratch_(threads == 0 ? 1 : threads),
      gradient_sum_(x_.size()),
      pool_(threads == 0 ? 1 : threads) {
  EF21_CHECK(!objectives_.empty(), "a federation needs workers");
  EF21_CHECK(objectives_.front().dim() == x_.size(), "x0 and the data disagree on d");
  MethodContext context = context_template;
  context.objectives = &objectives_;
  context.compressor = compressor_.get();
  context.pool = &pool_;
  for (const ParamDecl& decl : method.keys)  // declared defaults for keys a direct caller left out
    if (!context.params.has(decl.name) && decl.default_value)
      context.params.set(decl.name, *decl.default_value);
  context.down_compressor = down_compressor_.get();
  context.partial_participation = participation_.subsets(static_cast<std::int64_t>(objectives_.size()));
  rollback_ = participation_.unreliable;
  method_ = method.make(context);
  everyone_.resize(objectives_.size());
  for (std::size_t i = 0; i < everyone_.size(); ++i) everyone_[i] = static_cast<std::uint32_t>(i);
}

void Federation::set_participants(std::int64_t round, std::vector<std::uint32_t> ids) {
  participants(round);  // draws the round first, so the stream stays in round order
  overridden_round_ = round;
  participants_override_ = std::move(ids);
}

const std::vector<std::uint32_t>& Federation::participants(std::int64_t round) {
  if (round == overridden_round_) return participants_override_;
  const auto n = static_cast<std::int64_t>(objectives_.size());
  if (round == 0 || !participation_.partial(n)) return everyone_;
  EF21_CHECK(round >= drawn_round_ - 1 || drawn_round_ == 0, "participants are kept for two rounds only");
  while (drawn_round_ < round) {
    ++drawn_round_;
    std::vector<std::uint32_t>& slot = drawn_[drawn_round_ & 1];
    const std::vector<std::int32_t> chosen =
        sample_without_replacement(n, participation_.per_round(n), participation_rng_);
    slot.assign(chosen.begin(), chosen.end());
  }
  return drawn_[round & 1];
}

std::size_t Federation::block_size() const {
  const std::size_t per_block = std::clamp<std::size_t>(
      (std::size_t{2} << 20) / (sizeof(double) * static_cast<std::size_t>(std::max<Eigen::Index>(dim(), 1))),
      16 * pool_.size(), 4096);
  return std::min(objectives_.size(), per_block);
}

namespace {

/// sum[l] = (((sum[l] + a[0][l]) + a[1][l]) + ...) + a[group - 1][l] for l < width: the
/// workers' additions in their order, `group` (1 to 4) of them per load and store of the sum.
void add_group(double* __restrict sum, const double* const* a, std::size_t group, Eigen::Index width) {
  const double* __restrict a0 = a[0];
  switch (group) {
    case 1:
      for (Eigen::Index l = 0; l < width; ++l) sum[l] += a0[l];
      return;
    case 2: {
      const double* __restrict a1 = a[1];
      for (Eigen::Index l = 0; l < width; ++l) sum[l] = (sum[l] + a0[l]) + a1[l];
      return;
    }
    case 3: {
      const double* __restrict a1 = a[1];
      const double* __restrict a2 = a[2];
      for (Eigen::Index l = 0; l < width; ++l) sum[l] = ((sum[l] + a0[l]) + a1[l]) + a2[l];
      return;
    }
    default: {
      const double* __restrict a1 = a[1];
      const double* __restrict a2 = a[2];
      const double* __restrict a3 = a[3];
      for (Eigen::Index l = 0; l < width; ++l) sum[l] = (((sum[l] + a0[l]) + a1[l]) + a2[l]) + a3[l];
      return;
    }
  }
}

}  // namespace

void Federation::add_block_gradients(std::size_t count, Eigen::Index from, Eigen::Index to,
                                     std::vector<std::size_t>& cursor) {
  // A worker's gradient in the overlay form is 0.0 + term[l] outside its support, the same
  // term for all (the shared regulariser's). For a sub-range of coordinates, an overlay
  // worker's addend is a buffer holding those outside values with its own values written in
  // (and the outside values put back after). Each coordinate still gets the same sequence of
  // additions, worker by worker, as with dense gradients, but a worker costs a pass over a
  // sub-range in L1 plus its support instead of a read of d doubles from memory; and the
  // workers are added four at a time, one load and store of the sum for four of them.
  constexpr Eigen::Index kSub = 512;  // coordinates: the sum and four addends stay in L1
  constexpr std::size_t kGroup = 4;
  double addend[kGroup][kSub];
  double* sum = gradient_sum_.data();
  const Eigen::VectorXd* term = nullptr;
  cursor.assign(count, 0);
  for (std::size_t j = 0; j < count; ++j) {
    const WorkerGradient& g = block_gradients_[j];
    if (!g.overlay) continue;
    EF21_CHECK(term == nullptr || term == g.outside_term, "overlay gradients must share their outside term");
    term = g.outside_term;
    cursor[j] = static_cast<std::size_t>(std::lower_bound(g.support.begin(), g.support.end(), from) -
                                         g.support.begin());
  }
  const double* outside = term != nullptr ? term->data() : nullptr;
  for (Eigen::Index lo = from; lo < to; lo += kSub) {
    const Eigen::Index hi = std::min(to, lo + kSub);
    const Eigen::Index width = hi - lo;
    bool filled[kGroup] = {};
    for (std::size_t j = 0; j < count; j += kGroup) {
      const std::size_t group = std::min(kGroup, count - j);
      const double* source[kGroup];
      std::size_t last[kGroup];
      for (std::size_t m = 0; m < group; ++m) {
        const WorkerGradient& g = block_gradients_[j + m];
        if (!g.overlay) {
          source[m] = g.dense.data() + lo;
          continue;
        }
        double* __restrict buffer = addend[m];
        if (!filled[m]) {
          for (Eigen::Index l = 0; l < width; ++l) buffer[l] = 0.0 + outside[lo + l];
          filled[m] = true;
        }
        // Raw pointers: the stores into the buffer must not make the compiler reload them.
        const std::int32_t* support = g.support.data();
        const double* values = g.values.data();
        const std::size_t size = g.support.size();
        std::size_t p = cursor[j + m];
        for (; p < size && support[p] < hi; ++p) buffer[support[p] - lo] = values[p];
        last[m] = p;
        source[m] = buffer;
      }
      add_group(sum + lo, source, group, width);
      for (std::size_t m = 0; m < group; ++m) {
        const WorkerGradient& g = block_gradients_[j + m];
        if (!g.overlay) continue;
        const std::int32_t* support = g.support.data();
        double* __restrict buffer = addend[m];
        for (std::size_t p = cursor[j + m]; p < last[m]; ++p)
          buffer[support[p] - lo] = 0.0 + outside[support[p]];
        cursor[j + m] = last[m];
      }
    }
  }
}

void Federation::add_block_gradients(std::size_t count) {
  // grad f = (1/n) sum grad f_i, summed in worker-id order. Each coordinate's sum is its own
  // sequence of additions, so the coordinates can be shared out over the threads without
  // changing a bit.
  const Eigen::Index d = dim();
  bool any_overlay = false;
  for (std::size_t j = 0; j < count; ++j) any_overlay = any_overlay || block_gradients_[j].overlay;
  if (!any_overlay) {
    // Dense gradients only: each task adds every worker's coordinates in its range, in order,
    // four workers per load and store of the sum (add_group keeps the order of additions).
    const auto add_dense = [&](Eigen::Index from, Eigen::Index to) {
      double* sum = gradient_sum_.data() + from;
      constexpr std::size_t kGroup = 4;
      const double* source[kGroup];
      for (std::size_t j = 0; j < count; j += kGroup) {
        const std::size_t group = std::min(kGroup, count - j);
        for (std::size_t m = 0; m < group; ++m) source[m] = block_gradients_[j + m].dense.data() + from;
        add_group(sum, source, group, to - from);
      }
    };
    constexpr Eigen::Index kDenseCoordinates = 128;  // coordinates per reduction task
    if (pool_.size() > 1 && d >= 2 * kDenseCoordinates &&
        count * static_cast<std::size_t>(d) >= (std::size_t{1} << 16)) {
      const auto tasks = static_cast<std::size_t>((d + kDenseCoordinates - 1) / kDenseCoordinates);
      pool_.parallel_for(tasks, [&](std::size_t task, std::size_t /*slot*/) {
        const Eigen::Index from = static_cast<Eigen::Index>(task) * kDenseCoordinates;
        add_dense(from, std::min(d, from + kDenseCoordinates));
      });
    } else {
      add_dense(0, d);
    }
    return;
  }
  if (sum_cursors_.size() < pool_.size()) sum_cursors_.resize(pool_.size());
  constexpr Eigen::Index kCoordinates = 512;  // coordinates per reduction task (one L1 sub-range)
  if (pool_.size() > 1 && d >= 2 * kCoordinates &&
      count * static_cast<std::size_t>(d) >= (std::size_t{1} << 16)) {
    const auto tasks = static_cast<std::size_t>((d + kCoordinates - 1) / kCoordinates);
    pool_.parallel_for(tasks, [&](std::size_t task, std::size_t slot) {
      const Eigen::Index from = static_cast<Eigen::Index>(task) * kCoordinates;
      add_block_gradients(count, from, std::min(d, from + kCoordinates), sum_cursors_[slot]);
    });
  } else {
    add_block_gradients(count, 0, d, sum_cursors_[0]);
  }
}

void Federation::compute_worker_round(std::int64_t round, RoundValues values) {
  if (values == RoundValues::none) {
    compute_participants_round(round);
    return;
  }
  const std::size_t n = objectives_.size();
  const std::size_t block = block_size();
  if (block_gradients_.size() < block) block_gradients_.resize(block);
  if (keep_gradients_) kept_gradients_.resize(n);
  overlay_gradients_ = 0;
  const bool with_values = values == RoundValues::compute;
  const std::vector<std::uint32_t>& round_participants = participants(round);
  taking_part_.assign(n, round_participants.size() == n ? 1 : 0);
  if (round_participants.size() != n)
    for (const std::uint32_t i : round_participants) taking_part_[i] = 1;
  const std::vector<std::uint8_t>& taking_part = taking_part_;
  method_->begin_round(round, x_, values);
  double value_sum = 0.0;
  bool bounded = true;  // every worker's value bound proves its f_i finite
  gradient_sum_.setZero();
  for (std::size_t begin = 0; begin < n; begin += block) {
    const std::size_t count = std::min(block, n - begin);
    block_participants_.clear();
    for (std::size_t i = begin; i < begin + count; ++i)
      if (taking_part[i]) block_participants_.push_back(static_cast<std::uint32_t>(i));
    method_->prepare_workers(round, block_participants_, x_);
    pool_.parallel_for(count, [&](std::size_t j, std::size_t slot) {
      const std::size_t i = begin + j;
      if (taking_part[i]) {
        if (rollback_) method_->save_worker(i);
        method_->worker_round_into(i, round, x_, outputs_[i], scratch_[slot], block_gradients_[j]);
      } else {
        block_gradients_[j].overlay = false;
        method_->skip_round(i, x_, outputs_[i], block_gradients_[j].dense);
      }
    });
    // f = (1/n) sum f_i, summed in worker-id order.
    for (std::size_t j = 0; j < count; ++j) {
      value_sum += outputs_[begin + j].value;
      bounded = bounded && outputs_[begin + j].value_bound <= problems::Objective::kCertainlyFiniteBound;
    }
    for (std::size_t j = 0; j < count; ++j) overlay_gradients_ += block_gradients_[j].overlay ? 1 : 0;
    add_block_gradients(count);
    if (keep_gradients_)
      for (std::size_t j = 0; j < count; ++j) block_gradients_[j].to_dense(kept_gradients_[begin + j]);
  }
  const double nd = static_cast<double>(n);
  grad_norm_sq_ = (gradient_sum_ / nd).squaredNorm();
  round_ = round;
  RoundValue& slot = recent_[round & 1];
  slot.round = round;
  slot.gradient_known = true;
  slot.grad_norm_sq = grad_norm_sq_;
  slot.proven_finite = !with_values && bounded;
  slot.known = !slot.proven_finite;
  if (with_values)
    slot.f = value_sum / nd;
  else if (slot.known)  // not proven finite: find out now, while x is x^round
    slot.f = mean_value(x_);
  else
    slot.x = x_;  // no allocation after the first deferred round
}

void Federation::compute_participants_round(std::int64_t round) {
  EF21_CHECK(!keep_gradients_, "keep_gradients needs every worker's gradient: not with RoundValues::none");
  const std::vector<std::uint32_t>& round_participants = participants(round);
  const std::size_t block = block_size();
  if (block_gradients_.size() < block) block_gradients_.resize(block);
  method_->begin_round(round, x_, RoundValues::none);
  for (std::size_t begin = 0; begin < round_participants.size(); begin += block) {
    const std::size_t count = std::min(block, round_participants.size() - begin);
    method_->prepare_workers(round, std::span<const std::uint32_t>(round_participants).subspan(begin, count),
                             x_);
    pool_.parallel_for(count, [&](std::size_t j, std::size_t slot) {
      const std::size_t i = round_participants[begin + j];
      if (rollback_) method_->save_worker(i);
      method_->worker_round_into(i, round, x_, outputs_[i], scratch_[slot], block_gradients_[j]);
    });
  }
  grad_norm_sq_ = std::numeric_limits<double>::quiet_NaN();
  round_ = round;
  RoundValue& slot = recent_[round & 1];
  slot.round = round;
  slot.gradient_known = false;
  slot.proven_finite = false;
  slot.known = false;
  // x^round kept for metrics_at, and whether it is finite (value_finite: the run's divergence
  // check), in one pass in coordinate chunks: each chunk's finiteness is its own flag.
  slot.x.resize(x_.size());
  chunk_finite_.assign(static_cast<std::size_t>(coordinate_chunks(x_.size())), 1);
  const double* from_x = x_.data();
  double* kept = slot.x.data();
  for_each_chunk(&pool_, x_.size(), [&](std::int64_t chunk, std::int64_t from, std::int64_t to) {
    bool finite = true;
    for (std::int64_t l = from; l < to; ++l) {
      kept[l] = from_x[l];
      finite = finite && std::isfinite(from_x[l]);
    }
    chunk_finite_[static_cast<std::size_t>(chunk)] = finite ? 1 : 0;
  });
  slot.x_finite =
      std::all_of(chunk_finite_.begin(), chunk_finite_.end(), [](std::uint8_t f) { return f != 0; });
}

IterateMetrics Federation::evaluate_all(const Eigen::VectorXd& x) {
  const std::size_t n = objectives_.size();
  const std::size_t block = block_size();
  if (block_gradients_.size() < block) block_gradients_.resize(block);
  // The regulariser term as Method::begin_round computes it for a round with values.
  problems::RegulariserAt shared;
  const bool shares = method_->shares_regulariser();
  if (shares) problems::regulariser_at(objectives_.front().spec(), x, shared);
  worker_values_.resize(n);
  gradient_sum_.setZero();
  for (std::size_t begin = 0; begin < n; begin += block) {
    const std::size_t count = std::min(block, n - begin);
    pool_.parallel_for(count, [&](std::size_t j, std::size_t /*slot*/) {
      const std::size_t i = begin + j;
      block_gradients_[j].overlay = false;
      Eigen::VectorXd& gradient = block_gradients_[j].dense;
      gradient.resize(dim());
      worker_values_[i] = shares ? objectives_[i].value_and_gradient(x, gradient, shared)
                                 : objectives_[i].value_and_gradient(x, gradient);
    });
    add_block_gradients(count);
  }
  double value_sum = 0.0;
  for (const double v : worker_values_) value_sum += v;  // worker-id order
  const double nd = static_cast<double>(n);
  return {value_sum / nd, (gradient_sum_ / nd).squaredNorm()};
}

bool Federation::evaluated() const {
  EF21_CHECK(round_ >= 0, "evaluated before the first round");
  return recent_[round_ & 1].gradient_known;
}

IterateMetrics Federation::metrics_at(std::int64_t round) {
  EF21_CHECK(round >= 0 && round <= round_ && round_ - round <= 1,
             "metrics are kept only for the last two computed rounds");
  RoundValue& slot = recent_[round & 1];
  EF21_CHECK(slot.round == round, "metrics are kept only for the last two computed rounds");
  if (!slot.gradient_known) {
    const IterateMetrics m = evaluate_all(slot.x);
    slot.gradient_known = true;
    slot.grad_norm_sq = m.grad_norm_sq;
    slot.known = true;
    slot.f = m.f;
  }
  return {value(round), slot.grad_norm_sq};
}

bool Federation::value_finite() const {
  EF21_CHECK(round_ >= 0, "value_finite before the first round");
  const RoundValue& slot = recent_[round_ & 1];
  if (!slot.gradient_known) return slot.x_finite;  // f not evaluated: x itself must be finite
  return slot.proven_finite || std::isfinite(slot.f);
}

double Federation::value(std::int64_t round) {
  EF21_CHECK(round >= 0 && round <= round_ && round_ - round <= 1,
             "f is kept only for the last two computed rounds");
  RoundValue& slot = recent_[round & 1];
  EF21_CHECK(slot.round == round, "f is kept only for the last two computed rounds");
  if (!slot.known) {
    slot.f = mean_value(slot.x);
    slot.known = true;
  }
  return slot.f;
}

double Federation::mean_value(const Eigen::VectorXd& x) {
  const std::size_t n = objectives_.size();
  worker_values_.resize(n);
  pool_.parallel_for(
      n, [&](std::size_t i, std::size_t /*slot*/) { worker_values_[i] = objectives_[i].value(x); });
  double sum = 0.0;
  for (const double v : worker_values_) sum += v;  // worker-id order, as compute_worker_round
  return sum / static_cast<double>(n);
}

void Federation::use_ring_reduction(std::vector<std::uint32_t> ring, Eigen::Index chunk) {
  EF21_CHECK(ring.size() == workers() && chunk >= 1, "a ring order names every worker");
  ring_ = std::move(ring);
  ring_reduction_ = RingReduction{ring_, chunk};
}

void Federation::aggregate(std::int64_t round, const std::vector<std::uint32_t>& applied) {
  const std::vector<std::uint32_t>& round_participants = participants(round);
  EF21_CHECK(rollback_ || applied.size() == round_participants.size(), "lost messages need enable_rollback");
  std::size_t a = 0;
  for (const std::uint32_t i : round_participants) {  // both ascending
    if (a < applied.size() && applied[a] == i) {
      ++a;
      continue;
    }
    method_->restore_worker(i);
    outputs_[i].participated = false;
  }
  EF21_CHECK(a == applied.size(), "applied messages must come from the round's participants");
  method_->server_round(round,
                        RoundView{outputs_, applied, ring_.empty() ? nullptr : &ring_reduction_, &pool_}, x_);
}

void Federation::aggregate(std::int64_t round) {
  const std::vector<std::uint32_t>& round_participants = participants(round);
  method_->server_round(
      round, RoundView{outputs_, round_participants, ring_.empty() ? nullptr : &ring_reduction_, &pool_}, x_);
}

}  // namespace ef21::algorithms

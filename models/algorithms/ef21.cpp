#include "models/algorithms/ef21.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "models/algorithms/method_registry.hpp"
#include "models/support/check.hpp"
#include "models/support/parallel_chunks.hpp"

namespace ef21::algorithms {

Ef21::Ef21(const MethodContext& context)
    : Method(context),
      local_(workers()),  // g_i = 0, allocated when first written (sparse-form workers never do)
      state_(workers(), State::dense),
      sparse_(workers()),
      global_(Eigen::VectorXd::Zero(dim())),
      sum_(dim()) {
  // Candidates for the sparse form: sparse shards storing few values (|S_i| <= nnz <= d/4),
  // with the regulariser shared by every worker.
  if (!context.sparse_state || shared_regulariser() == nullptr) return;
  for (std::size_t i = 0; i < workers(); ++i) {
    const auto& shard = objectives()[i].shard();
    if (shard.is_sparse() && 4 * shard.stored_values() <= dim()) state_[i] = State::undecided;
  }
}

void Ef21::prepare_round(std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& /*x*/) {
  gathered_.clear();  // read at the previous round's x: never used again
  if (std::none_of(state_.begin(), state_.end(), [](State s) { return s != State::dense; })) return;
  const Eigen::VectorXd& term = shared_regulariser()->gradient;
  // Outside S_i a worker's gradient is (+0 * (1/m)) + term = 0.0 + term, bit for bit
  // (Objective::value_and_gradient with a RegulariserAt).
  const double* r = term.data();
  if (round == 0) {
    base_.resize(dim());
    double* base = base_.data();
    for_each_chunk(context().pool, dim(), [&](std::int64_t /*chunk*/, std::int64_t from, std::int64_t to) {
      for (std::int64_t l = from; l < to; ++l) base[l] = 0.0 + r[l];
    });
    return;
  }
  shared_diff_.resize(dim());
  const double* base = base_.data();
  double* diff = shared_diff_.data();
  for_each_chunk(context().pool, dim(), [&](std::int64_t /*chunk*/, std::int64_t from, std::int64_t to) {
    for (std::int64_t l = from; l < to; ++l) diff[l] = (0.0 + r[l]) - base[l];
  });
  // The preparation's cost grows with the replaced coordinates it guarantees: a budget that
  // starts small and doubles after a round in which an overlay declined (its worker then
  // built its input densely, to the same bits).
  constexpr std::size_t kInitialBudget = 256;
  if (overlay_budget_ == 0) overlay_budget_ = kInitialBudget;
  if (overlay_declined_.exchange(false, std::memory_order_relaxed))
    overlay_budget_ =
        std::min(2 * overlay_budget_, std::max(kInitialBudget, static_cast<std::size_t>(dim()) / 16));
  compressor().prepare_overlay(
      shared_diff_, std::min(largest_support_.load(std::memory_order_relaxed), overlay_budget_), overlay_);
}

void Ef21::note_support(std::size_t size) {
  std::size_t seen = largest_support_.load(std::memory_order_relaxed);
  while (size > seen && !largest_support_.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
  }
}

Eigen::VectorXd& Ef21::dense_local(std::size_t worker) {
  Eigen::VectorXd& g = local_[worker];
  if (g.size() == 0) g = Eigen::VectorXd::Zero(dim());  // never written: g_i = 0 (missed round 0)
  return g;
}

bool Ef21::sparsify(std::size_t worker, const Eigen::VectorXd& g) {
  const auto& features = std::get<data::SparseRowMatrix>(objectives()[worker].shard().features);
  std::vector<std::int32_t> support(features.innerIndexPtr(), features.innerIndexPtr() + features.nonZeros());
  std::sort(support.begin(), support.end());
  support.erase(std::unique(support.begin(), support.end()), support.end());
  // g must equal base bit for bit between the support's coordinates: compared range by
  // range as bytes (one memcmp per gap; 10^6 clients each check d coordinates in round 0).
  Eigen::Index from = 0;
  for (std::size_t p = 0; p <= support.size(); ++p) {
    const Eigen::Index until = p < support.size() ? support[p] : dim();
    if (until > from && std::memcmp(g.data() + from, base_.data() + from,
                                    static_cast<std::size_t>(until - from) * sizeof(double)) != 0)
      return false;  // not representable
    from = until + 1;
  }
  SparseLocal& e = sparse_[worker];
  e.value.resize(support.size());
  for (std::size_t q = 0; q < support.size(); ++q) e.value[q] = g[support[q]];
  e.index = std::move(support);
  e.mask.clear();
  if (dim() <= 48 * static_cast<Eigen::Index>(e.index.size())) {
    e.mask.assign(static_cast<std::size_t>((dim() + 63) / 64), 0);
    for (const std::int32_t l : e.index)
      e.mask[static_cast<std::size_t>(l) >> 6] |= std::uint64_t{1} << (l & 63);
  }
  note_support(e.index.size());
  local_[worker] = Eigen::VectorXd();  // frees d doubles
  state_[worker] = State::sparse;
  return true;
}

void Ef21::try_sparsify(std::size_t worker) {
  state_[worker] = State::dense;
  sparsify(worker, dense_local(worker));
}

void Ef21::save_worker(std::size_t worker) {
  if (saved_.size() != workers()) saved_.resize(workers());
  Saved& saved = saved_[worker];
  saved.local = local_[worker];
  saved.state = state_[worker];
  saved.sparse = sparse_[worker];
}

void Ef21::restore_worker(std::size_t worker) {
  Saved& saved = saved_.at(worker);
  local_[worker] = saved.local;
  state_[worker] = saved.state;
  sparse_[worker] = saved.sparse;
}

std::size_t Ef21::sparse_workers() const {
  return static_cast<std::size_t>(std::count(state_.begin(), state_.end(), State::sparse));
}

void Ef21::worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                        WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) {
  evaluate(worker, x, out, gradient);
  if (round == 0) {
    ef21_initial(worker, gradient, out);
    return;
  }
  ef21_step(worker, round, local_gradient(worker, x, out, scratch, gradient), out, scratch);
}

void Ef21::ef21_initial(std::size_t worker, const Eigen::VectorXd& target, WorkerOutput& out) {
  bill_dense(0, out);
  // A worker that can take the sparse form takes it now, from g_i^0 itself: it never holds
  // d doubles, and its message is g_i^0 read through the shared base (10^6 clients).
  if (state_[worker] == State::undecided && sparsify(worker, target)) {
    const SparseLocal& e = sparse_[worker];
    out.message.borrow_overlay(base_, e.index, e.value);
    out.replaces = true;
    return;
  }
  if (state_[worker] == State::undecided) state_[worker] = State::dense;
  send_replacement(out, target, local_[worker]);
}

namespace {

/// g_i += c on a compact worker's E_i: in place where E_i has the coordinate, else inserted
/// as base + c (g_i's value there), one backward merge for all insertions (E_i stays
/// increasing; `mask`, if kept, gets their bits). Each coordinate gets the one addition the
/// dense form makes. The merge moves the entries between two insertions as whole segments
/// (E_i is tens of thousands of entries at large d; c a few). `positions`: scratch.
void add_increment(std::vector<std::int32_t>& index, std::vector<double>& value,
                   std::vector<std::uint64_t>& mask, const compressors::SparseVector& c,
                   const Eigen::VectorXd& base, std::vector<std::size_t>& positions) {
  // Where each of c's coordinates is or would go in E_i; both increasing, so each search
  // starts where the previous one ended. A fresh coordinate's position is at most old (old:
  // after every entry); a found one is marked as old + 1 + its position.
  const std::size_t old = index.size();
  positions.resize(c.size());
  std::size_t fresh = 0;
  auto from = index.begin();
  for (std::size_t p = 0; p < c.size(); ++p) {
    const std::int32_t l = c.indices[p];
    from = std::lower_bound(from, index.end(), l);
    const auto at = static_cast<std::size_t>(from - index.begin());
    if (from != index.end() && *from == l) {
      value[at] += c.values[p];
      positions[p] = old + 1 + at;
    } else {
      positions[p] = at;
      ++fresh;
    }
  }
  if (fresh == 0) return;
  index.resize(old + fresh);
  value.resize(old + fresh);
  std::size_t kept = old;           // E_i's entries not yet moved: [0, kept)
  std::size_t write = old + fresh;  // next slot from the back: [write, end) is final
  for (std::size_t p = c.size(); p-- > 0;) {
    if (positions[p] > old) continue;  // added in place above; moves with its segment
    const std::size_t at = positions[p];
    // E_i's entries [at, kept) are all above c's coordinate: they move up as one segment.
    std::copy_backward(index.begin() + static_cast<std::ptrdiff_t>(at),
                       index.begin() + static_cast<std::ptrdiff_t>(kept),
                       index.begin() + static_cast<std::ptrdiff_t>(write));
    std::copy_backward(value.begin() + static_cast<std::ptrdiff_t>(at),
                       value.begin() + static_cast<std::ptrdiff_t>(kept),
                       value.begin() + static_cast<std::ptrdiff_t>(write));
    write -= kept - at;
    kept = at;
    const std::int32_t l = c.indices[p];
    --write;
    index[write] = l;
    value[write] = base[l] + c.values[p];
    if (!mask.empty()) mask[static_cast<std::size_t>(l) >> 6] |= std::uint64_t{1} << (l & 63);
  }
}

}  // namespace

template <typename DenseTarget>
void Ef21::compact_step(std::size_t worker, std::int64_t round, const DenseTarget& dense_target,
                        WorkerOutput& out, WorkerScratch& scratch) {
  // An exact message may replace g_i only when every worker takes part (see ef21_step).
  const bool may_replace = !context().partial_participation;
  SparseLocal& e = sparse_[worker];
  // A compressor that can reads target - g_i as an overlay of D^t (Top-k: O(|E_i| + k) from
  // the round's preparation); else it is built.
  const compressors::OverlayInput overlay{&shared_diff_, e.index, scratch.replaced, e.mask};
  if (!compressor().compress_overlay(overlay, overlay_, out.message, scratch.compressor)) {
    if (overlay_.usable) overlay_declined_.store(true, std::memory_order_relaxed);
    scratch.a = shared_diff_;
    for (std::size_t q = 0; q < e.index.size(); ++q) scratch.a[e.index[q]] = scratch.replaced[q];
    compress(worker, scratch.a, out, scratch);
  }
  if (out.message.dense) {
    // C kept (or quantized) every coordinate: back to the dense form.
    local_[worker] = base_;
    for (std::size_t q = 0; q < e.index.size(); ++q) local_[worker][e.index[q]] = e.value[q];
    e = SparseLocal{};
    state_[worker] = State::dense;
    if (out.message.exact && may_replace) {
      send_replacement(out, dense_target(), local_[worker]);
    } else {
      out.message.add_to(local_[worker]);
      out.replaces = false;
    }
  } else {
    add_increment(e.index, e.value, e.mask, out.message, base_, scratch.positions);
    out.replaces = false;
    note_support(e.index.size());
    if (2 * static_cast<Eigen::Index>(e.index.size()) > dim()) {  // no longer sparse: dense form
      local_[worker] = base_;
      for (std::size_t q = 0; q < e.index.size(); ++q) local_[worker][e.index[q]] = e.value[q];
      e = SparseLocal{};
      state_[worker] = State::dense;
    }
  }
  bill_compressed(round, out);
}

void Ef21::ef21_step(std::size_t worker, std::int64_t round, const Eigen::VectorXd& target, WorkerOutput& out,
                     WorkerScratch& scratch) {
  // An exact message may replace g_i only when every worker takes part: otherwise the
  // server's g (a mean over all n) is kept by increments alone.
  const bool may_replace = !context().partial_participation;
  if (state_[worker] == State::undecided) try_sparsify(worker);
  if (state_[worker] == State::sparse) {
    // target - g_i: D^t outside E_i, computed coordinate by coordinate on E_i; the same
    // vector, bit for bit, as the dense form's target - g.
    const SparseLocal& e = sparse_[worker];
    scratch.replaced.resize(e.index.size());
    for (std::size_t q = 0; q < e.index.size(); ++q) scratch.replaced[q] = target[e.index[q]] - e.value[q];
    compact_step(
        worker, round, [&target]() -> const Eigen::VectorXd& { return target; }, out, scratch);
    return;
  }
  Eigen::VectorXd& g = dense_local(worker);
  scratch.a = target - g;
  compress(worker, scratch.a, out, scratch);
  if (out.message.exact && may_replace) {
    // C kept every coordinate exactly, so g_i + C(target - g_i) = target in real arithmetic:
    // send g_i = target itself. This keeps EF21 with k = d bit-identical to GD (DESIGN §9).
    send_replacement(out, target, g);
  } else {
    out.message.add_to(g);
    out.replaces = false;
  }
  bill_compressed(round, out);
}

void Ef21::worker_round_into(std::size_t worker, std::int64_t round,
                             const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                             WorkerScratch& scratch, WorkerGradient& gradient) {
  if (!compact_round(worker, round)) {
    Method::worker_round_into(worker, round, x, out, scratch, gradient);
    return;
  }
  // grad f_i on E_i (which holds S_i), the shared 0.0 + term elsewhere: target - g_i on E_i
  // is then the same subtraction ef21_step makes there, and D^t outside it.
  // The gradient itself only where something reads it: the round's metrics, or a compressor
  // that may send every coordinate exactly (compact_step's dense target).
  const SparseLocal& e = sparse_[worker];
  const bool keep_gradient = gradients_read() || compressor().entries() == dim();
  evaluate_on(worker, x, e.index, out, scratch, gradient, gathered_.find(static_cast<std::uint32_t>(worker)),
              e.value, &scratch.replaced, keep_gradient);
  compact_step(
      worker, round,
      [&]() -> const Eigen::VectorXd& {
        EF21_CHECK(gradient.overlay, "the dense target needs the gradient kept");
        gradient.to_dense(scratch.b);
        return scratch.b;
      },
      out, scratch);
}

bool Ef21::compact_round(std::size_t worker, std::int64_t round) const {
  // Only where d-long passes cost more than the overlay's constant factors: shards in the
  // compact form (large d). At d = 1000 the dense passes stay in L1 and vectorize, and 10^5
  // workers ran 30% slower through the overlay path.
  return round > 0 && state_[worker] == State::sparse && !stochastic() &&
         objectives()[worker].has_compact_form();
}

void Ef21::prepare_workers(std::int64_t round, std::span<const std::uint32_t> workers,
                           const Eigen::Ref<const Eigen::VectorXd>& x) {
  gathered_.clear();
  const problems::RegulariserAt* shared = shared_regulariser();
  if (shared == nullptr) return;
  for (const std::uint32_t i : workers)
    if (compact_round(i, round)) gathered_.request({i, objectives()[i].compact_columns(), sparse_[i].index});
  gathered_.gather(context().pool, x, shared->gradient);
}

void send_replacement(WorkerOutput& out, const Eigen::VectorXd& gradient, Eigen::VectorXd& local) {
  local = gradient;
  out.message.borrow_dense(local);
  out.replaces = true;
}

void apply_ef21_increments(std::int64_t round, const RoundView& view, Eigen::VectorXd& global,
                           Eigen::VectorXd& sum, std::span<const double> weights) {
  view.sum(sum, weights);
  std::size_t replacements = 0;
  for (const std::uint32_t i : view.participants) replacements += view.outputs[i].replaces ? 1 : 0;
  // Replacements come all together: in round 0 (g_i^0; a worker whose message was lost still
  // holds g_i = 0, which the sum counts as such) or with a compressor that keeps everything
  // when every worker takes part.
  EF21_CHECK(replacements == 0 || replacements == view.participants.size(),
             "EF21 round mixes replacement and increment messages");
  EF21_CHECK(replacements == 0 || view.full() || round == 0, "EF21 replaced g_i without every worker");
  EF21_CHECK(round > 0 || replacements == view.participants.size(), "EF21 round 0 must send g_i^0");
  // Coordinate by coordinate (in chunks on the run's threads): g = s or g += s with s = sum
  // (weights: g = sum_i w_i g_i, no 1/n) or s = sum / n.
  const bool divide = weights.empty();
  const bool replace =
      replacements > 0;  // g = (1/n) sum g_i (round 0, or a compressor that keeps everything)
  const double n = static_cast<double>(view.outputs.size());
  global.resize(sum.size());
  double* g = global.data();
  const double* s = sum.data();
  for_each_chunk(view.pool, sum.size(), [&](std::int64_t /*chunk*/, std::int64_t from, std::int64_t to) {
    for (std::int64_t l = from; l < to; ++l) {
      const double increment = divide ? s[l] / n : s[l];
      g[l] = replace ? increment : g[l] + increment;  // g^t = g^{t-1} + (1/n) sum c_i
    }
  });
}

void Ef21::server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) {
  apply_ef21_increments(round, view, global_, sum_);
  const double step = gamma();
  const double* g = global_.data();
  double* xp = x.data();
  for_each_chunk(view.pool, x.size(), [&](std::int64_t /*chunk*/, std::int64_t from, std::int64_t to) {
    for (std::int64_t l = from; l < to; ++l) xp[l] -= step * g[l];
  });
}

const MethodInfo& ef21_registration() {
  static const MethodInfo info{
      .name = "ef21",
      .doc =
          "EF21 (Richtárik et al. 2021): g_i += C(grad f_i - g_i), x -= gamma mean g_i; with [gradient] "
          "EF21-SGD, with [participation] EF21-PP",
      .reference = "Richtárik, Sokolov, Fatkhullin 2021 (Thm 1); Fatkhullin et al. 2021 (EF21-SGD, EF21-PP)",
      .keys = {},
      .compressor = CompressorNeed::contractive,
      .minibatch = true,
      .participation = true,
      .theory_doc =
          "1/(L + L~ sqrt(β/θ)) (α = 1: 1/L); with minibatches or partial participation: give "
          "an absolute stepsize",
      .theory_stepsize = [](const TheoryInputs& in) { return ef21_theory_stepsize(in, "ef21"); },
      .make = [](const MethodContext& c) -> std::unique_ptr<Method> { return std::make_unique<Ef21>(c); },
      .guarantee = running_mean_guarantee(
          "ef21-theorem-1",
          "Theorem 1 (exact initial gradients, G^0 = 0): (1/T) Σ_{t<T} ‖∇f(x^t)‖² ≤ 2(f(x^0) − f_low)/(γT) "
          "for γ ≤ the theory stepsize (multiplier ≤ 1); full participation, full gradients; in "
          "expectation for a random compressor"),
  };
  return info;
}

double ef21_theory_stepsize(const TheoryInputs& in, std::string_view method) {
  if (in.stochastic || in.participation < 1.0)
    throw TheoryUnavailable(
        fmt::format("{}'s theory stepsize with minibatches or partial participation depends on constants the "
                    "run does not "
                    "know (Fatkhullin et al. 2021): give algorithm.stepsize",
                    method));
  const ContractionConstants c = contraction_constants(require_alpha(in, method));
  if (c.alpha == 1.0) return 1.0 / in.L;
  return 1.0 / (in.L + in.L_tilde * std::sqrt(c.beta / c.theta));
}

}  // namespace ef21::algorithms

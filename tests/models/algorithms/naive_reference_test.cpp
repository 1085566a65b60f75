// Every method against a naive dense re-implementation written straight from DESIGN §7:
// std::vector state, loops over workers and coordinates, a sort-based top-k, and the
// textbook logistic formulas. Nothing is shared with the library except Rng (for rand-k,
// whose draws are part of the reproducibility contract).
//
// Agreement is to 1e-12 relative, not bitwise: the reference computes the loss with
// std::log1p(std::exp(t)) and the gradient weight as 1/(1 + e^{-t}) with its own operation
// order (e.g. it divides by m_i where the library multiplies by 1/m_i), so per-round gradients
// differ in the last bits; over 30 contractive rounds those differences stay ~1e-15.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "models/algorithms/ef21_plus.hpp"
#include "tests/models/algorithms/algorithm_test_support.hpp"

using MethodKind = std::string;
using CompressorKind = std::string;
using Vec = std::vector<double>;

namespace {

/// One worker's data as plain dense rows.
struct NaiveWorker {
  std::vector<Vec> rows;
  Vec labels;
};

/// The whole problem in naive form plus the reference's own random streams.
struct NaiveProblem {
  std::vector<NaiveWorker> workers;
  double lambda = 0.1;
  std::size_t d = 0;
};

NaiveProblem naive_problem(const ef21::test::FederatedProblem& p) {
  NaiveProblem out;
  out.lambda = p.spec.lambda;
  out.d = static_cast<std::size_t>(p.dim());
  for (const auto& [begin, end] : p.ranges) {
    NaiveWorker w;
    for (Eigen::Index j = begin; j < end; ++j) {
      Vec row(out.d);
      for (std::size_t l = 0; l < out.d; ++l) row[l] = p.a(j, static_cast<Eigen::Index>(l));
      w.rows.push_back(row);
      w.labels.push_back(p.b[j]);
    }
    out.workers.push_back(w);
  }
  return out;
}

/// f_i(x) = (1/m) sum_j log(1 + exp(-b_j a_j^T x)) + lambda sum_l x_l^2/(1 + x_l^2), and its
/// gradient (1/m) sum_j -b_j sigma(-b_j a_j^T x) a_j + 2 lambda x_l/(1 + x_l^2)^2.
double naive_value_and_gradient(const NaiveProblem& p, std::size_t i, const Vec& x, Vec& grad) {
  const NaiveWorker& w = p.workers[i];
  const double m = static_cast<double>(w.rows.size());
  grad.assign(p.d, 0.0);
  double loss = 0.0;
  for (std::size_t j = 0; j < w.rows.size(); ++j) {
    double z = 0.0;
    for (std::size_t l = 0; l < p.d; ++l) z += w.rows[j][l] * x[l];
    const double t = -w.labels[j] * z;
    loss += std::log1p(std::exp(t));  // margins here are O(10): no overflow concerns
    const double weight = -w.labels[j] / (1.0 + std::exp(-t));
    for (std::size_t l = 0; l < p.d; ++l) grad[l] += weight * w.rows[j][l] / m;
  }
  double reg = 0.0;
  for (std::size_t l = 0; l < p.d; ++l) {
    reg += x[l] * x[l] / (1.0 + x[l] * x[l]);
    grad[l] += 2.0 * p.lambda * x[l] / ((1.0 + x[l] * x[l]) * (1.0 + x[l] * x[l]));
  }
  return loss / m + p.lambda * reg;
}

/// Dense top-k: stable sort by |v| descending (ties to the lower index), keep the first k.
Vec naive_top_k(const Vec& v, std::size_t k) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return std::abs(v[a]) > std::abs(v[b]); });
  Vec out(v.size(), 0.0);
  for (std::size_t p = 0; p < k; ++p) out[order[p]] = v[order[p]];
  return out;
}

/// Dense rand-k (unscaled) with the documented draw sequence: selection sampling, coordinate
/// l kept with probability needed/remaining, decided by rng.below(remaining) < needed.
Vec naive_rand_k(const Vec& v, std::size_t k, ef21::Rng& rng) {
  Vec out(v.size(), 0.0);
  std::uint64_t needed = k;
  for (std::size_t l = 0; l < v.size() && needed > 0; ++l) {
    if (rng.below(v.size() - l) < needed) {
      out[l] = v[l];
      --needed;
    }
  }
  return out;
}

struct NaiveRecord {
  Vec x;
  double f = 0.0;
  double grad_norm_sq = 0.0;
};

/// Runs `method` for `rounds` rounds; record t holds x^t and the metrics at x^t.
std::vector<NaiveRecord> naive_run(const NaiveProblem& p, MethodKind method, CompressorKind compressor_kind,
                                   std::size_t k, double gamma, const Vec& x0, int rounds, std::uint64_t seed,
                                   std::size_t* markov_choices = nullptr) {
  const std::size_t n = p.workers.size();
  const std::size_t d = p.d;
  std::vector<ef21::Rng> rngs;
  for (std::size_t i = 0; i < n; ++i) rngs.push_back(ef21::Rng::stream(seed, "compressor", i));
  auto compress = [&](const Vec& v, std::size_t i) {
    return compressor_kind == "top-k" ? naive_top_k(v, k) : naive_rand_k(v, k, rngs[i]);
  };

  Vec x = x0;
  std::vector<Vec> grads(n);
  std::vector<double> values(n);
  auto evaluate_all = [&] {
    for (std::size_t i = 0; i < n; ++i) values[i] = naive_value_and_gradient(p, i, x, grads[i]);
  };
  auto record = [&] {
    NaiveRecord r;
    r.x = x;
    Vec mean(d, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      r.f += values[i] / static_cast<double>(n);
      for (std::size_t l = 0; l < d; ++l) mean[l] += grads[i][l] / static_cast<double>(n);
    }
    for (double v : mean) r.grad_norm_sq += v * v;
    return r;
  };

  std::vector<NaiveRecord> out;
  evaluate_all();
  // Method state (DESIGN §7).
  std::vector<Vec> e(n, Vec(d, 0.0));  // EF: e_i^0 = 0
  std::vector<Vec> g_local = grads;    // EF21(+): g_i^0 = grad f_i(x^0), exact
  Vec g(d, 0.0);                       // g^0 = (1/n) sum g_i^0
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t l = 0; l < d; ++l) g[l] += g_local[i][l] / static_cast<double>(n);

  for (int t = 0; t <= rounds; ++t) {
    out.push_back(record());
    if (t == rounds) break;
    if (method == "gd") {
      Vec mean(d, 0.0);
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t l = 0; l < d; ++l) mean[l] += grads[i][l] / static_cast<double>(n);
      for (std::size_t l = 0; l < d; ++l) x[l] -= gamma * mean[l];
      evaluate_all();
    } else if (method == "ef") {
      // v_i = C(e_i + gamma grad f_i(x^t)); x^{t+1} = x^t - (1/n) sum v_i; e_i += gamma grad - v_i.
      Vec step(d, 0.0);
      for (std::size_t i = 0; i < n; ++i) {
        Vec p_i(d);
        for (std::size_t l = 0; l < d; ++l) p_i[l] = e[i][l] + gamma * grads[i][l];
        const Vec v = compress(p_i, i);
        for (std::size_t l = 0; l < d; ++l) {
          step[l] += v[l] / static_cast<double>(n);
          e[i][l] = p_i[l] - v[l];
        }
      }
      for (std::size_t l = 0; l < d; ++l) x[l] -= step[l];
      evaluate_all();
    } else {
      // x^{t+1} = x^t - gamma g^t; then at x^{t+1}: c_i = C(grad f_i - g_i), g_i += c_i,
      // g += (1/n) sum c_i. EF21+ instead moves g_i to the closer of g_i + c_i and C(grad f_i).
      for (std::size_t l = 0; l < d; ++l) x[l] -= gamma * g[l];
      evaluate_all();
      for (std::size_t i = 0; i < n; ++i) {
        Vec diff(d);
        for (std::size_t l = 0; l < d; ++l) diff[l] = grads[i][l] - g_local[i][l];
        const Vec c = compress(diff, i);
        Vec candidate(d);
        for (std::size_t l = 0; l < d; ++l) candidate[l] = g_local[i][l] + c[l];
        Vec next = candidate;
        if (method == "ef21-plus") {
          const Vec markov = compress(grads[i], i);
          double dist_ef21 = 0.0;
          double dist_markov = 0.0;
          for (std::size_t l = 0; l < d; ++l) {
            dist_ef21 += (candidate[l] - grads[i][l]) * (candidate[l] - grads[i][l]);
            dist_markov += (markov[l] - grads[i][l]) * (markov[l] - grads[i][l]);
          }
          if (dist_markov < dist_ef21) {
            next = markov;
            if (markov_choices != nullptr) ++*markov_choices;
          }
        }
        for (std::size_t l = 0; l < d; ++l) {
          g[l] += (next[l] - g_local[i][l]) / static_cast<double>(n);
          g_local[i][l] = next[l];
        }
      }
    }
  }
  return out;
}

Vec to_vec(const Eigen::VectorXd& v) { return Vec(v.data(), v.data() + v.size()); }

double norm(const Vec& v) {
  double s = 0.0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

}  // namespace

TEST_CASE("GD, EF, EF21 and EF21+ match a naive dense re-implementation for 30 rounds", "[naive][ef21]") {
  const std::uint64_t seed = ef21::test::test_seed(601);
  CAPTURE(seed);
  const Eigen::Index d = 8;
  const std::size_t workers = 5;
  const std::int64_t k = 2;
  // 53 rows over 5 workers: 10 each, the last 13 (the remainder goes to the last worker).
  const auto problem = ef21::test::make_federated_problem(seed, 53, d, workers, 0.4);
  const NaiveProblem naive = naive_problem(problem);
  const Eigen::VectorXd x0 = ef21::test::normal_x0(seed, d, 2.0);

  struct Case {
    MethodKind method;
    CompressorKind compressor;
    double multiplier;
  };
  // Theory stepsizes times a multiplier, as the paper's experiments use (large multipliers make
  // the methods actually move in 30 rounds; all stay stable here). EF21+'s theory stepsize is
  // the smallest (theta/(2 mu) binds), and a large multiplier makes its Markov branch occur.
  for (const Case& c : {Case{"gd", "top-k", 1.0}, Case{"ef", "top-k", 4.0},
                       Case{"ef21", "top-k", 4.0}, Case{"ef21-plus", "top-k", 64.0},
                       Case{"ef", "rand-k", 2.0}, Case{"ef21", "rand-k", 2.0}}) {
    CAPTURE(c.method, c.compressor);
    ef21::test::RunConfig config;
    config.method = c.method;
    config.compressor = {c.compressor, k, {}};
    config.gamma = ef21::test::theory_gamma(problem, c.method, k, c.multiplier);
    config.seed = seed;
    config.rounds = 30;
    std::uint64_t our_markov_choices = 0;
    const auto ours = ef21::test::record_run(problem, config, x0, &our_markov_choices);
    std::size_t markov_choices = 0;
    const auto reference = naive_run(naive, c.method, c.compressor, static_cast<std::size_t>(k), config.gamma,
                                     to_vec(x0), config.rounds, seed, &markov_choices);
    REQUIRE(ours.size() == reference.size());
    for (std::size_t t = 0; t < ours.size(); ++t) {
      CAPTURE(t);
      const Vec x = to_vec(ours[t].x);
      Vec diff(x.size());
      for (std::size_t l = 0; l < x.size(); ++l) diff[l] = x[l] - reference[t].x[l];
      CAPTURE(ours[t].x.transpose());
      REQUIRE(norm(diff) <= 1e-12 * norm(reference[t].x));
      REQUIRE(std::abs(ours[t].f - reference[t].f) <= 1e-12 * std::abs(reference[t].f));
      // Compared as norms, with an absolute floor: GD can converge to a stationary point within
      // 30 rounds, where ||grad f|| is itself round-off (~1e-16 for O(1) per-row terms) and no
      // relative agreement is meaningful.
      REQUIRE(std::abs(std::sqrt(ours[t].grad_norm_sq) - std::sqrt(reference[t].grad_norm_sq)) <=
              1e-12 * std::sqrt(reference[t].grad_norm_sq) + 1e-14);
    }
    // The run must have gone somewhere, or agreement would prove little.
    CHECK(ours.back().f < ours.front().f);
    if (c.method == "ef21-plus") {
      // The library and the reference took the Markov candidate equally often. (With the
      // default seed and multiplier 64 both branches occur; whether they do depends on the
      // data, so the hand-made cases in method_state_test.cpp force each branch.)
      INFO("Markov candidate chosen " << markov_choices << " times out of " << 30 * workers);
      CHECK(our_markov_choices == markov_choices);
      if (seed == 601) CHECK(markov_choices > 0);
    }
  }
}

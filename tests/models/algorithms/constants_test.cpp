// Derived constants (DESIGN §7): contraction (theta, beta) and theory stepsizes, recomputed
// here independently from the formulas.
#include "models/algorithms/constants.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "models/support/check.hpp"

using ef21::algorithms::AlgorithmSpec;
using ef21::algorithms::contraction_constants;
using MethodKind = std::string;

namespace {

/// The registered rule of `method` for L, L~ (every L_i equal to L~ here: L_AM = L~), a
/// contraction alpha and mu.
double theory_stepsize(const std::string& method, double L, double L_tilde,
                       const ef21::algorithms::ContractionConstants& c, double mu) {
  const auto inputs = ef21::algorithms::theory_inputs(L, {L_tilde, L_tilde}, mu, 2, c.alpha, std::nullopt);
  return ef21::algorithms::find_method(method)->theory_stepsize(inputs);
}

ef21::algorithms::DerivedConstants derive_constants(const AlgorithmSpec& spec, double L,
                                                    const std::vector<double>& L_i, double alpha, double mu) {
  const auto inputs = ef21::algorithms::theory_inputs(L, L_i, mu, L_i.size(), alpha, std::nullopt);
  return ef21::algorithms::derive_constants(spec, *ef21::algorithms::find_method(spec.kind), inputs);
}

}  // namespace

TEST_CASE("Contraction constants for alpha = 1/112 (top-1 of 112 features)", "[constants]") {
  // theta = 1 - sqrt(1 - alpha) computed without cancellation as alpha / (1 + sqrt(1 - alpha)),
  // beta = (1 - alpha) / theta. alpha = 1/112 is top-1 on mushrooms (d = 112), one of the
  // paper's datasets; the cancellation-free form is what makes the check independent.
  const double alpha = 1.0 / 112.0;
  const double root = std::sqrt(111.0 / 112.0);
  const double theta = alpha / (1.0 + root);
  const double beta = (111.0 / 112.0) / theta;
  const auto c = contraction_constants(alpha);
  CHECK(c.alpha == alpha);
  CHECK(c.theta == Approx(theta).epsilon(1e-12));
  CHECK(c.beta == Approx(beta).epsilon(1e-12));
  // Numbers for the record: theta ~ 0.0044742, beta ~ 221.5 (~ 2/alpha for small alpha).
  CHECK(c.theta == Approx(0.00447427).epsilon(1e-5));
  CHECK(c.beta == Approx(221.49).epsilon(1e-4));
  // The EF21 stepsize factor sqrt(beta/theta) ~ 2/alpha - 1.5 for small alpha (~222.5).
  CHECK(std::sqrt(c.beta / c.theta) == Approx(222.5).epsilon(1e-3));
}

TEST_CASE("Contraction constants at alpha = 1 and outside 0 < alpha <= 1", "[constants]") {
  const auto c = contraction_constants(1.0);
  CHECK(c.theta == 1.0);
  CHECK(c.beta == 0.0);
  CHECK_THROWS_AS(contraction_constants(0.0), ef21::InternalError);
  CHECK_THROWS_AS(contraction_constants(1.5), ef21::InternalError);
  CHECK_THROWS_AS(contraction_constants(-0.1), ef21::InternalError);
}

TEST_CASE("Theory stepsizes follow DESIGN §7", "[constants]") {
  const double L = 2.5;
  const double L_tilde = 3.0;
  for (double alpha : {1.0 / 112.0, 0.25, 0.5, 0.9}) {
    CAPTURE(alpha);
    const auto c = contraction_constants(alpha);
    const double theta = alpha / (1.0 + std::sqrt(1.0 - alpha));
    const double beta = (1.0 - alpha) / theta;
    // GD: 1/L, whatever the compressor.
    CHECK(theory_stepsize("gd", L, L_tilde, c, 0.1) == 1.0 / L);
    // EF21 and EF: 1 / (L + L~ sqrt(beta/theta)).
    const double ef21 = 1.0 / (L + L_tilde * std::sqrt(beta / theta));
    CHECK(theory_stepsize("ef21", L, L_tilde, c, 0.1) == Approx(ef21).epsilon(1e-12));
    CHECK(theory_stepsize("ef", L, L_tilde, c, 0.1) == Approx(ef21).epsilon(1e-12));
    // EF21+: min(1 / (L + L~ sqrt(2 beta/theta)), theta/(2 mu)); mu chosen so each side binds.
    const double smooth = 1.0 / (L + L_tilde * std::sqrt(2.0 * beta / theta));
    const double mu_small = 1e-6;                           // theta/(2 mu) huge: the smooth part binds
    const double mu_large = theta / (2.0 * smooth) * 10.0;  // theta/(2 mu) = smooth/10 binds
    CHECK(theory_stepsize("ef21-plus", L, L_tilde, c, mu_small) == Approx(smooth).epsilon(1e-12));
    CHECK(theory_stepsize("ef21-plus", L, L_tilde, c, mu_large) == Approx(smooth / 10.0).epsilon(1e-12));
    // mu = 0 (no strong-convexity-like term): only the smooth part.
    CHECK(theory_stepsize("ef21-plus", L, L_tilde, c, 0.0) == Approx(smooth).epsilon(1e-12));
  }
}

TEST_CASE("Theory stepsizes at alpha = 1 are 1/L (EF21+: capped by 1/(2 mu))", "[constants]") {
  const auto c = contraction_constants(1.0);
  CHECK(theory_stepsize("ef21", 4.0, 7.0, c, 0.1) == 0.25);
  CHECK(theory_stepsize("ef", 4.0, 7.0, c, 0.1) == 0.25);
  CHECK(theory_stepsize("ef21-plus", 4.0, 7.0, c, 0.1) == 0.25);   // min(1/4, 1/0.2)
  CHECK(theory_stepsize("ef21-plus", 4.0, 7.0, c, 4.0) == 0.125);  // min(1/4, 1/8)
}

TEST_CASE("derive_constants: L~, L_max, and the multiplier on theory or absolute stepsizes", "[constants]") {
  const std::vector<double> L_i{1.0, 2.0, 4.0};
  const double L = 2.0;
  const double L_tilde = std::sqrt((1.0 + 4.0 + 16.0) / 3.0);  // sqrt(mean L_i^2) = sqrt(7)

  AlgorithmSpec theory;
  theory.kind = "ef21";
  theory.multiplier = 8.0;
  const auto d = derive_constants(theory, L, L_i, 0.25, 0.1);
  CHECK(d.L == L);
  CHECK(d.L_max == 4.0);
  CHECK(d.L_tilde == Approx(L_tilde).epsilon(1e-15));
  const double theta = 0.25 / (1.0 + std::sqrt(0.75));
  const double beta = 0.75 / theta;
  CHECK(d.gamma_theory == Approx(1.0 / (L + L_tilde * std::sqrt(beta / theta))).epsilon(1e-12));
  CHECK(d.gamma == 8.0 * *d.gamma_theory);

  AlgorithmSpec absolute;
  absolute.kind = "ef21";
  absolute.stepsize = 0.3;
  absolute.multiplier = 2.0;
  const auto e = derive_constants(absolute, L, L_i, 0.25, 0.1);
  CHECK(e.gamma == 0.6);
  CHECK(e.gamma_theory == d.gamma_theory);  // still reported, for the summary

  CHECK_THROWS_AS(derive_constants(theory, L, {}, 0.25, 0.1), ef21::InternalError);
}

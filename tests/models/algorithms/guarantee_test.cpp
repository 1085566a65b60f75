// The convergence guarantees declared in the method registry (models/algorithms/guarantee.hpp):
// which methods have one, when it applies, and its bound.
#include "models/algorithms/guarantee.hpp"

#include <catch2/catch.hpp>

#include "models/algorithms/method_registry.hpp"
#include "models/problems/problem_spec.hpp"

namespace {

using ef21::algorithms::find_method;
using ef21::algorithms::GuaranteeConditions;

GuaranteeConditions within_range() {
  GuaranteeConditions c;
  c.gamma = 0.25;
  c.gamma_theory = 0.25;  // multiplier 1
  c.f_low = 0.0;
  return c;
}

}  // namespace

TEST_CASE("EF21 and GD declare their guarantees, the other methods declare none", "[guarantee][registry]") {
  REQUIRE(find_method("ef21")->guarantee);
  CHECK(find_method("ef21")->guarantee->name == "ef21-theorem-1");
  REQUIRE(find_method("gd")->guarantee);
  CHECK(find_method("gd")->guarantee->name == "gd-descent-lemma");
  for (const auto* m : ef21::algorithms::method_registry()) {
    CAPTURE(m->name);
    if (m->name != "ef21" && m->name != "gd") CHECK_FALSE(m->guarantee);
  }
}

TEST_CASE("The running-mean guarantee applies up to the theory stepsize, and says why not beyond",
          "[guarantee]") {
  const auto& g = *find_method("ef21")->guarantee;
  GuaranteeConditions c = within_range();
  CHECK(g.inapplicable(c).empty());
  c.gamma = 0.125;  // multiplier 1/2
  CHECK(g.inapplicable(c).empty());
  c.gamma = 0.25 * 2;  // multiplier 2
  CHECK_THAT(g.inapplicable(c), Catch::Matchers::Contains("by a factor 2"));
  c.gamma = std::nextafter(0.25, 1.0);  // just above: outside the theorem's range
  CHECK_FALSE(g.inapplicable(c).empty());

  c = within_range();
  c.full_participation = false;
  CHECK_THAT(g.inapplicable(c), Catch::Matchers::Contains("partial participation"));
  c = within_range();
  c.exact_gradients = false;
  CHECK_THAT(g.inapplicable(c), Catch::Matchers::Contains("stochastic"));
  c = within_range();
  c.every_message_applied = false;
  CHECK_THAT(g.inapplicable(c), Catch::Matchers::Contains("failures"));
  c = within_range();
  c.gamma_theory.reset();
  CHECK_THAT(g.inapplicable(c), Catch::Matchers::Contains("no theory stepsize"));
  c = within_range();
  c.f_low.reset();
  CHECK_THAT(g.inapplicable(c), Catch::Matchers::Contains("lower bound"));
}

TEST_CASE("The bound is 2 (f(x^0) - f_low) / (gamma T)", "[guarantee]") {
  const auto& g = *find_method("gd")->guarantee;
  GuaranteeConditions c = within_range();
  c.f_low = 0.5;
  CHECK(g.bound_times_T(c, 2.5) == 2.0 * (2.5 - 0.5) / 0.25);
}

TEST_CASE("Every problem kind is nonnegative for lambda >= 0: f_low = 0", "[guarantee][problems]") {
  using ef21::problems::ProblemKind;
  for (const ProblemKind kind :
       {ProblemKind::logreg_nonconvex, ProblemKind::logreg, ProblemKind::least_squares}) {
    CAPTURE(ef21::problems::to_string(kind));
    CHECK(ef21::problems::loss_lower_bound({kind, 0.1}) == 0.0);
    CHECK(ef21::problems::loss_lower_bound({kind, 0.0}) == 0.0);
    CHECK_FALSE(ef21::problems::loss_lower_bound({kind, -1.0}));  // a negative "regulariser": unknown
  }
}

#pragma once
// Where `ef21sim tune` starts its x2 ladder on the multiplier when no --start is given.
//
// The multiplier scales the method's theory stepsize gamma_T (multiplier 1). Theory stepsizes
// of compressed methods are conservative by the compressor's factor: EF21 with Top-1 on d
// features has gamma_T = 1 / (L + L~ sqrt(beta/theta)), about 1 / (2 d L~), while gradient
// descent on f itself is stable up to 2 / L. The multiplier at which the stepsize is GD's own
// 1 / L is m_GD = 1 / (L gamma_T) (1 for GD, about 280 for EF21 with Top-1 on mushrooms). The
// best multiplier usually lies between the two (on the paper's three data sets and EF / EF21
// with Top-1 it is 2^3 .. 2^8 while m_GD is 2^8 .. 2^9.5), so the ladder starts in the middle,
// in log scale: at 2^s with s = round(log2(m_GD) / 2), a whole power of two like the paper's
// grid. Where gamma_T = 1/L (GD, or no compression) this is the multiplier 1.
#include <optional>

#include "sim/scenario/scenario.hpp"

namespace ef21::cli {

/// s = round(log2(1 / (L gamma_T)) / 2) for the scenario's run (its data, method and
/// compressor), clamped to [-limit, limit]; nullopt when the scenario's stepsize is absolute or
/// the method has no theory stepsize for it. Loads the data (the run's setup, no rounds).
std::optional<int> automatic_start_exponent(const sim::Scenario& scenario, int limit);

/// The same from the constants alone: L > 0 and gamma_T > 0.
int start_exponent_from(double L, double gamma_theory, int limit);

}  // namespace ef21::cli

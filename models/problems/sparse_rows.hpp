#pragma once
// Row kernels over CSR storage for the fused loss-and-gradient pass (objective.cpp).
//
// Order: a margin is summed in storage order, z = ((0 + v_0 x_0) + v_1 x_1) + ..., and a row's
// scaled copy is added to the gradient coordinate by coordinate. Every output of ef21sim was
// defined with this order (the golden outputs hold it), so the kernels are unrolled only in
// ways that keep it: four terms per iteration, each still added to the running sum in turn.
//
// UnitValues: every stored value is exactly 1.0, as in the paper's binary LIBSVM sets (a9a,
// w8a, mushrooms). Then v * x == x and s * v == s in IEEE arithmetic for every x and s
// (NaN, infinities and signed zeros included), so the kernels skip the value array and the
// multiplication without changing a bit: one load and one multiply fewer per stored value,
// and 8 of the 12 bytes per stored value not read (SuiteSparse:GraphBLAS calls such
// matrices "iso-valued").
#include <cstdint>

namespace ef21::problems {

template <bool UnitValues>
inline double sparse_row_term(const std::int32_t* inner, const double* values, std::ptrdiff_t p,
                              const double* x) {
  if constexpr (UnitValues) return x[inner[p]];
  return values[p] * x[inner[p]];
}

/// sum_{p in [begin, end)} values[p] * x[inner[p]], added in storage order from 0.0.
template <bool UnitValues>
inline double sparse_row_dot(const std::int32_t* inner, const double* values, std::ptrdiff_t begin,
                             std::ptrdiff_t end, const double* x) {
  double z = 0.0;
  std::ptrdiff_t p = begin;
  for (; p + 4 <= end; p += 4) {
    z += sparse_row_term<UnitValues>(inner, values, p, x);
    z += sparse_row_term<UnitValues>(inner, values, p + 1, x);
    z += sparse_row_term<UnitValues>(inner, values, p + 2, x);
    z += sparse_row_term<UnitValues>(inner, values, p + 3, x);
  }
  for (; p < end; ++p) z += sparse_row_term<UnitValues>(inner, values, p, x);
  return z;
}

/// gradient[inner[p]] += slope * values[p] for p in [begin, end). A row's column indices are
/// distinct, so its updates are independent of each other.
template <bool UnitValues>
inline void sparse_row_add_scaled(const std::int32_t* inner, const double* values, std::ptrdiff_t begin,
                                  std::ptrdiff_t end, double slope, double* gradient) {
  const auto scaled = [&](std::ptrdiff_t p) {
    if constexpr (UnitValues) return slope;
    return slope * values[p];
  };
  std::ptrdiff_t p = begin;
  for (; p + 4 <= end; p += 4) {
    gradient[inner[p]] += scaled(p);
    gradient[inner[p + 1]] += scaled(p + 1);
    gradient[inner[p + 2]] += scaled(p + 2);
    gradient[inner[p + 3]] += scaled(p + 3);
  }
  for (; p < end; ++p) gradient[inner[p]] += scaled(p);
}

}  // namespace ef21::problems

#pragma once
// The two halves of a dense data pass over a block of consecutive rows of a row-major
// matrix (row r of the block at rows + r * cols): the margins z_r = a_r^T x, and the
// gradient update g += s_r a_r. Bit for bit what Eigen computes row by row
// (`row.dot(x)` and `gradient += s * row.transpose()` in this build: SSE2, 2-lane packets,
// no FMA), so the golden outputs recorded with the per-row Eigen loop do not move, but
// several rows are in flight at once: a single row's dot product is one chain of dependent
// additions, and the per-row update loads and stores the whole gradient once per row.
//
// Runtime dispatch between a baseline kernel (SSE2, every x86-64) and an AVX2 kernel, chosen
// once from the CPU. Both give the same bits; the choice only changes the speed.
#include <Eigen/Core>

namespace ef21::problems {

/// Rows per block that callers should hand over at once: the kernels keep this many rows'
/// add chains in flight (8 independent 4-lane chains with AVX2, two groups of 4 rows x two
/// 2-lane chains with SSE2). Measured: 8 beats 4 on the dense benchmarks.
inline constexpr Eigen::Index kDenseBlockRows = 8;

/// z[r] = a_r^T x for r < count, each bit for bit equal to Eigen's `a_r.dot(x)` for a row of
/// a row-major Eigen matrix and a contiguous x (Eigen's reduction order, see dense_rows.cpp).
/// `cols` >= 0 doubles per row, which is also the distance between rows; x holds cols
/// doubles, z holds count. No alignment needed. Any count >= 0 (taken kDenseBlockRows at a
/// time).
void dot_rows(const double* rows, Eigen::Index count, Eigen::Index cols, const double* x, double* z);

/// gradient[l] = (((gradient[l] + slopes[0] a_0[l]) + slopes[1] a_1[l]) + ...) for l < cols:
/// rows added in row order, each product rounded and then added, exactly the roundings of
/// `gradient += slopes[r] * a_r.transpose()` for r = 0, 1, ..., count - 1, but with one load
/// and store of `gradient` per kDenseBlockRows rows instead of one per row. gradient must not
/// overlap the rows.
void add_scaled_rows(const double* rows, Eigen::Index count, Eigen::Index cols, const double* slopes,
                     double* gradient);

/// The implementations of the two functions above. Every kernel gives the same bits; which
/// one runs only changes the speed, so the process-wide choice below is not state that two
/// simulations could observe (DESIGN §1). For tests and benchmarks, not a scenario option.
enum class DenseKernel {
  automatic,  ///< the fastest available one (AVX2 when the CPU has it, else baseline)
  baseline,   ///< SSE2 (x86-64 baseline); on other targets, Eigen's own expression
  avx2,       ///< 256-bit AVX2 without FMA
};

/// Whether this build and CPU can run `kernel` (automatic and baseline always can).
bool dense_kernel_available(DenseKernel kernel);

/// Makes dot_rows and add_scaled_rows use `kernel` from now on, in every thread; throws
/// InternalError if it is not available. Initially automatic.
void set_dense_kernel(DenseKernel kernel);

/// The kernel dot_rows and add_scaled_rows currently run (never automatic).
DenseKernel active_dense_kernel();

}  // namespace ef21::problems

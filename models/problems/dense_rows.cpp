#include "models/problems/dense_rows.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <utility>

#include "models/support/check.hpp"

// Which order the kernels must reproduce. Eigen 3.4 computes row.dot(x) as
// row.cwiseProduct(x).sum(), a redux_impl<sum, ..., LinearVectorizedTraversal, NoUnrolling>
// (Eigen/src/Core/Redux.h). Its expression (a CwiseBinaryOp) has no DirectAccessBit, so
// first_default_aligned() returns 0: the traversal starts at element 0 whatever the pointers'
// alignment. With packets of 2 doubles (SSE2) and p_i = a_i * x_i (one rounded multiply), for
// n = cols:
//
//   n >= 4:  r0 = (p0, p1), r1 = (p2, p3)
//            for i = 4, 8, ..., while i + 4 <= n:  r0 += (p_i, p_i+1); r1 += (p_i+2, p_i+3)
//            r0 += r1
//            if n % 4 >= 2:                          r0 += (p_n4, p_n4+1),  n4 = n - n % 4
//   n = 2,3: r0 = (p0, p1)
//   then     res = r0[0] + r0[1]                     (predux: _mm_add_sd(r0, unpackhi(r0, r0)))
//            if n is odd:                             res += p_(n-1)
//   n = 1:   res = p0;   n = 0: res = +0 (DenseBase::sum of an empty expression).
//
// The kernels start every accumulator at -0.0, the exact identity of IEEE addition in
// round-to-nearest (-0 + p == p bit for bit, including p = +0 and p = -0), so the n >= 4,
// n = 2, 3 and n = 1 cases are all the one loop "r0 = r1 = -0; add packets; r0 += r1; extra
// packet; fold; odd tail" (n = 0 is special-cased: it would give -0). A 256-bit AVX register
// holds exactly Eigen's pair [r0 | r1], so `R += A * X` over 4 doubles is both 2-lane chains at
// once, and low128 + high128 at the end is `r0 += r1`.
//
// g += s * a is elementwise (g_l + (s * a_l), one rounding each), so any vector width and any
// number of rows per load/store of g give the same bits as long as each g_l gets its rows'
// products added in row order.
//
// No FMA: a fused multiply-add rounds once where Eigen rounds twice. The kernels use separate
// multiply and add intrinsics; the project compiles in ISO C++ mode (CMAKE_CXX_EXTENSIONS OFF,
// so GCC defaults to -ffp-contract=off) without -march (DESIGN §8), and the AVX2 target below
// does not enable FMA, so the compiler can neither contract the scalar tails nor the vector
// code. models/CMakeLists.txt also passes -ffp-contract=off to this file explicitly.
//
// The kernels only reproduce Eigen when Eigen itself uses 2-lane SSE2 packets; in any other
// build (no SSE2, or -mavx making Eigen's packets 4 lanes) the baseline is Eigen's own
// expression, so the results still match Eigen by construction.
#if defined(EIGEN_VECTORIZE_SSE2) && !defined(EIGEN_VECTORIZE_AVX) && \
    (defined(__x86_64__) || defined(__i386__))
#define EF21_DENSE_ROWS_SSE2 1
#include <immintrin.h>
#else
#define EF21_DENSE_ROWS_SSE2 0
#endif

namespace ef21::problems {
namespace {

using Eigen::Index;

using DotFn = void (*)(const double* rows, Index cols, const double* x, double* z);
using AddFn = void (*)(const double* rows, Index cols, const double* slopes, double* gradient);

/// One kernel: entry k handles k + 1 rows (its rows interleaved in one pass).
template <std::size_t MaxRows>
struct Kernel {
  std::array<DotFn, MaxRows> dot;
  std::array<AddFn, MaxRows> add;
};

template <template <int> class Impl, std::size_t... K>
constexpr Kernel<sizeof...(K)> make_kernel(std::index_sequence<K...>) {
  return {{&Impl<static_cast<int>(K) + 1>::dot...}, {&Impl<static_cast<int>(K) + 1>::add...}};
}

/// Runs a kernel over `count` rows, as many at a time as it interleaves.
template <std::size_t MaxRows>
void dot_in_groups(const Kernel<MaxRows>& kernel, const double* rows, Index count, Index cols,
                   const double* x, double* z) {
  constexpr Index max_rows = static_cast<Index>(MaxRows);
  for (Index done = 0; done < count; done += max_rows)
    kernel.dot[std::min(max_rows, count - done) - 1](rows + done * cols, cols, x, z + done);
}

template <std::size_t MaxRows>
void add_in_groups(const Kernel<MaxRows>& kernel, const double* rows, Index count, Index cols,
                   const double* slopes, double* gradient) {
  constexpr Index max_rows = static_cast<Index>(MaxRows);
  for (Index done = 0; done < count; done += max_rows)
    kernel.add[std::min(max_rows, count - done) - 1](rows + done * cols, cols, slopes + done, gradient);
}

#if EF21_DENSE_ROWS_SSE2

/// Baseline (SSE2): per row Eigen's two 2-lane accumulators r0, r1; Rows rows side by side so
/// 2 * Rows add chains run in parallel (16 xmm registers: 2 * Rows accumulators + x).
/// The scalar columns [from, cols) of add_scaled_rows, for the vector kernels' remainders:
/// g[l] + s_0 a_0[l] + s_1 a_1[l] + ..., in row order.
template <int Rows>
void add_scaled_tail(const double* rows, Index cols, const double* slopes, double* g, Index from) {
  for (Index l = from; l < cols; ++l) {
    double acc = g[l];
    for (int k = 0; k < Rows; ++k) acc = acc + slopes[k] * rows[k * cols + l];
    g[l] = acc;
  }
}

template <int Rows>
struct Sse2 {
  static void dot(const double* rows, Index cols, const double* x, double* z) {
    __m128d r0[Rows];
    __m128d r1[Rows];
    for (int k = 0; k < Rows; ++k) r0[k] = r1[k] = _mm_set1_pd(-0.0);
    const Index end4 = cols - cols % 4;
    // The rows after this group (the next group, or the caller's next block): one prefetch
    // per 64-byte line, spread over the loop. Streaming a matrix beyond the caches, this
    // kernel is ~20% slower without it (measured 0.56 against 0.46 ns per value at 20000 x
    // 300, at times slower than the per-row Eigen loop); in cache it costs nothing
    // measurable. The AVX2 kernel does without: there it measured no faster out of cache and
    // ~10% slower in cache. The address is formed as an integer: it may lie past the matrix,
    // which a prefetch (never faulting) may read but pointer arithmetic may not point to.
    const auto base = reinterpret_cast<std::uintptr_t>(rows);
    for (Index i = 0; i < end4; i += 4) {
      if (i % 8 == 0)
        for (int k = 0; k < Rows; ++k) {
          const auto offset = static_cast<std::uintptr_t>(((Rows + k) * cols + i) * Index{sizeof(double)});
          __builtin_prefetch(reinterpret_cast<const char*>(base + offset));
        }
      const __m128d x0 = _mm_loadu_pd(x + i);
      const __m128d x1 = _mm_loadu_pd(x + i + 2);
      for (int k = 0; k < Rows; ++k) {
        const double* a = rows + k * cols + i;
        r0[k] = _mm_add_pd(r0[k], _mm_mul_pd(_mm_loadu_pd(a), x0));
        r1[k] = _mm_add_pd(r1[k], _mm_mul_pd(_mm_loadu_pd(a + 2), x1));
      }
    }
    for (int k = 0; k < Rows; ++k) z[k] = finish(_mm_add_pd(r0[k], r1[k]), rows + k * cols, cols, x);
  }

  /// Eigen's end of the reduction from r0 (after r0 += r1): the extra packet, the fold of the
  /// two lanes, the odd element.
  static double finish(__m128d r, const double* a, Index cols, const double* x) {
    const Index end4 = cols - cols % 4;
    if (cols % 4 >= 2) r = _mm_add_pd(r, _mm_mul_pd(_mm_loadu_pd(a + end4), _mm_loadu_pd(x + end4)));
    double res = _mm_cvtsd_f64(_mm_add_sd(r, _mm_unpackhi_pd(r, r)));
    if (cols % 2 == 1) res = res + a[cols - 1] * x[cols - 1];
    return res;
  }

  static void add(const double* rows, Index cols, const double* slopes, double* g) {
    __m128d s[Rows];
    for (int k = 0; k < Rows; ++k) s[k] = _mm_set1_pd(slopes[k]);
    Index l = 0;
    for (; l + 2 <= cols; l += 2) {
      __m128d acc = _mm_loadu_pd(g + l);
      for (int k = 0; k < Rows; ++k)
        acc = _mm_add_pd(acc, _mm_mul_pd(s[k], _mm_loadu_pd(rows + k * cols + l)));
      _mm_storeu_pd(g + l, acc);
    }
    add_scaled_tail<Rows>(rows, cols, slopes, g, l);
  }
};

/// AVX2 (no FMA): one 256-bit accumulator per row = Eigen's [r0 | r1]; Rows rows side by
/// side (8 chains, with x and a temporary: 10 of the 16 ymm registers). Needs only AVX
/// instructions but is enabled on AVX2 CPUs; older AVX-only ones take the baseline.
template <int Rows>
struct Avx2 {
  __attribute__((target("avx2"))) static void dot(const double* rows, Index cols, const double* x,
                                                  double* z) {
    __m256d r[Rows];
    for (int k = 0; k < Rows; ++k) r[k] = _mm256_set1_pd(-0.0);
    const Index end4 = cols - cols % 4;
    for (Index i = 0; i < end4; i += 4) {
      const __m256d xv = _mm256_loadu_pd(x + i);
      for (int k = 0; k < Rows; ++k)
        r[k] = _mm256_add_pd(r[k], _mm256_mul_pd(_mm256_loadu_pd(rows + k * cols + i), xv));
    }
    for (int k = 0; k < Rows; ++k) {
      // r0 += r1: the low and high halves are Eigen's two accumulators.
      const __m128d r01 = _mm_add_pd(_mm256_castpd256_pd128(r[k]), _mm256_extractf128_pd(r[k], 1));
      z[k] = Sse2<1>::finish(r01, rows + k * cols, cols, x);
    }
  }

  __attribute__((target("avx2"))) static void add(const double* rows, Index cols, const double* slopes,
                                                  double* g) {
    __m256d s[Rows];
    for (int k = 0; k < Rows; ++k) s[k] = _mm256_set1_pd(slopes[k]);
    Index l = 0;
    for (; l + 4 <= cols; l += 4) {
      __m256d acc = _mm256_loadu_pd(g + l);
      for (int k = 0; k < Rows; ++k)
        acc = _mm256_add_pd(acc, _mm256_mul_pd(s[k], _mm256_loadu_pd(rows + k * cols + l)));
      _mm256_storeu_pd(g + l, acc);
    }
    add_scaled_tail<Rows>(rows, cols, slopes, g, l);
  }
};

constexpr std::size_t kSse2Rows = 4;
constexpr std::size_t kAvx2Rows = 8;
constexpr auto kBaseline = make_kernel<Sse2>(std::make_index_sequence<kSse2Rows>());
constexpr auto kAvx2 = make_kernel<Avx2>(std::make_index_sequence<kAvx2Rows>());

bool cpu_has_avx2() {
  __builtin_cpu_init();  // may run before constructors: it initialises `active` below
  return __builtin_cpu_supports("avx2");
}

#else  // Not SSE2 with 2-lane packets: Eigen's own expression is the baseline.

template <int Rows>
struct EigenRows {
  static void dot(const double* rows, Index cols, const double* x, double* z) {
    const Eigen::Map<const Eigen::RowVectorXd> xv(x, cols);
    for (int k = 0; k < Rows; ++k) z[k] = Eigen::Map<const Eigen::RowVectorXd>(rows + k * cols, cols).dot(xv);
  }
  static void add(const double* rows, Index cols, const double* slopes, double* g) {
    Eigen::Map<Eigen::RowVectorXd> gv(g, cols);
    for (int k = 0; k < Rows; ++k)
      gv += slopes[k] * Eigen::Map<const Eigen::RowVectorXd>(rows + k * cols, cols);
  }
};

constexpr auto kBaseline = make_kernel<EigenRows>(std::make_index_sequence<1>());

bool cpu_has_avx2() { return false; }

#endif

DenseKernel resolve(DenseKernel kernel) {
  if (kernel != DenseKernel::automatic) return kernel;
  return cpu_has_avx2() ? DenseKernel::avx2 : DenseKernel::baseline;
}

/// The kernel in use. Process-wide, but every kernel writes the same bits (see DenseKernel).
std::atomic<DenseKernel> active{resolve(DenseKernel::automatic)};

}  // namespace

bool dense_kernel_available(DenseKernel kernel) {
  if (kernel == DenseKernel::avx2) return EF21_DENSE_ROWS_SSE2 && cpu_has_avx2();
  return true;
}

void set_dense_kernel(DenseKernel kernel) {
  EF21_CHECK(dense_kernel_available(kernel),
             "the requested dense kernel is not available on this CPU or build");
  active.store(resolve(kernel), std::memory_order_relaxed);
}

DenseKernel active_dense_kernel() { return active.load(std::memory_order_relaxed); }

void dot_rows(const double* rows, Index count, Index cols, const double* x, double* z) {
  if (cols == 0) {  // Eigen's sum of an empty expression: +0 (the kernels would give -0).
    std::fill(z, z + count, 0.0);
    return;
  }
#if EF21_DENSE_ROWS_SSE2
  if (active.load(std::memory_order_relaxed) == DenseKernel::avx2) {
    dot_in_groups(kAvx2, rows, count, cols, x, z);
    return;
  }
#endif
  dot_in_groups(kBaseline, rows, count, cols, x, z);
}

void add_scaled_rows(const double* rows, Index count, Index cols, const double* slopes, double* gradient) {
#if EF21_DENSE_ROWS_SSE2
  if (active.load(std::memory_order_relaxed) == DenseKernel::avx2) {
    add_in_groups(kAvx2, rows, count, cols, slopes, gradient);
    return;
  }
#endif
  add_in_groups(kBaseline, rows, count, cols, slopes, gradient);
}

}  // namespace ef21::problems

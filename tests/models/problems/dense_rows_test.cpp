// The dense row kernels (dot_rows, add_scaled_rows) against Eigen's per-row expressions that
// Objective used before them, bit for bit, for every kernel this machine can run; and a whole
// Objective on a dense shard with the baseline kernel forced against the automatic choice.
#include "models/problems/dense_rows.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "models/problems/objective.hpp"
#include "tests/models/support/models_test_support.hpp"

using ef21::data::DenseRowMatrix;
using ef21::problems::add_scaled_rows;
using ef21::problems::DenseKernel;
using ef21::problems::dot_rows;
using ef21::problems::kDenseBlockRows;
using ef21::problems::Objective;
using ef21::problems::ProblemKind;
using ef21::test::same_bits;

namespace {

/// Sets a kernel for one test and restores the automatic choice afterwards, also on failure.
class KernelScope {
 public:
  explicit KernelScope(DenseKernel kernel) { ef21::problems::set_dense_kernel(kernel); }
  ~KernelScope() { ef21::problems::set_dense_kernel(DenseKernel::automatic); }
  KernelScope(const KernelScope&) = delete;
  KernelScope& operator=(const KernelScope&) = delete;
};

std::vector<DenseKernel> available_kernels() {
  std::vector<DenseKernel> kernels{DenseKernel::baseline};
  if (ef21::problems::dense_kernel_available(DenseKernel::avx2))
    kernels.push_back(DenseKernel::avx2);
  else
    WARN("this CPU has no AVX2: only the baseline dense kernel is tested");
  return kernels;
}

std::string name_of(DenseKernel kernel) {
  switch (kernel) {
    case DenseKernel::automatic:
      return "automatic";
    case DenseKernel::baseline:
      return "baseline";
    case DenseKernel::avx2:
      return "avx2";
  }
  return "?";
}

/// 16-byte aligned storage (Eigen's allocator), so `offset` 0 is aligned and 1 is not.
using AlignedBuffer = std::vector<double, Eigen::aligned_allocator<double>>;

/// A value of one of three kinds: N(0, 1) (every low bit depends on the summation order);
/// wide magnitudes 2^-520..2^480 (subnormal and huge products, no overflow in a 301-term sum);
/// or N(0, 1) with a tenth each of wide values and signed zeros.
double draw(ef21::Rng& rng, int mode) {
  const double normal = rng.normal();
  const double wide = std::ldexp(normal, static_cast<int>(rng.below(1001)) - 520);
  if (mode == 0) return normal;
  if (mode == 1) return wide;
  const double u = rng.uniform();
  if (u < 0.1) return wide;
  if (u < 0.15) return 0.0;
  if (u < 0.2) return -0.0;
  return normal;
}

/// Eigen's per-row results, computed with the very expressions Objective used per row
/// (a row of a row-major matrix, x behind an Eigen::Ref): the margins and the gradient after
/// `gradient += slope * row.transpose()` row after row.
void eigen_reference(const double* rows, Eigen::Index count, Eigen::Index cols, const double* x,
                     const double* slopes, std::vector<double>& z, double* gradient) {
  const Eigen::Map<const DenseRowMatrix> a(rows, count, cols);
  const Eigen::Ref<const Eigen::VectorXd> xr = Eigen::Map<const Eigen::VectorXd>(x, cols);
  Eigen::Ref<Eigen::VectorXd> g = Eigen::Map<Eigen::VectorXd>(gradient, cols);
  z.assign(static_cast<std::size_t>(count), 0.0);
  for (Eigen::Index j = 0; j < count; ++j) {
    const auto row = a.row(j);
    z[static_cast<std::size_t>(j)] = row.dot(xr.transpose());
    g += slopes[j] * row.transpose();
  }
}

bool same_bits(const double* a, const double* b, Eigen::Index n) {
  return std::memcmp(a, b, static_cast<std::size_t>(n) * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("dot_rows and add_scaled_rows equal Eigen's per-row dot and update bit for bit", "[dense_rows]") {
  const std::uint64_t seed = ef21::test::test_seed(151);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  // Evidence that the comparison can fail: a plain left-to-right sum differs from Eigen's
  // order in some of these margins, so a kernel summing in another order would be caught.
  int plain_sum_differs = 0;
  for (const DenseKernel kernel : available_kernels()) {
    const KernelScope scope(kernel);
    REQUIRE(ef21::problems::active_dense_kernel() == kernel);
    for (const Eigen::Index cols : {1, 2, 3, 4, 5, 7, 8, 63, 64, 123, 300, 301}) {
      // Every block size the kernels interleave, plus counts that span several groups.
      for (Eigen::Index count = 1; count <= 2 * kDenseBlockRows + 1; ++count) {
        for (const int offset : {0, 1}) {
          for (int mode = 0; mode < 3; ++mode) {
            INFO("kernel " << name_of(kernel) << ", cols " << cols << ", count " << count << ", offset "
                           << offset << ", mode " << mode);
            const std::size_t values = static_cast<std::size_t>(count * cols);
            const std::size_t n = static_cast<std::size_t>(cols);
            AlignedBuffer rows(values + 1), x(n + 1), gradient(n + 1),
                slopes(static_cast<std::size_t>(count));
            for (std::size_t i = 0; i < values; ++i) rows[i + offset] = draw(rng, mode);
            for (std::size_t l = 0; l < n; ++l) x[l + offset] = draw(rng, mode);
            for (std::size_t l = 0; l < n; ++l) gradient[l + offset] = draw(rng, mode);
            for (double& s : slopes) s = draw(rng, mode == 1 ? 0 : mode);
            AlignedBuffer expected_gradient = gradient;

            std::vector<double> expected_z;
            eigen_reference(rows.data() + offset, count, cols, x.data() + offset, slopes.data(), expected_z,
                            expected_gradient.data() + offset);
            std::vector<double> z(static_cast<std::size_t>(count), 1.0);
            dot_rows(rows.data() + offset, count, cols, x.data() + offset, z.data());
            add_scaled_rows(rows.data() + offset, count, cols, slopes.data(), gradient.data() + offset);

            CHECK(same_bits(z.data(), expected_z.data(), count));
            CHECK(same_bits(gradient.data() + offset, expected_gradient.data() + offset, cols));

            for (Eigen::Index j = 0; j < count; ++j) {
              double plain = 0.0;
              for (std::size_t l = 0; l < n; ++l)
                plain += rows[static_cast<std::size_t>(j) * n + l + offset] * x[l + offset];
              if (!same_bits(plain, expected_z[static_cast<std::size_t>(j)])) ++plain_sum_differs;
            }
          }
        }
      }
    }
  }
  CHECK(plain_sum_differs > 0);
}

TEST_CASE("dot_rows keeps Eigen's signed zeros and empty rows", "[dense_rows]") {
  for (const DenseKernel kernel : available_kernels()) {
    INFO("kernel " << name_of(kernel));
    const KernelScope scope(kernel);
    // All products -0: Eigen's sum is -0 (its first packet is the products themselves).
    for (const Eigen::Index cols : {1, 2, 3, 4, 5, 9}) {
      INFO("cols " << cols);
      const std::vector<double> rows(static_cast<std::size_t>(3 * cols), -0.0);
      const std::vector<double> x(static_cast<std::size_t>(cols), 1.0);
      std::vector<double> z(3, 1.0);
      dot_rows(rows.data(), 3, cols, x.data(), z.data());
      for (const double zr : z) CHECK(same_bits(zr, -0.0));
    }
    // No columns: Eigen's empty sum is +0, and the gradient (empty) is untouched.
    std::vector<double> z(2, 1.0);
    const double slopes[2] = {1.0, 2.0};
    dot_rows(nullptr, 2, 0, nullptr, z.data());
    add_scaled_rows(nullptr, 2, 0, slopes, nullptr);
    CHECK(same_bits(z[0], 0.0));
    CHECK(same_bits(z[1], 0.0));
  }
}

TEST_CASE("An Objective on a dense shard gives the same bits with the baseline and the automatic kernel",
          "[dense_rows][objective]") {
  const std::uint64_t seed = ef21::test::test_seed(152);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  for (const ProblemKind kind :
       {ProblemKind::logreg_nonconvex, ProblemKind::logreg, ProblemKind::least_squares}) {
    for (const Eigen::Index cols : {5, 64, 301}) {
      INFO("kind " << ef21::problems::to_string(kind) << ", cols " << cols);
      // 37 rows: four full blocks and a partial one.
      const DenseRowMatrix a = ef21::test::random_features(rng, 37, cols, 0.9);
      Eigen::VectorXd b = ef21::test::random_binary_labels(rng, 37);
      if (kind == ProblemKind::least_squares) b *= 2.5;
      const Objective f({kind, 0.1}, ef21::test::dense_dataset(a, b));
      Eigen::VectorXd x(cols);
      for (Eigen::Index l = 0; l < cols; ++l) x[l] = rng.normal();
      ef21::problems::RegulariserAt reg;
      ef21::problems::regulariser_at(f.spec(), x, reg);

      struct Result {
        double value, fused, fused_reg;
        Eigen::VectorXd gradient, gradient_reg;
      };
      auto evaluate = [&] {
        Result r{f.value(x), 0.0, 0.0, Eigen::VectorXd(cols), Eigen::VectorXd(cols)};
        r.fused = f.value_and_gradient(x, r.gradient);
        r.fused_reg = f.value_and_gradient(x, r.gradient_reg, reg);
        return r;
      };
      Result baseline;
      {
        const KernelScope scope(DenseKernel::baseline);
        baseline = evaluate();
      }
      const Result automatic = evaluate();
      CHECK(same_bits(baseline.value, automatic.value));
      CHECK(same_bits(baseline.fused, automatic.fused));
      CHECK(same_bits(baseline.fused_reg, automatic.fused_reg));
      CHECK(same_bits(baseline.gradient, automatic.gradient));
      CHECK(same_bits(baseline.gradient_reg, automatic.gradient_reg));
      CHECK(same_bits(baseline.fused, automatic.value));
    }
  }
}

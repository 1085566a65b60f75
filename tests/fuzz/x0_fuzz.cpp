// Fuzz target: x0 files (problem.x0 = "FILE": d numbers), through make_initial_point as the
// run builds x^0.
//
// Input: the file's bytes, then one last byte giving d - 1 (d = 1..256), so that files with
// too few and too many numbers are both exercised.
#include <cstddef>
#include <cstdint>

#include "models/algorithms/initial_point.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Eigen::Index dim = 1 + data[size - 1];
  ef21::algorithms::InitialPointSpec spec;
  spec.kind = ef21::algorithms::InitialPointKind::file;
  spec.file = ef21::fuzz::scratch().write("x0.txt", ef21::fuzz::as_text(data, size - 1));
  ef21::fuzz::expect_only([&] {
    const Eigen::VectorXd x0 = ef21::algorithms::make_initial_point(spec, dim);
    if (x0.size() != dim || !x0.allFinite()) ef21::fuzz::fail("x0 has the wrong size or a non-finite value");
  });
  return 0;
}

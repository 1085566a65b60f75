// The compressor factory, the identity, SparseVector and the bit accounting (DESIGN §7).
#include "models/compressors/compressor.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "models/compressors/bit_accounting.hpp"
#include "models/compressors/compressor_registry.hpp"
#include "models/compressors/identity.hpp"
#include "models/support/check.hpp"
#include "tests/models/compressors/compressor_test_support.hpp"

using namespace ef21::compressors;
using ef21::test::params;
using ef21::test::spec_with_defaults;
using ef21::test::value_or_nan;

TEST_CASE("make_compressor rejects k = 0 and k > d naming compressor.k", "[compressor]") {
  for (const std::string kind : {"top-k", "rand-k"}) {
    CAPTURE(kind);
    for (std::int64_t k : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{11}, std::int64_t{1} << 40}) {
      CAPTURE(k);
      try {
        (void)make_compressor(spec_with_defaults(kind, k), 10);
        FAIL("expected std::invalid_argument");
      } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        CHECK_THAT(message, Catch::Matchers::Contains("compressor.k"));
        CHECK_THAT(message, Catch::Matchers::Contains("d = 10"));
        CHECK_THAT(message, Catch::Matchers::Contains(std::to_string(k)));
      }
    }
    // The boundaries are accepted.
    CHECK(make_compressor(spec_with_defaults(kind, 1), 10)->entries() == 1);
    CHECK(make_compressor(spec_with_defaults(kind, 10), 10)->entries() == 10);
  }
  // Kinds without k ignore it (they keep or quantize every coordinate): k is validated only
  // for the kinds that take it.
  for (const std::string kind : {"identity", "natural", "qsgd", "sign"}) {
    CAPTURE(kind);
    REQUIRE_FALSE(find_compressor(kind)->takes_k);
    CHECK(make_compressor(spec_with_defaults(kind, 0), 10)->entries() == 10);
    CHECK(make_compressor(spec_with_defaults(kind, 11), 10)->entries() == 10);
  }
}

TEST_CASE("make_compressor builds the requested kind with its alpha and omega", "[compressor]") {
  const auto identity = make_compressor(spec_with_defaults("identity", 3), 8);
  CHECK(identity->name() == "identity");
  CHECK(value_or_nan(identity->alpha()) == 1.0);
  CHECK(value_or_nan(identity->omega()) == 0.0);
  CHECK(value_or_nan(identity->contraction()) == 1.0);
  const auto top = make_compressor(spec_with_defaults("top-k", 3), 8);
  CHECK(top->name() == "top-k");
  CHECK(value_or_nan(top->alpha()) == 3.0 / 8.0);
  CHECK_FALSE(top->omega().has_value());  // biased
  CHECK(value_or_nan(top->contraction()) == 3.0 / 8.0);
  const auto rand = make_compressor(spec_with_defaults("rand-k", 2), 8);
  CHECK(rand->name() == "rand-k");
  CHECK(value_or_nan(rand->alpha()) == 0.25);
  CHECK_FALSE(rand->omega().has_value());  // unscaled: E C(x) = (k/d) x
  CHECK(value_or_nan(rand->contraction()) == 0.25);
  // Scaled by d/k: unbiased with omega = d/k - 1 = 3 >= 1, hence not contractive.
  const auto scaled = make_compressor(spec_with_defaults("rand-k", 2, params({{"scaled", true}})), 8);
  CHECK_FALSE(scaled->alpha().has_value());
  CHECK(value_or_nan(scaled->omega()) == 3.0);
  CHECK_FALSE(scaled->contraction().has_value());
  // Scaled with k > d/2: omega = 8/6 - 1 < 1, contractive through contraction() = 1 - omega.
  const auto scaled_big = make_compressor(spec_with_defaults("rand-k", 6, params({{"scaled", true}})), 8);
  CHECK_FALSE(scaled_big->alpha().has_value());
  CHECK(value_or_nan(scaled_big->contraction()) == 1.0 - (8.0 / 6.0 - 1.0));
}

TEST_CASE("Compressor names round-trip through the registry", "[compressor]") {
  for (const std::string& name : compressor_names()) {
    CAPTURE(name);
    const CompressorInfo* info = find_compressor(name);
    REQUIRE(info != nullptr);
    CHECK(info->name == name);
    CHECK(make_compressor(spec_with_defaults(name, 2), 8)->name() == name);
  }
  CHECK(find_compressor("topk") == nullptr);
}

TEST_CASE("Identity sends the input whole as a dense message", "[compressor]") {
  const Identity identity(4);
  SparseVector out;
  CompressorWorkspace workspace;
  ef21::Rng unused(0);
  const Eigen::Vector4d x(1.0, -2.0, 0.0, 3.5);
  identity.compress(x, out, unused, workspace);
  CHECK(out.dense);
  CHECK(out.exact);
  CHECK(out.dim == 4);
  CHECK(out.indices == std::vector<std::int32_t>{0, 1, 2, 3});
  CHECK(out.to_dense() == Eigen::VectorXd(x));
}

TEST_CASE("SparseVector adds itself, scaled, into a dense vector", "[sparse_vector]") {
  SparseVector v;
  v.dim = 5;
  v.indices = {1, 4};
  v.values = {2.0, -3.0};
  Eigen::VectorXd target = Eigen::VectorXd::Ones(5);
  v.add_to(target);
  CHECK(target == (Eigen::VectorXd(5) << 1, 3, 1, 1, -2).finished());
  v.add_to(target, -0.5);
  CHECK(target == (Eigen::VectorXd(5) << 1, 2, 1, 1, -0.5).finished());
  CHECK(v.to_dense() == (Eigen::VectorXd(5) << 0, 2, 0, 0, -3).finished());
  Eigen::VectorXd wrong(4);
  CHECK_THROWS_AS(v.add_to(wrong), ef21::InternalError);
  v.exact = true;
  v.clear();
  CHECK(v.size() == 0);
  CHECK_FALSE(v.dense);
  CHECK_FALSE(v.exact);
}

TEST_CASE("Bit accounting: index bits none, ceil(log2 d) or fixed, dense payloads carry none", "[bits]") {
  BitAccounting paper;  // the defaults are the paper's: 32-bit values, no index bits
  CHECK(paper.value_bits == 32);
  CHECK(paper.index_bits(1000) == 0);
  CHECK(paper.payload_bits(5, 1000, false) == 5u * 32u);
  CHECK_FALSE(paper.bill_initialization);

  BitAccounting log2d;
  log2d.index_mode = IndexBits::log2d;
  // ceil(log2 d), at least 1 (a 1-coordinate vector still needs a distinguishable index field).
  CHECK(log2d.index_bits(1) == 1);
  CHECK(log2d.index_bits(2) == 1);
  CHECK(log2d.index_bits(3) == 2);
  CHECK(log2d.index_bits(4) == 2);
  CHECK(log2d.index_bits(5) == 3);
  CHECK(log2d.index_bits(1024) == 10);
  CHECK(log2d.index_bits(1025) == 11);
  CHECK(log2d.index_bits(150000) == 18);  // 2^17 = 131072 < 150000 <= 2^18
  CHECK(log2d.payload_bits(3, 1024, false) == 3u * (32u + 10u));
  CHECK(log2d.payload_bits(1024, 1024, true) == 1024u * 32u);  // dense: positions implied

  BitAccounting fixed;
  fixed.index_mode = IndexBits::fixed;
  fixed.index_bits_fixed = 32;
  fixed.value_bits = 64;
  CHECK(fixed.index_bits(7) == 32);
  CHECK(fixed.payload_bits(2, 7, false) == 2u * 96u);
  CHECK(fixed.payload_bits(7, 7, true) == 7u * 64u);

  // Through a SparseVector: the message's own size, dim and density.
  SparseVector message;
  message.dim = 100;
  message.indices = {3, 50, 99};
  message.values = {1.0, 2.0, 3.0};
  CHECK(log2d.payload_bits(message) == 3u * (32u + 7u));
  message.assign_dense(Eigen::VectorXd::Ones(100));
  CHECK(log2d.payload_bits(message) == 100u * 32u);
}

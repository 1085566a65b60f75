// The compressor factory, the identity, SparseVector and the bit accounting (DESIGN §7).
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "models/compressors/bit_accounting.hpp"
#include "models/compressors/compressor.hpp"
#include "models/compressors/identity.hpp"
#include "models/support/check.hpp"

using namespace ef21::compressors;

TEST_CASE("make_compressor rejects k = 0 and k > d naming compressor.k", "[compressor]") {
  for (CompressorKind kind : {CompressorKind::top_k, CompressorKind::rand_k}) {
    CAPTURE(to_string(kind));
    for (std::int64_t k : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{11}, std::int64_t{1} << 40}) {
      CAPTURE(k);
      try {
        (void)make_compressor({kind, k, false}, 10);
        FAIL("expected std::invalid_argument");
      } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        CHECK_THAT(message, Catch::Matchers::Contains("compressor.k"));
        CHECK_THAT(message, Catch::Matchers::Contains("d = 10"));
        CHECK_THAT(message, Catch::Matchers::Contains(std::to_string(k)));
      }
    }
    // The boundaries are accepted.
    CHECK(make_compressor({kind, 1, false}, 10)->entries() == 1);
    CHECK(make_compressor({kind, 10, false}, 10)->entries() == 10);
  }
  // The identity ignores k (it keeps everything).
  CHECK(make_compressor({CompressorKind::identity, 0, false}, 10)->entries() == 10);
}

TEST_CASE("make_compressor builds the requested kind with its alpha", "[compressor]") {
  const auto identity = make_compressor({CompressorKind::identity, 3, false}, 8);
  CHECK(identity->name() == "identity");
  CHECK(identity->alpha() == 1.0);
  CHECK(identity->is_contractive());
  const auto top = make_compressor({CompressorKind::top_k, 3, false}, 8);
  CHECK(top->name() == "top-k");
  CHECK(top->alpha() == 3.0 / 8.0);
  CHECK(top->is_contractive());
  const auto rand = make_compressor({CompressorKind::rand_k, 2, false}, 8);
  CHECK(rand->name() == "rand-k");
  CHECK(rand->alpha() == 0.25);
  CHECK(rand->is_contractive());
  CHECK_FALSE(make_compressor({CompressorKind::rand_k, 2, true}, 8)->is_contractive());
}

TEST_CASE("Compressor kind names round-trip", "[compressor]") {
  for (const std::string& name : compressor_kind_names()) {
    const auto kind = compressor_kind_from_string(name);
    REQUIRE(kind.has_value());
    CHECK(to_string(*kind) == name);
  }
  CHECK_FALSE(compressor_kind_from_string("topk").has_value());
}

TEST_CASE("Identity sends the input whole as a dense message", "[compressor]") {
  const Identity identity(4);
  SparseVector out;
  CompressorWorkspace workspace;
  ef21::Rng unused(0);
  const Eigen::Vector4d x(1.0, -2.0, 0.0, 3.5);
  identity.compress(x, out, unused, workspace);
  CHECK(out.dense);
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
  v.clear();
  CHECK(v.size() == 0);
  CHECK_FALSE(v.dense);
}

TEST_CASE("Bit accounting: index bits none, ceil(log2 d) or fixed; dense payloads carry none", "[bits]") {
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

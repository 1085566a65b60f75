// The compressor registry (compressor_registry.hpp): every kind builds through make_compressor
// and declares alpha or omega; `then` composes a sparsifier with a quantizer; a golden bit
// count and the dense/exact flags of every kind.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/compressors/compressor_registry.hpp"
#include "tests/models/compressors/compressor_test_support.hpp"
#include "tests/models/support/models_test_support.hpp"

using namespace ef21::compressors;
using ef21::test::params;
using ef21::test::spec_with_defaults;

TEST_CASE("Every registered kind builds through make_compressor and declares alpha or omega", "[registry]") {
  const std::vector<std::string> expected{"identity", "top-k", "rand-k", "qsgd", "sign", "natural"};
  CHECK(compressor_names() == expected);
  const std::uint64_t seed = ef21::test::test_seed(901);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  const Eigen::Index d = 10;
  const Eigen::VectorXd x = ef21::test::spread_vector(rng, d);
  for (const CompressorInfo* info : compressor_registry()) {
    CAPTURE(info->name);
    CHECK_FALSE(info->doc.empty());
    CHECK(info->doc.find('\n') == std::string::npos);  // one line
    REQUIRE(info->make);
    CHECK(static_cast<bool>(info->make_quantizer) == info->quantizer);
    CHECK(find_compressor(info->name) == info);
    // Every declared key has a doc line and its default (if any) lies in its range.
    for (const ef21::ParamDecl& key : info->keys) {
      CAPTURE(key.name);
      CHECK_FALSE(key.doc.empty());
      if (key.default_value) CHECK(ef21::param_in_range(key, *key.default_value));
    }
    const auto c = make_compressor(spec_with_defaults(info->name, 3), d);
    CHECK(c->name() == info->name);
    CHECK(c->entries() == (info->takes_k ? 3 : d));
    CHECK((c->alpha().has_value() || c->omega().has_value()));
    if (const auto a = c->alpha()) CHECK((*a > 0.0 && *a <= 1.0));
    if (const auto w = c->omega()) CHECK(*w >= 0.0);
    SparseVector out;
    CompressorWorkspace workspace;
    c->compress(x, out, rng, workspace);
    CHECK(out.dim == d);
    CHECK(out.size() == static_cast<std::size_t>(c->entries()));
    CHECK(c->payload_bits(out, BitAccounting{}) == c->message_bits(BitAccounting{}, d));
  }
}

TEST_CASE("The registry finds no unknown kind, and make_compressor names it", "[registry]") {
  CHECK(find_compressor("nope") == nullptr);
  CHECK(find_compressor("") == nullptr);
  CHECK(find_compressor("Top-K") == nullptr);
  CHECK(find_compressor("top-k+natural") == nullptr);  // a composition, not a kind
  try {
    (void)make_compressor(CompressorSpec{"nope", 1, {}}, 10);
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& error) {
    CHECK_THAT(std::string(error.what()), Catch::Matchers::Contains("\"nope\""));
  }
}

TEST_CASE("`then` composes a sparsifier with a registered quantizer", "[registry][then]") {
  CHECK(quantizer_names() == std::vector<std::string>{"natural"});
  // The sparsifiers, and only they, declare `then`, offering exactly the quantizers.
  for (const CompressorInfo* info : compressor_registry()) {
    CAPTURE(info->name);
    const ef21::ParamDecl* then = ef21::find_param(info->keys, "then");
    CHECK((then != nullptr) == info->takes_k);
    if (then != nullptr) {
      CHECK(then->type == ef21::ParamType::choice);
      CHECK(then->choices == quantizer_names());
      CHECK_FALSE(then->default_value.has_value());  // absent = no quantizer
    }
  }
  const auto top =
      make_compressor(spec_with_defaults("top-k", 5, params({{"then", std::string("natural")}})), 100);
  CHECK(top->name() == "top-k+natural");
  CHECK(top->entries() == 5);
  CHECK_FALSE(top->draws_indices());
  const auto rand =
      make_compressor(spec_with_defaults("rand-k", 5, params({{"then", std::string("natural")}})), 100);
  CHECK(rand->name() == "rand-k+natural");
  CHECK(rand->draws_indices());
  // Without `then` the sparsifier is itself.
  CHECK(make_compressor(spec_with_defaults("top-k", 5), 100)->name() == "top-k");
  // A kind that is not an element-wise quantizer cannot follow a sparsifier.
  CHECK_THROWS_AS(
      make_compressor(spec_with_defaults("top-k", 5, params({{"then", std::string("qsgd")}})), 100),
      std::invalid_argument);
}

TEST_CASE("Golden bit counts for d = 100, k = 5: the paper's accounting and log2d index bits",
          "[registry][bits]") {
  struct Case {
    std::string kind;
    ef21::ParamSet params;
    std::uint64_t paper;  // 32-bit values, no index bits
    std::uint64_t log2d;  // ceil(log2 100) = 7 index bits per kept entry
  };
  const std::string natural = "natural";
  const Case cases[] = {
      {"identity", {}, 100 * 32, 100 * 32},  // dense: no index bits
      {"top-k", {}, 5 * 32, 5 * (32 + 7)},
      {"rand-k", {}, 5 * 32, 5 * (32 + 7)},
      {"rand-k", params({{"scaled", true}}), 5 * 32, 5 * (32 + 7)},
      {"top-k", params({{"then", natural}}), 5 * 9, 5 * 9 + 5 * 7},
      {"rand-k", params({{"then", natural}}), 5 * 9, 5 * 9 + 5 * 7},
      {"natural", {}, 100 * 9, 100 * 9},
      {"qsgd", params({{"levels", std::int64_t{1}}}), 32 + 100 * (1 + 1), 32 + 100 * (1 + 1)},
      {"qsgd", params({{"levels", std::int64_t{3}}}), 32 + 100 * (1 + 2), 32 + 100 * (1 + 2)},
      {"qsgd", params({{"levels", std::int64_t{15}}}), 32 + 100 * (1 + 4), 32 + 100 * (1 + 4)},
      {"sign", {}, 32 + 100, 32 + 100},
  };
  BitAccounting paper;
  BitAccounting log2d;
  log2d.index_mode = IndexBits::log2d;
  const std::uint64_t seed = ef21::test::test_seed(902);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  const Eigen::VectorXd x = ef21::test::spread_vector(rng, 100);
  for (const Case& c : cases) {
    const auto compressor = make_compressor(spec_with_defaults(c.kind, 5, c.params), 100);
    std::string label{compressor->name()};
    for (const auto& [key, value] : c.params.values()) label += " " + key + " = " + ef21::format_param(value);
    CAPTURE(label);
    CHECK(compressor->message_bits(paper, 100) == c.paper);
    CHECK(compressor->message_bits(log2d, 100) == c.log2d);
    // The bill of an actual message agrees with the bill announced before it exists.
    SparseVector out;
    CompressorWorkspace workspace;
    compressor->compress(x, out, rng, workspace);
    CHECK(compressor->payload_bits(out, paper) == c.paper);
    CHECK(compressor->payload_bits(out, log2d) == c.log2d);
  }
  // The paper's own number (DESIGN §7): after t updates EF21 with top-k has t k 32 bits.
  CHECK(make_compressor(spec_with_defaults("top-k", 5), 100)->message_bits(paper, 100) == 160u);
}

TEST_CASE("Dense and exact are separate flags: quantized dense messages are not exact", "[registry]") {
  struct Case {
    std::string kind;
    std::int64_t k;
    ef21::ParamSet params;
    bool dense;
    bool exact;
  };
  const std::string natural = "natural";
  const Eigen::Index d = 8;
  const Case cases[] = {
      {"identity", 1, {}, true, true},
      {"top-k", d, {}, true, true},  // keeps everything: the input itself
      {"top-k", 3, {}, false, false},
      {"rand-k", d, {}, true, true},
      {"rand-k", d, params({{"scaled", true}}), true, true},  // d/k = 1
      {"rand-k", 3, {}, false, false},
      {"top-k", d, params({{"then", natural}}), true, false},  // dense, but quantized
      {"top-k", 3, params({{"then", natural}}), false, false},
      {"natural", 1, {}, true, false},
      {"qsgd", 1, {}, true, false},
      {"qsgd", 1, params({{"levels", std::int64_t{255}}}), true, false},
      {"sign", 1, {}, true, false},
  };
  const std::uint64_t seed = ef21::test::test_seed(903);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  // Powers of two with one magnitude: natural and sign happen to reproduce it, and must still
  // not claim exactness.
  const Eigen::VectorXd x = (Eigen::VectorXd(d) << 1, -1, 1, 1, -1, 1, -1, -1).finished();
  for (const Case& c : cases) {
    CAPTURE(c.kind, c.k);
    const auto compressor = make_compressor(spec_with_defaults(c.kind, c.k, c.params), d);
    CAPTURE(compressor->name());
    SparseVector out;
    CompressorWorkspace workspace;
    compressor->compress(x, out, rng, workspace);
    CHECK(out.dense == c.dense);
    CHECK(out.exact == c.exact);
    if (c.exact) CHECK(out.to_dense() == x);
  }
}

#include "models/data/libsvm_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "models/data/text_input.hpp"
#include "models/support/check.hpp"
#include "models/support/input_error.hpp"

namespace ef21::data {
namespace {

constexpr std::string_view kMissingHint =
    "the paper's datasets live in ../shared/data/libsvm, heart_scale ships with Debian's "
    "liblinear-tools (/usr/share/doc/liblinear-tools/examples/heart_scale)";

constexpr std::int64_t kMaxIndex = std::numeric_limits<std::int32_t>::max();

/// Parses one file's text into CSR arrays. Holds the position for error messages.
class LibsvmParser {
 public:
  LibsvmParser(std::string file, LabelMode mode, std::uint64_t max_bytes)
      : file_(std::move(file)), labels_check_(mode), max_bytes_(max_bytes) {}

  Dataset parse(detail::LineReader& reader);

 private:
  void parse_line(const char* begin, const char* end);
  [[noreturn]] void fail(const char* at, const std::string& message) const {
    throw InputError(
        SourceLocation{file_, detail::to_position(line_number_), detail::to_position(at - line_begin_ + 1)},
        message);
  }

  std::string file_;
  detail::BinaryLabels labels_check_;
  std::int64_t line_number_ = 0;
  const char* line_begin_ = nullptr;

  std::vector<std::int32_t> outer_{0};  // CSR row starts, rows + 1 entries
  std::vector<std::int32_t> inner_;     // 0-based column of each stored value
  std::vector<double> values_;
  std::vector<double> labels_;
  std::int64_t max_index_ = 0;  // 1-based; becomes d
  std::uint64_t max_bytes_;     // data.max_memory
};

Dataset LibsvmParser::parse(detail::LineReader& reader) {
  // A rough upper bound of the pairs of a plain file ("i:v " is at least 4 bytes) without
  // over-reserving (nor past the memory limit); compressed input grows geometrically instead.
  const std::uint64_t most_pairs = max_bytes_ / (sizeof(double) + sizeof(std::int32_t));
  inner_.reserve(std::min<std::uint64_t>(reader.plain_size() / 8, most_pairs));
  values_.reserve(std::min<std::uint64_t>(reader.plain_size() / 8, most_pairs));
  std::string_view line;
  while (reader.next(line)) {
    line_number_ = reader.line_number();
    line_begin_ = line.data();
    parse_line(line.data(), line.data() + line.size());
    const auto rows = static_cast<std::int64_t>(labels_.size());
    const std::uint64_t needed = sparse_dataset_bytes(rows, static_cast<std::int64_t>(values_.size()));
    if (needed > max_bytes_)
      throw InputError(
          SourceLocation{file_, detail::to_position(line_number_), 1},
          fmt::format("the data set needs more than {} in memory by this line ({} samples, {} stored "
                      "values), over data.max_memory = {}",
                      describe_bytes(needed), rows, values_.size(), describe_bytes(max_bytes_)));
  }

  if (labels_.empty()) {
    throw InputError(SourceLocation{file_, 0, 0}, reader.text_bytes() == 0
                                                      ? "no samples: the file is empty"
                                                      : "no samples: the file has only blank lines");
  }
  if (max_index_ == 0) {
    throw InputError(SourceLocation{file_, 0, 0},
                     "no features: no sample has an index:value pair, so the dimension would be 0");
  }

  const auto rows = static_cast<Eigen::Index>(labels_.size());
  EF21_CHECK(static_cast<Eigen::Index>(outer_.size()) == rows + 1, "one CSR row start per sample");
  EF21_CHECK(inner_.size() == values_.size(), "one column per stored value");
  Dataset out;
  // Memory in rows + nnz only: d (the largest index, up to 2^31 - 1) costs nothing here.
  out.features = make_csr(rows, static_cast<Eigen::Index>(max_index_), outer_, inner_, values_);
  out.labels = Eigen::Map<const Eigen::VectorXd>(labels_.data(), rows);
  labels_check_.finish(out.labels, file_);
  out.name = std::filesystem::path(file_).filename().string();
  return out;
}

void LibsvmParser::parse_line(const char* p, const char* end) {
  while (p < end && detail::is_blank(*p)) ++p;
  if (p == end) return;  // blank line: skipped (see header)

  // Label: the first token.
  const char* token_end = p;
  while (token_end < end && !detail::is_blank(*token_end)) ++token_end;
  if (std::memchr(p, ':', static_cast<std::size_t>(token_end - p)) != nullptr) {
    fail(p, fmt::format("missing label: the line starts with the pair {}, expected LABEL INDEX:VALUE ...",
                        detail::quote_token(p, token_end)));
  }
  const detail::ParsedNumber label = detail::parse_double(p, token_end);
  switch (label.status) {
    case detail::NumberStatus::ok:
      break;
    case detail::NumberStatus::non_finite:
      fail(p, fmt::format("non-finite value {} as label", detail::quote_token(p, token_end)));
    case detail::NumberStatus::out_of_range:
      fail(p, fmt::format("label {} is outside the range of double", detail::quote_token(p, token_end)));
    case detail::NumberStatus::invalid:
    case detail::NumberStatus::trailing:
      fail(p, fmt::format("non-numeric label {}", detail::quote_token(p, token_end)));
  }
  if (labels_.size() >= static_cast<std::size_t>(kMaxIndex)) fail(p, "too many samples (more than 2^31 - 1)");
  labels_check_.see(label.value, SourceLocation{file_, detail::to_position(line_number_),
                                                detail::to_position(p - line_begin_ + 1)});
  labels_.push_back(label.value);
  p = token_end;

  // Pairs.
  std::int64_t previous_index = 0;
  for (;;) {
    while (p < end && detail::is_blank(*p)) ++p;
    if (p == end) break;
    token_end = p;
    while (token_end < end && !detail::is_blank(*token_end)) ++token_end;
    const auto* colon =
        static_cast<const char*>(std::memchr(p, ':', static_cast<std::size_t>(token_end - p)));
    if (colon == nullptr) {
      fail(p, fmt::format("expected INDEX:VALUE, got {} (no ':')", detail::quote_token(p, token_end)));
    }

    // Index: digits only, in [1, 2^31 - 1].
    if (colon == p) fail(p, "missing feature index before ':'");
    if (*p == '-') fail(p, fmt::format("negative feature index {}", detail::quote_token(p, colon)));
    std::int64_t index = 0;
    const auto [index_stop, index_ec] = std::from_chars(p, colon, index);
    if (index_ec == std::errc::result_out_of_range ||
        (index_ec == std::errc{} && index_stop == colon && index > kMaxIndex)) {
      fail(p, fmt::format("feature index {} is too large (at most {})", detail::quote_token(p, colon),
                          kMaxIndex));
    }
    if (index_ec != std::errc{} || index_stop != colon) {
      fail(p, fmt::format("feature index {} is not a positive integer", detail::quote_token(p, colon)));
    }
    if (index == 0) fail(p, "feature index 0: LIBSVM indices start at 1");
    if (index <= previous_index) {
      fail(p, fmt::format("feature indices must be strictly increasing within a line: {} after {}", index,
                          previous_index));
    }
    previous_index = index;

    // Value.
    const char* value_begin = colon + 1;
    if (value_begin == token_end) fail(value_begin, fmt::format("missing value after '{}:'", index));
    const detail::ParsedNumber value = detail::parse_double(value_begin, token_end);
    switch (value.status) {
      case detail::NumberStatus::ok:
        break;
      case detail::NumberStatus::non_finite:
        fail(value_begin, fmt::format("non-finite value {} for feature {}",
                                      detail::quote_token(value_begin, token_end), index));
      case detail::NumberStatus::out_of_range:
        fail(value_begin, fmt::format("value {} for feature {} is outside the range of double",
                                      detail::quote_token(value_begin, token_end), index));
      case detail::NumberStatus::invalid:
        fail(value_begin, fmt::format("non-numeric value {} for feature {}",
                                      detail::quote_token(value_begin, token_end), index));
      case detail::NumberStatus::trailing:
        fail(value.stop, fmt::format("unexpected {} after the value of feature {}",
                                     detail::quote_token(value.stop, token_end), index));
    }

    if (index > max_index_) max_index_ = index;
    if (value.value != 0.0) {  // explicit zeros are not stored (see header)
      if (values_.size() >= static_cast<std::size_t>(kMaxIndex))
        fail(p, "too many stored values (more than 2^31 - 1)");
      inner_.push_back(static_cast<std::int32_t>(index - 1));
      values_.push_back(value.value);
    }
    p = token_end;
  }
  outer_.push_back(static_cast<std::int32_t>(values_.size()));
}

}  // namespace

Dataset read_libsvm(const std::filesystem::path& file, LabelMode mode, std::uint64_t max_bytes) {
  detail::LineReader reader(file, kMissingHint);
  LibsvmParser parser(file.string(), mode, max_bytes);
  return parser.parse(reader);
}

}  // namespace ef21::data

#include "models/data/csv_reader.hpp"

#include <fmt/format.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "models/data/text_input.hpp"
#include "models/support/input_error.hpp"

namespace ef21::data {
namespace {

struct Field {
  const char* begin;  // trimmed
  const char* end;
  const char* raw_begin;  // before trimming, for the column of an empty field
};

/// Splits [begin, end) at commas, trimming blanks around each field.
void split_fields(const char* begin, const char* end, std::vector<Field>& fields) {
  fields.clear();
  const char* p = begin;
  for (;;) {
    const char* comma = static_cast<const char*>(std::memchr(p, ',', static_cast<std::size_t>(end - p)));
    const char* field_end = comma ? comma : end;
    Field f{p, field_end, p};
    while (f.begin < f.end && detail::is_blank(*f.begin)) ++f.begin;
    while (f.end > f.begin && detail::is_blank(f.end[-1])) --f.end;
    fields.push_back(f);
    if (!comma) break;
    p = comma + 1;
  }
}

}  // namespace

Dataset read_csv(const std::filesystem::path& file, LabelMode mode, std::uint64_t max_bytes) {
  const std::string name = file.string();
  detail::LineReader reader(file, "");
  detail::BinaryLabels labels_check(mode);

  std::vector<double> values;  // row-major features
  std::vector<double> labels;
  std::vector<Field> fields;
  std::size_t expected_fields = 0;  // set by the first non-blank line
  std::int64_t expected_line = 0;   // where expected_fields came from, for messages
  bool seen_first_line = false;

  std::string_view line;
  while (reader.next(line)) {
    const std::int64_t line_number = reader.line_number();
    const char* const line_begin = line.data();
    const char* const line_end = line.data() + line.size();

    const auto at = [&](const char* where) {
      return SourceLocation{name, detail::to_position(line_number),
                            detail::to_position(where - line_begin + 1)};
    };
    const char* first = line_begin;
    while (first < line_end && detail::is_blank(*first)) ++first;
    if (first == line_end) continue;  // blank line
    split_fields(line_begin, line_end, fields);

    if (!seen_first_line) {
      seen_first_line = true;
      expected_fields = fields.size();
      expected_line = line_number;
      if (expected_fields < 2) {
        throw InputError(at(line_begin), "a CSV row needs a label and at least one feature (found 1 field)");
      }
      const detail::ParsedNumber head = detail::parse_double(fields[0].begin, fields[0].end);
      if (head.status == detail::NumberStatus::invalid || head.status == detail::NumberStatus::trailing ||
          fields[0].begin == fields[0].end) {
        continue;  // header row
      }
    }
    if (fields.size() > expected_fields) {
      throw InputError(at(fields[expected_fields].raw_begin),
                       fmt::format("too many fields: {} instead of {} (label + {} features, as on line {})",
                                   fields.size(), expected_fields, expected_fields - 1, expected_line));
    }
    if (fields.size() < expected_fields) {
      throw InputError(at(line_end),
                       fmt::format("too few fields: {} instead of {} (label + {} features, as on line {})",
                                   fields.size(), expected_fields, expected_fields - 1, expected_line));
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const Field& f = fields[i];
      const std::string what = (i == 0) ? std::string("label") : fmt::format("feature {}", i);
      if (f.begin == f.end) throw InputError(at(f.raw_begin), fmt::format("empty field ({})", what));
      const detail::ParsedNumber number = detail::parse_double(f.begin, f.end);
      switch (number.status) {
        case detail::NumberStatus::ok:
          break;
        case detail::NumberStatus::non_finite:
          throw InputError(at(f.begin), fmt::format("non-finite value {} ({})",
                                                    detail::quote_token(f.begin, f.end), what));
        case detail::NumberStatus::out_of_range:
          throw InputError(at(f.begin), fmt::format("value {} is outside the range of double ({})",
                                                    detail::quote_token(f.begin, f.end), what));
        case detail::NumberStatus::invalid:
          throw InputError(at(f.begin), fmt::format("non-numeric value {} ({})",
                                                    detail::quote_token(f.begin, f.end), what));
        case detail::NumberStatus::trailing:
          throw InputError(at(number.stop), fmt::format("unexpected {} after the number ({})",
                                                        detail::quote_token(number.stop, f.end), what));
      }
      if (i == 0) {
        labels_check.see(number.value, at(f.begin));
        labels.push_back(number.value);
      } else {
        values.push_back(number.value);
      }
    }
    const auto rows = static_cast<std::int64_t>(labels.size());
    const std::uint64_t needed = dense_dataset_bytes(rows, static_cast<std::int64_t>(expected_fields - 1));
    if (needed > max_bytes)
      throw InputError(
          SourceLocation{name, detail::to_position(line_number), 1},
          fmt::format("the data set needs more than {} in memory by this line ({} rows of {} features), "
                      "over data.max_memory = {}",
                      describe_bytes(needed), rows, expected_fields - 1, describe_bytes(max_bytes)));
  }

  if (labels.empty()) {
    throw InputError(SourceLocation{name, 0, 0},
                     seen_first_line            ? "no samples: the file has only a header row"
                     : reader.text_bytes() == 0 ? "no samples: the file is empty"
                                                : "no samples: the file has only blank lines");
  }
  const auto rows = static_cast<Eigen::Index>(labels.size());
  const auto dim = static_cast<Eigen::Index>(expected_fields - 1);
  Dataset out;
  out.features = DenseRowMatrix(Eigen::Map<const DenseRowMatrix>(values.data(), rows, dim));
  out.labels = Eigen::Map<const Eigen::VectorXd>(labels.data(), rows);
  labels_check.finish(out.labels, name);
  out.name = file.filename().string();
  return out;
}

}  // namespace ef21::data

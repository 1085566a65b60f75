#include "models/algorithms/initial_point.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <vector>

#include "models/support/input_error.hpp"
#include "models/support/rng.hpp"

namespace ef21::algorithms {
namespace {

Eigen::VectorXd read_numbers(const std::filesystem::path& path, Eigen::Index dim) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path.string(), 0, 0}, "cannot open the x0 file");
  std::vector<double> numbers;
  std::string line;
  std::uint32_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    std::size_t pos = 0;
    while (pos < line.size()) {
      while (pos < line.size() && (std::isspace(static_cast<unsigned char>(line[pos])) || line[pos] == ','))
        ++pos;
      if (pos >= line.size() || line[pos] == '#') break;
      std::size_t end = pos;
      while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end])) && line[end] != ',') ++end;
      const char* first = line.data() + pos;
      const char* last = line.data() + end;
      if (*first == '+') ++first;  // from_chars rejects a leading '+'
      double value = 0.0;
      const auto [ptr, ec] = std::from_chars(first, last, value);
      const SourceLocation where{path.string(), line_number, static_cast<std::uint32_t>(pos + 1)};
      if (ec == std::errc::result_out_of_range && ptr == last)  // a number, but not a double's
        throw InputError(where, fmt::format("x0 values must be finite; \"{}\" is out of the range of a double",
                                            line.substr(pos, end - pos)));
      if (ec != std::errc() || ptr != last)
        throw InputError(where, fmt::format("expected a number, got \"{}\"", line.substr(pos, end - pos)));
      if (!std::isfinite(value)) throw InputError(where, "x0 values must be finite");
      if (static_cast<Eigen::Index>(numbers.size()) == dim)
        throw InputError(where, fmt::format("x0 file holds more than d = {} numbers (the data has d = {} features); "
                                            "this is number {}",
                                            dim, dim, dim + 1));
      numbers.push_back(value);
      pos = end;
    }
  }
  if (static_cast<Eigen::Index>(numbers.size()) != dim)  // too few: report where the file ends
    throw InputError({path.string(), line_number, 0},
                     fmt::format("x0 file ends after {} numbers but the data has d = {} features", numbers.size(), dim));
  return Eigen::Map<const Eigen::VectorXd>(numbers.data(), dim);
}

}  // namespace

Eigen::VectorXd make_initial_point(const InitialPointSpec& spec, Eigen::Index dim) {
  switch (spec.kind) {
    case InitialPointKind::zeros:
      return Eigen::VectorXd::Zero(dim);
    case InitialPointKind::normal: {
      Rng rng = Rng::stream(spec.seed, "x0");
      Eigen::VectorXd x(dim);
      for (Eigen::Index l = 0; l < dim; ++l) x[l] = spec.scale * rng.normal();
      return x;
    }
    case InitialPointKind::file:
      return read_numbers(spec.file, dim);
  }
  return Eigen::VectorXd::Zero(dim);
}

}  // namespace ef21::algorithms

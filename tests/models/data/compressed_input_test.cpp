// Compressed datasets (models/data/text_input.hpp: LineReader): gzip, bzip2 and xz files,
// told by their magic bytes, read to exactly the Dataset of the plain file; concatenated
// streams; corrupt and truncated data are InputErrors at the line being read, never a crash
// or a silently shorter dataset. The compressed copies are made at test time with the
// system's gzip, bzip2 and xz (tools/setup.sh installs them).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "models/data/csv_reader.hpp"
#include "models/data/libsvm_reader.hpp"
#include "models/data/text_input.hpp"
#include "models/support/rng.hpp"
#include "tests/models/data/data_test_support.hpp"

namespace ef21::data {
namespace {

using test::require_input_error;
using test::shared_dataset;
using test::TempDir;

struct Tool {
  const char* name;    // the command: it compresses stdin to stdout with -c
  const char* format;  // what the error messages call it
  detail::Compression compression;
};
const Tool kTools[] = {{"gzip", "gzip", detail::Compression::gzip},
                       {"bzip2", "bzip2", detail::Compression::bzip2},
                       {"xz", "xz", detail::Compression::xz}};

std::string read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// `tool -c < source > target` (with -1, the fastest level, when `fast`), failing the test
/// (with the tool's name) if that does not work.
void compress(const Tool& tool, const std::filesystem::path& source, const std::filesystem::path& target,
              bool fast = false) {
  const std::string command = std::string(tool.name) + (fast ? " -1" : "") + " -c < '" + source.string() +
                              "' > '" + target.string() + "'";
  INFO("running: " << command << " (gzip, bzip2 and xz come with tools/setup.sh)");
  REQUIRE(std::system(command.c_str()) == 0);
}

/// Every field of two datasets but the name (the file names differ), bit for bit.
void require_same_dataset(const Dataset& a, const Dataset& b) {
  REQUIRE(a.is_sparse() == b.is_sparse());
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.dim() == b.dim());
  REQUIRE(a.labels == b.labels);
  if (a.is_sparse()) {
    const auto& x = std::get<SparseRowMatrix>(a.features);
    const auto& y = std::get<SparseRowMatrix>(b.features);
    REQUIRE(x.nonZeros() == y.nonZeros());
    REQUIRE(std::equal(x.outerIndexPtr(), x.outerIndexPtr() + x.rows() + 1, y.outerIndexPtr()));
    REQUIRE(std::equal(x.innerIndexPtr(), x.innerIndexPtr() + x.nonZeros(), y.innerIndexPtr()));
    REQUIRE(std::equal(x.valuePtr(), x.valuePtr() + x.nonZeros(), y.valuePtr()));
  } else {
    REQUIRE(std::get<DenseRowMatrix>(a.features) == std::get<DenseRowMatrix>(b.features));
  }
}

}  // namespace

TEST_CASE("gzip, bzip2 and xz copies of mushrooms read to the same Dataset as the plain file") {
  const std::filesystem::path plain = shared_dataset("mushrooms");
  const Dataset expected = read_libsvm(plain);
  TempDir dir;
  for (const Tool& tool : kTools) {
    SECTION(tool.name) {
      // No extension: the format is told by the magic bytes, not the name.
      const auto copy = dir.path() / (std::string("mushrooms-") + tool.name);
      compress(tool, plain, copy);
      REQUIRE(read_bytes(copy) != read_bytes(plain));
      REQUIRE(detail::LineReader(copy, "").compression() == tool.compression);
      const Dataset data = read_libsvm(copy);
      require_same_dataset(data, expected);
      CHECK(data.name == copy.filename().string());
    }
  }
}

TEST_CASE("concatenated compressed streams read as one text (pigz, pbzip2, cat a.gz b.gz)") {
  const std::string first = "1 1:1 3:2\n-1 2:0.5\n";
  const std::string second = "1 3:-1\n-1 1:4 2:2\n";
  TempDir dir;
  const auto whole = dir.write("whole.libsvm", first + second);
  const auto part1 = dir.write("part1.libsvm", first);
  const auto part2 = dir.write("part2.libsvm", second);
  const Dataset expected = read_libsvm(whole);
  for (const Tool& tool : kTools) {
    SECTION(tool.name) {
      compress(tool, part1, dir.path() / "p1");
      compress(tool, part2, dir.path() / "p2");
      const auto joined = dir.write("joined", read_bytes(dir.path() / "p1") + read_bytes(dir.path() / "p2"));
      require_same_dataset(read_libsvm(joined), expected);
    }
  }
}

TEST_CASE("gzip, bzip2 and xz CSV files read to the same Dataset as the plain file") {
  TempDir dir;
  const auto plain = dir.write("table.csv", "label,x1,x2\n0, 1.5,-2\n1,0.25,3e-3\r\n\n0,7,8");
  const Dataset expected = read_csv(plain);
  for (const Tool& tool : kTools) {
    SECTION(tool.name) {
      const auto copy = dir.path() / (std::string("table.csv.") + tool.name);
      compress(tool, plain, copy);
      require_same_dataset(read_csv(copy), expected);
    }
  }
}

TEST_CASE("errors in compressed files name the line and column of the decompressed text") {
  TempDir dir;
  const auto plain = dir.write("bad.libsvm", "1 1:1\n-1 2:1\n1 3:x\n");
  const auto csv = dir.write("bad.csv", "1,2\n0,3\n1,,\n");
  for (const Tool& tool : kTools) {
    SECTION(tool.name) {
      const auto copy = dir.path() / (std::string("bad-") + tool.name);
      compress(tool, plain, copy);
      require_input_error([&] { read_libsvm(copy); }, copy, 3, 5, "non-numeric value 'x' for feature 3");
      const auto csv_copy = dir.path() / (std::string("bad-csv-") + tool.name);
      compress(tool, csv, csv_copy);
      require_input_error([&] { read_csv(csv_copy); }, csv_copy, 3, 4, "too many fields");
    }
  }
}

TEST_CASE("truncated or corrupt compressed data is an InputError at the line being read, never a crash") {
  // mushrooms is 8124 lines: the data goes bad well inside it.
  const std::filesystem::path plain = shared_dataset("mushrooms");
  TempDir dir;
  for (const Tool& tool : kTools) {
    SECTION(tool.name) {
      const auto copy = dir.path() / (std::string("m.") + tool.name);
      compress(tool, plain, copy);
      const std::string bytes = read_bytes(copy);
      INFO(tool.name << ": " << bytes.size() << " compressed bytes");
      for (const double keep : {0.5, 0.999}) {
        // Cut: the last part of the stream (and its end marker and checksum) is missing.
        const auto cut = dir.write(
            "cut", bytes.substr(0, static_cast<std::size_t>(keep * static_cast<double>(bytes.size()))));
        try {
          read_libsvm(cut);
          FAIL("a truncated " << tool.name << " file was read without an error");
        } catch (const InputError& e) {
          INFO(e.what());
          CHECK(e.where().file == cut.string());
          CHECK(e.where().line >= 1);
          CHECK(e.where().line <= 8125);
          // gzip and xz stream: the lines before the cut were read. bzip2 decodes whole blocks
          // of up to 900 kB, and mushrooms (600 kB) is one block: nothing before it.
          if (tool.compression != detail::Compression::bzip2) CHECK(e.where().line > 1);
          CHECK_THAT(e.message(), Catch::Matchers::Contains(std::string("the ") + tool.format +
                                                            " data is corrupt or truncated"));
        }
      }
      // A few header bytes only, and a flipped byte in the middle of the stream.
      const auto stub = dir.write("stub", bytes.substr(0, 3));
      CHECK_THROWS_AS(read_libsvm(stub), InputError);
      std::string flipped = bytes;
      flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x5a);
      const auto corrupt = dir.write("corrupt", flipped);
      CHECK_THROWS_AS(read_libsvm(corrupt), InputError);
    }
  }
}

TEST_CASE(
    "the format is told by the first bytes: a plain file named .gz is plain, zstd and zip are refused") {
  TempDir dir;
  const auto misnamed = dir.write("plain.gz", "1 1:1\n-1 2:1\n");
  CHECK(read_libsvm(misnamed).rows() == 2);
  // A text that starts "BZh" but has no block-size digit after it is text, not bzip2.
  const auto bzh = dir.write("bzh.csv", "BZh,x\n1,2\n0,3\n");
  CHECK(read_csv(bzh).rows() == 2);
  const auto zstd = dir.write("data.zst", std::string("\x28\xb5\x2f\xfd\x00\x00", 6));
  require_input_error([&] { read_libsvm(zstd); }, zstd, 0, 0, "zstd-compressed, which ef21sim does not read");
  const auto zip = dir.write("data.zip", std::string("PK\x03\x04\x14\x00", 6));
  require_input_error([&] { read_libsvm(zip); }, zip, 0, 0, "decompress it first (unzip)");
}

TEST_CASE("a compressed empty file is an empty file") {
  TempDir dir;
  const auto empty = dir.write("empty", "");
  for (const Tool& tool : kTools) {
    SECTION(tool.name) {
      const auto copy = dir.path() / (std::string("empty.") + tool.name);
      compress(tool, empty, copy);
      require_input_error([&] { read_libsvm(copy); }, copy, 0, 0, "no samples: the file is empty");
      require_input_error([&] { read_csv(copy); }, copy, 0, 0, "no samples: the file is empty");
    }
  }
}

TEST_CASE("LineReader splits lines across its buffer boundaries, long lines and CRLF included") {
  // Lines longer than the reader's buffer (256 KiB) and line ends at every offset around
  // it: the lines come back exactly, from plain and compressed files alike.
  const std::uint64_t seed = test::test_seed(401);
  CAPTURE(seed);
  Rng rng(seed);
  std::vector<std::string> lines;
  std::string text;
  for (int i = 0; i < 400; ++i) {
    const std::size_t length = i % 100 == 7 ? 300000 + rng.below(200000) : rng.below(3000);
    std::string line(length, 'a');
    for (char& c : line) c = static_cast<char>('a' + rng.below(26));
    lines.push_back(line);
    text += line + (i % 3 == 0 ? "\r\n" : "\n");
  }
  lines.push_back("last line without a newline");
  text += lines.back();
  TempDir dir;
  const auto plain = dir.write("lines", text);
  std::vector<std::filesystem::path> files{plain};
  for (const Tool& tool : kTools) {
    files.push_back(dir.path() / (std::string("lines.") + tool.name));
    compress(tool, plain, files.back(), true);
  }
  for (const auto& file : files) {
    INFO(file.filename().string());
    detail::LineReader reader(file, "");
    std::string_view line;
    std::size_t n = 0;
    while (reader.next(line)) {
      REQUIRE(n < lines.size());
      REQUIRE(line == lines[n]);
      ++n;
      REQUIRE(reader.line_number() == static_cast<std::int64_t>(n));
    }
    CHECK(n == lines.size());
    CHECK(reader.text_bytes() == text.size());
  }
}

}  // namespace ef21::data

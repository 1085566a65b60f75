#pragma once
// Reader for dense CSV datasets: one sample per line, LABEL,FEATURE_1,...,FEATURE_d.
//
//  - fields are separated by ',' and may be padded with spaces or tabs; no quoting;
//  - an optional header row is recognised when the first line's first field is not a
//    number (e.g. "label,x1,x2"); its fields are not interpreted, only counted;
//  - every row (the header included) must have the same number of fields, at least 2;
//  - blank lines are skipped wherever they are; "\r\n" endings are fine;
//  - values are decimal or scientific numbers; NaN and Inf are errors.
//  - the file may be plain or gzip, bzip2 or xz compressed (told by its first bytes, read
//    while decompressing: text_input.hpp), as the LIBSVM reader;
// Storage is dense row-major; d = fields - 1. Errors are ef21::InputError at
// FILE:LINE:COLUMN (1-based byte column of the offending field; for a row with too few
// fields, one past its last character).
#include <filesystem>

#include "models/data/dataset.hpp"
#include "models/data/labels.hpp"
#include "models/data/memory_estimate.hpp"

namespace ef21::data {

/// When the rows read so far need more than `max_bytes` (memory_estimate.hpp), throws at the
/// line that crossed it.
Dataset read_csv(const std::filesystem::path& file, LabelMode mode = LabelMode::binary,
                 std::uint64_t max_bytes = kUnlimitedMemory);

}  // namespace ef21::data

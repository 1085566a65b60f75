#pragma once
// Reader for LIBSVM text files, the format of the EF21 paper's datasets (mushrooms, a9a,
// w8a, heart_scale).
//
// Format, one sample per line:   LABEL INDEX:VALUE INDEX:VALUE ...
//  - tokens are separated by spaces or tabs; leading/trailing blanks and "\r\n" endings are fine;
//  - LABEL and VALUE are decimal or scientific numbers (a leading '+' is allowed: "+1");
//  - INDEX is a 1-based integer in [1, 2^31 - 1], strictly increasing within a line;
//  - a line with a label and no pairs is a sample whose features are all zero (w8a has some);
//  - blank (or blank-only) lines are skipped wherever they are, so trailing newlines and
//    accidental empty lines are harmless; comments ('#') are not supported.
// d = the largest index present anywhere in the file (DESIGN §7): no bias column, no
// normalization. Features stay sparse (CSR, compressed). Explicit zero values ("3:0") are
// dropped, so stored_values() counts the true nonzeros.
//
// The file may be plain text or gzip, bzip2 or xz compressed, told by its first bytes (not
// its name) and decompressed while it is read (text_input.hpp: LineReader); line numbers
// are those of the decompressed text.
//
// Every problem in the input throws ef21::InputError located at FILE:LINE:COLUMN (1-based
// byte column of the offending token, or of the offending part of it: the value of an
// index:value pair for a bad value, the first stray character for garbage after a value).
// A file-level problem (missing, empty, one class) carries the file only; corrupt or
// truncated compressed data carries the line being read when it went bad.
#include <filesystem>

#include "models/data/dataset.hpp"
#include "models/data/labels.hpp"
#include "models/data/memory_estimate.hpp"

namespace ef21::data {

/// Reads a LIBSVM file. Binary mode maps the two label values to {-1, +1} (min -> -1)
/// and rejects files with one or more than two distinct labels; raw keeps labels as read.
/// The dataset's name is the file name without directories. When the data read so far needs
/// more than `max_bytes` (memory_estimate.hpp), throws at the line that crossed it.
Dataset read_libsvm(const std::filesystem::path& file, LabelMode mode = LabelMode::binary,
                    std::uint64_t max_bytes = kUnlimitedMemory);

}  // namespace ef21::data

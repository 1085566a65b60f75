#pragma once
// Reading a plug-in's declared keys (models/support/params.hpp) from its scenario table:
// the methods' [algorithm] keys and the compressors' [compressor] keys. The declarations
// give each key's type, range and default; nothing here names a particular key.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/support/params.hpp"
#include "sim/scenario/toml_reader.hpp"

namespace ef21::sim {

/// A plug-in of one family (a method, a compressor): its name and its declared keys.
struct DeclaredPlugin {
  std::string name;
  const std::vector<ParamDecl>* keys = nullptr;
};

/// The value of `decl` in `table`, checked against its type and range; nullopt when absent.
std::optional<ParamValue> read_declared(const TableReader& table, const ParamDecl& decl);

/// The keys `owner` declares, read from `table` with their defaults filled in (keys without
/// a default stay absent unless given). A key that only other plug-ins of the family declare
/// is an error that names them: "`algorithm.momentum` applies to ef21-hb, ef21-sgdm, not to ef21".
ParamSet read_plugin_keys(const TableReader& table, const DeclaredPlugin& owner,
                          const std::vector<DeclaredPlugin>& family);

/// Every key name the family declares (the table's known keys besides its fixed ones).
std::vector<std::string> family_key_names(const std::vector<DeclaredPlugin>& family);

}  // namespace ef21::sim

#pragma once
// The protocol registry: every round protocol declares its name, doc line, what it accepts
// and its factory once; the loader, the writer, `ef21sim list` and the docs read these.
// Adding a protocol = its own files plus one line in protocol_registry.cpp.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/cluster/round_protocol.hpp"

namespace ef21::sim {

struct ProtocolInfo {
  std::string name;  // protocol.kind
  std::string doc;   // one line
  bool needs_server = false;           // every transfer goes through the `server` node
  bool dense_only = false;             // moves dense messages only (identity, k = d)
  bool takes_ring = false;             // protocol.ring applies
  bool takes_deadline = false;         // protocol.round_deadline applies
  bool partial_participation = false;  // participation.fraction < 1 allowed
  bool method_broadcast = false;       // methods with their own server broadcast (ef21-bc) allowed
  /// `ring`: worker ids in ring order (every worker once).
  std::function<std::unique_ptr<RoundProtocol>(ProtocolHost& host, std::vector<std::uint32_t> ring)> make;
};

const std::vector<const ProtocolInfo*>& protocol_registry();
const ProtocolInfo* find_protocol(std::string_view name);
std::vector<std::string> protocol_names();

}  // namespace ef21::sim

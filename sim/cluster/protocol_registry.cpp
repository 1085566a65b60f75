#include "sim/cluster/protocol_registry.hpp"

#include "sim/cluster/ps_protocol.hpp"
#include "sim/cluster/ring_protocol.hpp"

namespace ef21::sim {

const std::vector<const ProtocolInfo*>& protocol_registry() {
  // One line per protocol; each registration is defined in the protocol's own file.
  static const std::vector<const ProtocolInfo*> all{
      &ps_registration(),
      &allgather_registration(),
      &ring_allreduce_registration(),
  };
  return all;
}

const ProtocolInfo* find_protocol(std::string_view name) {
  for (const ProtocolInfo* info : protocol_registry())
    if (info->name == name) return info;
  return nullptr;
}

std::vector<std::string> protocol_names() {
  std::vector<std::string> out;
  for (const ProtocolInfo* info : protocol_registry()) out.push_back(info->name);
  return out;
}

}  // namespace ef21::sim

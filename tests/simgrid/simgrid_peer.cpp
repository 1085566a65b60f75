// simgrid_peer: the reference for ef21sim's flow network (DESIGN §6), run by the
// differential test. Reads a scenario file, simulates it with SimGrid 3.32 made plain
// max-min, and prints every message's completion time.
//
// Usage: simgrid_peer SCENARIO [--time] [--no-restarts] [--cfg=... SimGrid options]
//   --time: also print "simgrid_peer: run wall seconds <s>" on stderr: the wall time of
//   engine.run() alone (the simulation, not reading the scenario nor building the platform).
//   --no-restarts: apply bandwidth changes without restarting transfers (SimGrid's own
//   behaviour, see "Changes" below; for comparison only).
//
// Scenario (whitespace-separated text; bandwidths in bytes/s, times in seconds):
//   links L        then L lines:  <up bytes/s> <down bytes/s>     (up = the link's a -> b)
//   hosts H        (hosts are numbered 0..H-1)
//   routes R       then R lines:  <src> <dst> <k> then k pairs <link> <U|D>
//   [changes C     then C lines:  <time> <link> <U|D> <bytes/s>]     (optional, by time)
//   messages M     then M lines:  <id> <src> <dst> <bytes> <start>
// `start` is the instant the bytes start to flow: the sender has already paid the route
// latency, so every SimGrid link has latency 0 (native CM02 would weight sharing by latency).
// One launcher actor starts a sender actor for each message at its start instant (so only the
// messages in flight have an actor: hundreds of thousands of messages fit in memory).
// Changes: from `time` on, the link direction has the given bandwidth (what a SimGrid
// bandwidth profile event does: Link::set_bandwidth, the bound of the link's max-min
// constraint; the transfers in progress are shared anew at that instant). One controller
// actor applies them.
//   SimGrid also bounds every transfer, when it starts, by the smallest bandwidth on its route
// at that time (CM02's comm_action_set_bounds: the "user bound" of its max-min variable), and
// never lifts that bound: after a bandwidth increase a transfer started earlier stays below
// the new bottleneck capacity even where max-min would give it more. That bound never binds
// while bandwidths are constant (no flow gets more than its route's smallest capacity); to
// keep plain max-min under increases, the controller restarts every transfer crossing a link
// direction whose bandwidth rises, at that instant, with its remaining bytes (a fresh bound).
// Sizes are integers in SimGrid, so with changes every size and bandwidth is scaled by 2^24
// (times are unchanged): a restart rounds the remaining bytes to 2^-25 of an original byte.
// Output: one line per message, "<id> <completion time in s>" with 17 significant digits.
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace sg4 = simgrid::s4u;

namespace {

struct Message {
  long id;
  int src;
  int dst;
  std::uint64_t bytes;
  double start;
  double done = -1;
  // With bandwidth changes: the transfer in progress, and the bytes to restart it with.
  sg4::CommPtr comm;
  std::uint64_t restart_bytes = 0;
  bool restarting = false;
};

struct Change {
  double time;  // s
  std::size_t link;
  bool up;
  double bandwidth;  // bytes/s (scaled)
};

/// Size and bandwidth scale with changes (see the header): exact in double (a power of 2).
constexpr double kChangeScale = 16777216.0;

double read_bandwidth(std::istream& in) {
  std::string word;
  in >> word;
  if (word == "inf") return std::numeric_limits<double>::infinity();
  return std::stod(word);
}

/// prefix + decimal number (appended in place: GCC 12 misreports "s" + std::string as -Wrestrict).
std::string numbered(const char* prefix, long number) {
  std::string name(prefix);
  name += std::to_string(number);
  return name;
}

void expect(std::istream& in, const std::string& keyword) {
  std::string word;
  in >> word;
  if (word != keyword) throw std::runtime_error("scenario: expected '" + keyword + "', got '" + word + "'");
}

}  // namespace

int main(int argc, char** argv) {
  sg4::Engine engine(&argc, argv);  // consumes --cfg= and --log= options
  bool time_it = false;
  bool restarts = true;
  bool usage_error = argc < 2;
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--time") {
      time_it = true;
    } else if (flag == "--no-restarts") {
      restarts = false;
    } else {
      usage_error = true;
    }
  }
  if (usage_error) {
    std::cerr << "usage: simgrid_peer SCENARIO [--time] [--no-restarts] [--cfg=...]\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "simgrid_peer: cannot open " << argv[1] << "\n";
    return 2;
  }

  auto* zone = sg4::create_full_zone("net");
  std::size_t link_count = 0;
  expect(in, "links");
  in >> link_count;
  std::vector<std::pair<double, double>> bandwidths(link_count);
  for (auto& [up, down] : bandwidths) {
    up = read_bandwidth(in);
    down = read_bandwidth(in);
  }
  std::size_t host_count = 0;
  expect(in, "hosts");
  in >> host_count;
  std::size_t route_count = 0;
  expect(in, "routes");
  in >> route_count;
  std::map<std::pair<int, int>, std::vector<std::pair<std::size_t, bool>>> route_links;  // (link, up)
  for (std::size_t i = 0; i < route_count; ++i) {
    int src = 0;
    int dst = 0;
    std::size_t k = 0;
    in >> src >> dst >> k;
    auto& route = route_links[{src, dst}];
    for (std::size_t j = 0; j < k; ++j) {
      std::size_t link = 0;
      std::string dir;
      in >> link >> dir;
      route.emplace_back(link, dir == "U");
    }
  }
  std::string section;
  in >> section;
  std::vector<Change> changes;
  if (section == "changes") {
    std::size_t change_count = 0;
    in >> change_count;
    changes.resize(change_count);
    for (Change& c : changes) {
      std::string dir;
      in >> c.time >> c.link >> dir >> c.bandwidth;
      c.up = dir == "U";
      c.bandwidth *= kChangeScale;
    }
    in >> section;
  }
  const double scale = changes.empty() ? 1.0 : kChangeScale;

  std::vector<sg4::SplitDuplexLink*> links;
  for (std::size_t i = 0; i < link_count; ++i) {
    const double up = bandwidths[i].first * scale;
    const double down = bandwidths[i].second * scale;
    // Each direction is its own resource. An infinite direction never appears in a route
    // (the scenario leaves it out), so any finite placeholder will do for it.
    const double placeholder = 1.0;
    auto* link = zone->create_split_duplex_link(numbered("L", i), std::isinf(up) ? placeholder : up);
    link->get_link_down()->set_bandwidth(std::isinf(down) ? placeholder : down);
    link->set_latency(0);
    link->seal();
    links.push_back(link);
  }
  std::vector<sg4::Host*> hosts;
  for (std::size_t i = 0; i < host_count; ++i)
    hosts.push_back(zone->create_host(numbered("h", static_cast<long>(i)), 1e9)->seal());
  for (const auto& [pair, path] : route_links) {
    std::vector<sg4::LinkInRoute> route;
    for (const auto& [link, up] : path) {
      route.emplace_back(links.at(link),
                         up ? sg4::LinkInRoute::Direction::UP : sg4::LinkInRoute::Direction::DOWN);
    }
    zone->add_route(hosts.at(pair.first)->get_netpoint(), hosts.at(pair.second)->get_netpoint(), nullptr,
                    nullptr, route, false);
  }
  zone->seal();

  std::size_t message_count = 0;
  if (section != "messages") throw std::runtime_error("scenario: expected 'messages', got '" + section + "'");
  in >> message_count;
  std::vector<Message> messages(message_count);
  for (Message& m : messages) in >> m.id >> m.src >> m.dst >> m.bytes >> m.start;
  if (!in) {
    std::cerr << "simgrid_peer: malformed scenario " << argv[1] << "\n";
    return 2;
  }

  std::vector<std::size_t> order(messages.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return messages[a].start < messages[b].start; });
  if (!messages.empty() && changes.empty()) {
    sg4::Actor::create("launcher", hosts.at(0), [&messages, &order, &hosts] {
      for (const std::size_t i : order) {
        Message& m = messages[i];
        sg4::this_actor::sleep_until(m.start);
        sg4::Actor::create(numbered("m", m.id), hosts.at(m.src), [&m, &hosts] {
          sg4::Comm::sendto(hosts.at(m.src), hosts.at(m.dst), m.bytes);
          m.done = sg4::Engine::get_clock();
        });
      }
    });
  }
  if (!messages.empty() && !changes.empty()) {
    // Senders that restart their transfer when the controller cancels it (see the header).
    sg4::Actor::create("launcher", hosts.at(0), [&messages, &order, &hosts] {
      for (const std::size_t i : order) {
        Message& m = messages[i];
        sg4::this_actor::sleep_until(m.start);
        sg4::Actor::create(numbered("m", m.id), hosts.at(m.src), [&m, &hosts] {
          std::uint64_t bytes = m.bytes * static_cast<std::uint64_t>(kChangeScale);
          for (;;) {
            m.comm = sg4::Comm::sendto_async(hosts.at(m.src), hosts.at(m.dst), bytes);
            m.restarting = false;
            try {
              m.comm->wait();
              break;
            } catch (const simgrid::Exception&) {
              // Cancelled by the controller (SimGrid 3.32 reports it as a link failure).
              if (!m.restarting) throw;
              bytes = m.restart_bytes;
            }
          }
          m.comm = nullptr;
          m.done = sg4::Engine::get_clock();
        });
      }
    });
    sg4::Actor::create("changes", hosts.at(0), [&changes, &links, &messages, &route_links, restarts] {
      for (const Change& c : changes) {
        sg4::this_actor::sleep_until(c.time);
        sg4::Link* link = c.up ? links.at(c.link)->get_link_up() : links.at(c.link)->get_link_down();
        const bool increase = c.bandwidth > link->get_bandwidth();
        link->set_bandwidth(c.bandwidth);
        if (!increase || !restarts) continue;
        for (Message& m : messages) {
          if (!m.comm || m.restarting) continue;
          const auto& path = route_links.at({m.src, m.dst});
          if (std::find(path.begin(), path.end(), std::pair{c.link, c.up}) == path.end()) continue;
          const auto rest = static_cast<std::uint64_t>(std::llround(m.comm->get_remaining()));
          if (rest == 0) continue;  // finishing at this instant
          m.restart_bytes = rest;
          m.restarting = true;
          m.comm->cancel();
        }
      }
    });
  }
  const auto t0 = std::chrono::steady_clock::now();
  engine.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (time_it) std::fprintf(stderr, "simgrid_peer: run wall seconds %.9g\n", wall);

  for (const Message& m : messages) std::printf("%ld %.17g\n", m.id, m.done);
  return 0;
}

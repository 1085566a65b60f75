#pragma once
// The SimGrid 3.32 configuration that makes CM02 plain max-min (no correction factors, no
// TCP window, no cross-traffic, no latency weighting), and silences it. Shared by the
// differential test (tests/simgrid) and the network benchmark (tools/bench/network), so both
// run SimGrid set up exactly the same way. Every link has latency 0: the sender has already
// paid the route latency when the flow starts (see simgrid_peer.cpp).
//
// surf/precision (SimGrid's tolerance on simulated times, default 1e-5 s scaled by its
// max-min precision) is tightened to 1e-12: with the default, long chains of contended
// completions (hundreds of flows sharing a link, one finishing every few microseconds) drift
// by up to 1.5 ns from the exact max-min answer; with 1e-12 SimGrid matches it to the
// picosecond. It is a numerical setting, not a change of the sharing model.
namespace ef21::simgrid_ref {

inline constexpr const char* kSimGridOptions =
    " --cfg=network/model:CM02 --cfg=network/latency-factor:1 --cfg=network/bandwidth-factor:1"
    " --cfg=network/weight-S:0 --cfg=network/crosstraffic:0 --cfg=network/TCP-gamma:1e18"
    " --cfg=surf/precision:1e-12"
    " --log=root.thres:critical";

}  // namespace ef21::simgrid_ref

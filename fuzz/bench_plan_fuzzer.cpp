// libFuzzer target: `wasmlet bench` plans (cli::parse_bench_plan over any bytes). Anything
// refused is refused with PlanError; anything accepted stays within the documented bounds, and
// expanding its cells and checking its bounds either works or refuses with PlanError. No
// accepted request target holds a space or control character (it would split the request).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cli/bench_plan.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wasmlet::cli;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  BenchPlan plan;
  try {
    plan = parse_bench_plan(input);
  } catch (const PlanError&) {
    return 0;
  }
  check(!plan.targets.empty());
  check(plan.duration_s > 0 && plan.duration_s <= 600 && std::isfinite(plan.duration_s));
  check(plan.warmup_s >= 0 && plan.warmup_s <= 60);
  check(plan.max_total_s > 0 && plan.max_total_s <= kMaxTotalSeconds);
  check(plan.client_threads >= 1 && plan.client_threads <= 16);
  for (const auto& t : plan.targets) {
    check(!t.name.empty());
    if (t.kind == TargetKind::Http) {
      HttpUrl url = parse_http_url(t.url, "url");  // accepted once: again
      for (char c : url.target) check(static_cast<unsigned char>(c) > 0x20 && c != 0x7f);
    }
    for (char c : t.path) check(static_cast<unsigned char>(c) > 0x20 && c != 0x7f);
    if (t.kind == TargetKind::Composition) check(t.steps.size() >= 2);
  }
  for (int c : plan.matrix.concurrency) check(c >= 1 && c <= 1024);
  CellPlan cells = expand_cells(plan);
  for (const auto& cell : cells.cells) {
    check(cell.target < plan.targets.size());
    check(cell.params.contains("concurrency"));
    check(cell.start == Start::Warm || (cell.concurrency == 1 && cell.trigger == Trigger::Sync));
  }
  try {
    check_bounds(plan, cells, 0);
    check(cells.cells.size() <= kMaxCells);
    check(estimated_seconds(plan, cells) <= plan.max_total_s);
  } catch (const PlanError&) {
  }
  return 0;
}

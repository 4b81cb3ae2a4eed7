#include "runtime/run_queue.h"

#include <fmt/format.h>

#include <algorithm>

namespace wasmlet::runtime {

void RunQueue::push(QueuedCall call) {
  const std::string& tenant = call.invocation.owner();
  auto it = tenants_.find(tenant);
  size_t queued = it == tenants_.end() ? 0 : it->second.calls.size();
  if (queued >= limits_.per_tenant) {
    throw QueueFull(fmt::format("tenant {} has {} calls queued, its limit", tenant, queued));
  }
  if (size_ >= limits_.capacity) throw QueueFull("the run queue is full");
  const size_t input = call.invocation.input.size();
  size_t tenant_bytes = it == tenants_.end() ? 0 : it->second.bytes;
  if (input > limits_.per_tenant_bytes - std::min(tenant_bytes, limits_.per_tenant_bytes)) {
    throw QueueFull(fmt::format(
        "tenant {} has {} bytes of input queued; {} more would pass its limit of {} bytes", tenant,
        tenant_bytes, input, limits_.per_tenant_bytes));
  }
  if (input > limits_.bytes - std::min(bytes_, limits_.bytes)) {
    throw QueueFull(
        fmt::format("the run queue holds {} bytes of input, {} more would pass its "
                    "limit of {} bytes",
                    bytes_, input, limits_.bytes));
  }
  if (it == tenants_.end()) it = tenants_.try_emplace(tenant).first;
  it->second.calls.push_back(std::move(call));
  it->second.bytes += input;
  bytes_ += input;
  ++size_;
}

std::optional<QueuedCall> RunQueue::pop(size_t slots) {
  if (size_ == 0) return std::nullopt;
  // Tenants with work: those with calls queued or running. Linear in them: a handful.
  size_t share = std::max<size_t>(1, (slots + tenants_.size() - 1) / tenants_.size());
  auto best = tenants_.end();
  bool best_under = false;
  for (auto it = tenants_.begin(); it != tenants_.end(); ++it) {
    if (it->second.calls.empty()) continue;
    bool under = it->second.running < share;
    // Under its share beats over it (everyone over: work still does not wait while an
    // executor is free); then the one served least recently.
    if (best == tenants_.end() || (under && !best_under) ||
        (under == best_under && it->second.last_served < best->second.last_served)) {
      best = it;
      best_under = under;
    }
  }
  return pop_from(best);
}

std::optional<QueuedCall> RunQueue::pop_idle_tenant() {
  auto best = tenants_.end();
  for (auto it = tenants_.begin(); it != tenants_.end(); ++it) {
    if (it->second.calls.empty() || it->second.running > 0) continue;
    if (best == tenants_.end() || it->second.last_served < best->second.last_served) best = it;
  }
  if (best == tenants_.end()) return std::nullopt;
  return pop_from(best);
}

bool RunQueue::has_idle_tenant_work() const {
  return std::any_of(tenants_.begin(), tenants_.end(), [](const auto& t) {
    return !t.second.calls.empty() && t.second.running == 0;
  });
}

QueuedCall RunQueue::pop_from(TenantMap::iterator tenant) {
  tenant->second.last_served = ++serves_;
  return remove(tenant, tenant->second.calls.begin());
}

QueuedCall RunQueue::remove(TenantMap::iterator tenant,
                            const std::deque<QueuedCall>::iterator& at) {
  QueuedCall call = std::move(*at);
  tenant->second.calls.erase(at);
  tenant->second.bytes -= call.invocation.input.size();
  bytes_ -= call.invocation.input.size();
  --size_;
  forget_if_idle(tenant);
  return call;
}

std::optional<QueuedCall> RunQueue::take(uint64_t id) {
  for (auto t = tenants_.begin(); t != tenants_.end(); ++t) {
    auto& calls = t->second.calls;
    auto it =
        std::find_if(calls.begin(), calls.end(), [&](const QueuedCall& c) { return c.id == id; });
    if (it == calls.end()) continue;
    return remove(t, it);
  }
  return std::nullopt;
}

std::vector<QueuedCall> RunQueue::take_cancelled() {
  std::vector<QueuedCall> out;
  for (auto t = tenants_.begin(); t != tenants_.end();) {
    std::deque<QueuedCall> kept;
    for (QueuedCall& c : t->second.calls) {
      if (c.invocation.node != nullptr && c.invocation.node->cancelled()) {
        t->second.bytes -= c.invocation.input.size();
        bytes_ -= c.invocation.input.size();
        out.push_back(std::move(c));
      } else {
        kept.push_back(std::move(c));
      }
    }
    size_ -= t->second.calls.size() - kept.size();
    t->second.calls = std::move(kept);
    auto next = std::next(t);
    forget_if_idle(t);
    t = next;
  }
  return out;
}

void RunQueue::started(const std::string& tenant) {
  auto [it, added] = tenants_.try_emplace(tenant);
  ++it->second.running;
  // A tenant that was forgotten while idle comes back as served now, not as new.
  if (added) it->second.last_served = serves_;
}

void RunQueue::finished(const std::string& tenant) {
  auto it = tenants_.find(tenant);
  if (it == tenants_.end() || it->second.running == 0) return;
  --it->second.running;
  forget_if_idle(it);
}

void RunQueue::forget_if_idle(TenantMap::iterator tenant) {
  if (tenant->second.calls.empty() && tenant->second.running == 0) tenants_.erase(tenant);
}

size_t RunQueue::bytes_of(const std::string& tenant) const {
  auto it = tenants_.find(tenant);
  return it == tenants_.end() ? 0 : it->second.bytes;
}

std::pair<size_t, size_t> RunQueue::load(const std::string& tenant) const {
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return {0, 0};
  return {it->second.calls.size(), it->second.running};
}

}  // namespace wasmlet::runtime

#include "runtime/run_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace wasmlet::runtime {
namespace {

QueuedCall call(uint64_t id, const std::string& user, size_t input_bytes) {
  QueuedCall c;
  c.id = id;
  c.invocation.function = {user, "f"};
  c.invocation.input.assign(input_bytes, 'x');
  return c;
}

std::string refusal(RunQueue& queue, QueuedCall c) {
  try {
    queue.push(std::move(c));
  } catch (const QueueFull& e) {
    return e.what();
  }
  return "";
}

TEST(RunQueue, InputBytesAreCappedPerTenantAndInAll) {
  RunQueue queue({.capacity = 100, .per_tenant = 100, .bytes = 1000, .per_tenant_bytes = 600});
  queue.push(call(1, "alice", 400));
  queue.push(call(2, "alice", 200));
  EXPECT_EQ(queue.bytes_of("alice"), 600U);
  // One byte more than alice's share: refused, naming her and the limit.
  std::string why = refusal(queue, call(3, "alice", 1));
  EXPECT_NE(why.find("tenant alice"), std::string::npos) << why;
  EXPECT_NE(why.find("600"), std::string::npos) << why;
  // An empty input still queues: the count caps those.
  EXPECT_EQ(refusal(queue, call(4, "alice", 0)), "");

  // Bob has his own share, until the whole queue's is spent.
  queue.push(call(5, "bob", 400));
  why = refusal(queue, call(6, "bob", 1));
  EXPECT_NE(why.find("run queue holds 1000 bytes"), std::string::npos) << why;
  EXPECT_EQ(queue.bytes(), 1000U);

  // Bytes come back as calls leave, whichever way they leave.
  ASSERT_TRUE(queue.take(2).has_value());
  EXPECT_EQ(queue.bytes_of("alice"), 400U);
  auto next = queue.pop(2);
  ASSERT_TRUE(next.has_value());
  while (queue.pop(2)) {
  }
  EXPECT_EQ(queue.bytes(), 0U);
  EXPECT_EQ(queue.bytes_of("alice"), 0U);
  EXPECT_EQ(queue.bytes_of("bob"), 0U);
  EXPECT_EQ(refusal(queue, call(7, "bob", 600)), "");
}

TEST(RunQueue, OneCallLargerThanATenantsShareIsRefusedWithoutOverflow) {
  RunQueue queue({.capacity = 10, .per_tenant = 10, .bytes = 1000, .per_tenant_bytes = 500});
  std::string why = refusal(queue, call(1, "alice", 501));
  EXPECT_NE(why.find("501 more"), std::string::npos) << why;
  EXPECT_EQ(queue.size(), 0U);
  EXPECT_EQ(queue.bytes(), 0U);
}

TEST(RunQueue, CancelledCallsGiveTheirBytesBack) {
  RunQueue queue({.capacity = 10, .per_tenant = 10, .bytes = 1000, .per_tenant_bytes = 1000});
  QueuedCall doomed = call(1, "alice", 300);
  doomed.invocation.node = CallNode::root(CallBudget{});
  std::shared_ptr<CallNode> node = doomed.invocation.node;
  queue.push(std::move(doomed));
  queue.push(call(2, "alice", 200));
  node->cancel("test");
  EXPECT_EQ(queue.take_cancelled().size(), 1U);
  EXPECT_EQ(queue.bytes_of("alice"), 200U);
  EXPECT_EQ(queue.bytes(), 200U);
}

}  // namespace
}  // namespace wasmlet::runtime

// The cost of tenancy on the request path: authenticate() with a valid key among 1,000 (one
// hash-map lookup under a reader lock, one HMAC-SHA256), next to the same lookup without the
// HMAC (the baseline), the two ways of computing the HMAC (OpenSSL's one-shot HMAC() and a
// copy of a context keyed once, which the store uses), and RateLimiter admission.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <filesystem>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/api_key.h"
#include "auth/rate_limiter.h"
#include "auth/tenant_store.h"
#include "server/access_gate.h"
#include "util/error.h"
#include "util/files.h"

namespace {

using namespace wasmlet;

constexpr int kKeys = 1000;

// One store with 1,000 keys of 10 tenants, made once for every benchmark.
struct Keys {
  util::TempDir dir{std::filesystem::temp_directory_path(), "auth-bench"};
  std::unique_ptr<auth::TenantStore> store;
  std::vector<auth::ApiKey> keys;

  Keys() {
    store = std::make_unique<auth::TenantStore>(dir.path());
    for (int t = 0; t < 10; ++t)
      store->add_tenant("tenant" + std::to_string(t), auth::Role::Tenant);
    for (int i = 0; i < kKeys; ++i) {
      keys.push_back(store->create_key("tenant" + std::to_string(i % 10), "bench"));
    }
  }
};

Keys& keys() {
  static Keys k;
  return k;
}

void BM_Authenticate(benchmark::State& state) {
  Keys& k = keys();
  const auth::ApiKey& key = k.keys[kKeys / 2];
  for (auto _ : state) {
    auto who = k.store->authenticate(key);
    if (!who) state.SkipWithError("the key did not authenticate");
    benchmark::DoNotOptimize(who);
  }
}
BENCHMARK(BM_Authenticate)->Threads(1)->Threads(2);

void BM_AuthenticateWrongSecret(benchmark::State& state) {
  Keys& k = keys();
  auth::ApiKey key = k.keys[kKeys / 2];
  key.secret = auth::generate_key().secret;
  for (auto _ : state) benchmark::DoNotOptimize(k.store->authenticate(key));
}
BENCHMARK(BM_AuthenticateWrongSecret);

// The baseline: the store's lookup (the same map, lock and copy of the principal), no HMAC.
struct Record {
  std::string tenant, id;
  std::array<unsigned char, 32> hash{};
};
struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

void BM_LookupWithoutHmac(benchmark::State& state) {
  Keys& k = keys();
  static std::shared_mutex mutex;
  static const auto map = [&] {
    std::unordered_map<std::string, Record, NameHash, std::equal_to<>> m;
    for (int i = 0; i < kKeys; ++i) {
      m.emplace(k.keys[i].id, Record{"tenant" + std::to_string(i % 10), k.keys[i].id, {}});
    }
    return m;
  }();
  const auth::ApiKey& key = k.keys[kKeys / 2];
  for (auto _ : state) {
    std::shared_lock lock(mutex);
    auto it = map.find(key.id);
    std::string tenant = it->second.tenant;
    std::string id = it->second.id;
    benchmark::DoNotOptimize(tenant);
    benchmark::DoNotOptimize(id);
  }
}
BENCHMARK(BM_LookupWithoutHmac)->Threads(1)->Threads(2);

const std::string kHmacKey(32, 'k');

void BM_HmacOneShot(benchmark::State& state) {
  const std::string& secret = keys().keys[0].secret;
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned len = 0;
  for (auto _ : state) {
    HMAC(EVP_sha256(), kHmacKey.data(), static_cast<int>(kHmacKey.size()),
         reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), out.data(), &len);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_HmacOneShot);

void BM_HmacKeyedContextCopy(benchmark::State& state) {
  const std::string& secret = keys().keys[0].secret;
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* base = EVP_MAC_CTX_new(mac);
  std::array<char, 7> digest{"SHA256"};
  std::array<OSSL_PARAM, 2> params{OSSL_PARAM_construct_utf8_string("digest", digest.data(), 0),
                                   OSSL_PARAM_construct_end()};
  EVP_MAC_init(base, reinterpret_cast<const unsigned char*>(kHmacKey.data()), kHmacKey.size(),
               params.data());
  std::array<unsigned char, 32> out{};
  for (auto _ : state) {
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(base);
    size_t len = 0;
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    EVP_MAC_final(ctx, out.data(), &len, out.size());
    EVP_MAC_CTX_free(ctx);
    benchmark::DoNotOptimize(out);
  }
  EVP_MAC_CTX_free(base);
  EVP_MAC_free(mac);
}
BENCHMARK(BM_HmacKeyedContextCopy);

void BM_RateLimiterAdmitRelease(benchmark::State& state) {
  static auth::RateLimiter limiter;
  auth::Quotas q;
  q.calls_per_second = 1e9;
  q.burst = 1'000'000'000;
  std::string tenant = "tenant" + std::to_string(state.thread_index());
  for (auto _ : state) {
    auto a = limiter.admit(tenant, q);
    if (!a.permit) state.SkipWithError("refused");
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_RateLimiterAdmitRelease)->Threads(1)->Threads(2);

// What the server adds to a call from outside: the gate's whole check of an invoke request
// (Bearer header parsed, key authenticated, owner checked, quotas admitted, the permit made and
// released), against the same check on an open server (no keys), which admits at once.
void gate_check(benchmark::State& state, bool keyed) {
  Keys& k = keys();
  util::TempDir open_dir{std::filesystem::temp_directory_path(), "auth-bench-open"};
  auth::TenantStore open_store(open_dir.path());
  server::AccessGate gate(keyed ? k.store.get() : &open_store);
  const auth::ApiKey& key = k.keys[kKeys / 2];  // a key of tenant0
  auth::Quotas unlimited;
  unlimited.calls_per_second = 1e9;
  unlimited.burst = 1'000'000'000;
  k.store->set_quotas("tenant0", unlimited);
  server::Request request{server::http::verb::post, "/v1/functions/tenant0/echo:invoke", 11};
  request.set(server::http::field::authorization, "Bearer " + key.text());
  const server::RoutePolicy policy{.access = server::Access::Invoke, .action = "invoke"};
  const std::vector<std::string> params = {"tenant0", "echo"};
  for (auto _ : state) {
    server::Grant grant = gate.check(request, policy, params, "127.0.0.1");
    benchmark::DoNotOptimize(grant);
  }
}
void BM_GateCheckKeyed(benchmark::State& state) { gate_check(state, true); }
void BM_GateCheckOpen(benchmark::State& state) { gate_check(state, false); }
BENCHMARK(BM_GateCheckKeyed);
BENCHMARK(BM_GateCheckOpen);

}  // namespace

BENCHMARK_MAIN();

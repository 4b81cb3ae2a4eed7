// auth/tenant_store: tenants, keys, quotas and grants, kept in DATA_DIR/auth and read back
// after a restart; only keyed hashes of keys reach the disk.
#include "auth/tenant_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "auth/access_json.h"
#include "test_support.h"
#include "util/files.h"

namespace wasmlet::auth {
namespace {

namespace fs = std::filesystem;

fs::path fresh() { return test::fresh_test_dir("auth-store"); }

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

TEST(TenantStore, AddListRemoveTenants) {
  TenantStore store(fresh());
  EXPECT_TRUE(store.tenants().empty());
  TenantInfo alice = store.add_tenant("alice", Role::Tenant);
  EXPECT_EQ(alice.name, "alice");
  EXPECT_EQ(alice.role, Role::Tenant);
  EXPECT_GT(alice.created_unix, 0);
  store.add_tenant("root", Role::Admin);
  auto all = store.tenants();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "alice");
  EXPECT_EQ(all[1].role, Role::Admin);
  EXPECT_THROW(store.add_tenant("alice", Role::Admin), AlreadyExists);
  store.remove_tenant("alice");
  EXPECT_FALSE(store.tenant("alice"));
  EXPECT_THROW(store.remove_tenant("alice"), NotFound);
}

TEST(TenantStore, RefusesBadNames) {
  TenantStore store(fresh());
  const std::string bad[] = {
      "", ".", "..", "a/b", "a b", std::string(65, 'a'), std::string("a\0b", 3), "caf\xc3\xa9"};
  for (const auto& name : bad) {
    EXPECT_THROW(store.add_tenant(name, Role::Tenant), AccessStoreError) << name;
  }
  EXPECT_NO_THROW(store.add_tenant(std::string(64, 'a'), Role::Tenant));
  EXPECT_NO_THROW(store.add_tenant("A-b_c.9", Role::Tenant));
}

TEST(TenantStore, KeysAuthenticate) {
  TenantStore store(fresh());
  EXPECT_FALSE(store.has_keys());
  store.add_tenant("alice", Role::Tenant);
  store.add_tenant("root", Role::Admin);
  ApiKey key = store.create_key("alice", "laptop");
  EXPECT_TRUE(store.has_keys());
  auto who = store.authenticate(key);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->tenant, "alice");
  EXPECT_EQ(who->role, Role::Tenant);
  EXPECT_EQ(who->key_id, key.id);
  EXPECT_FALSE(who->admin());
  EXPECT_TRUE(who->may_act_for("alice"));
  EXPECT_FALSE(who->may_act_for("bob"));

  auto admin = store.authenticate(store.create_key("root", ""));
  ASSERT_TRUE(admin);
  EXPECT_TRUE(admin->may_act_for("bob"));

  ApiKey wrong = key;
  wrong.secret = generate_key().secret;
  EXPECT_FALSE(store.authenticate(wrong));
  ApiKey unknown = generate_key();
  EXPECT_FALSE(store.authenticate(unknown));
  EXPECT_THROW(store.create_key("nobody", ""), NotFound);
}

TEST(TenantStore, RevokedKeysStopWorking) {
  TenantStore store(fresh());
  store.add_tenant("alice", Role::Tenant);
  ApiKey a = store.create_key("alice", "a");
  ApiKey b = store.create_key("alice", "b");
  store.revoke_key(a.id);
  EXPECT_FALSE(store.authenticate(a));
  EXPECT_TRUE(store.authenticate(b));
  EXPECT_THROW(store.revoke_key(a.id), NotFound);
  ASSERT_EQ(store.keys().size(), 1u);
  EXPECT_EQ(store.keys()[0].id, b.id);
  EXPECT_EQ(store.keys()[0].label, "b");
}

TEST(TenantStore, RemovingATenantRevokesItsKeysAndGrants) {
  TenantStore store(fresh());
  store.add_tenant("alice", Role::Tenant);
  store.add_tenant("bob", Role::Tenant);
  ApiKey a = store.create_key("alice", "");
  ApiKey b = store.create_key("bob", "");
  store.set_public(ObjectKind::Function, "alice", "echo", true);
  store.share_function("alice", "echo", "bob", true);
  store.share_function("bob", "echo", "alice", true);
  store.remove_tenant("alice");
  EXPECT_FALSE(store.authenticate(a));
  EXPECT_TRUE(store.authenticate(b));
  EXPECT_TRUE(store.keys_of("alice").empty());
  EXPECT_EQ(store.keys_of("bob").size(), 1u);
  EXPECT_FALSE(store.is_public(ObjectKind::Function, "alice", "echo"));
  EXPECT_FALSE(store.is_shared("alice", "echo", "bob"));
  EXPECT_FALSE(store.is_shared("bob", "echo", "alice"));
}

TEST(TenantStore, ReopeningKeepsEverything) {
  fs::path dir = fresh();
  ApiKey key;
  Quotas q;
  q.burst = 9;
  {
    TenantStore store(dir);
    store.add_tenant("alice", Role::Tenant);
    store.add_tenant("root", Role::Admin);
    key = store.create_key("alice", "ci runner");
    store.set_quotas("alice", q);
    store.set_public(ObjectKind::App, "alice", "site", true);
    store.share_function("alice", "echo", "root", true);
  }
  TenantStore store(dir);
  ASSERT_EQ(store.tenants().size(), 2u);
  EXPECT_EQ(store.tenant("root")->role, Role::Admin);
  EXPECT_EQ(store.quotas("alice"), q);
  auto who = store.authenticate(key);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->tenant, "alice");
  ASSERT_EQ(store.keys_of("alice").size(), 1u);
  EXPECT_EQ(store.keys_of("alice")[0].label, "ci runner");
  EXPECT_TRUE(store.is_public(ObjectKind::App, "alice", "site"));
  EXPECT_FALSE(store.is_public(ObjectKind::Function, "alice", "site"));
  EXPECT_TRUE(store.is_shared("alice", "echo", "root"));
}

TEST(TenantStore, TheFileHoldsNoSecretAndIsPrivate) {
  fs::path dir = fresh();
  ApiKey key;
  {
    TenantStore store(dir);
    store.add_tenant("alice", Role::Tenant);
    key = store.create_key("alice", "");
  }
  std::string text = util::read_text_file(dir / "auth" / "access.json");
  EXPECT_EQ(text.find(key.secret), std::string::npos);
  EXPECT_EQ(text.find(key.text()), std::string::npos);
  EXPECT_NE(text.find(key.id), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(text)["format"], 1);
  EXPECT_EQ(mode_of(dir / "auth" / "access.json"), 0600u);
  EXPECT_EQ(mode_of(dir / "auth" / "key-hash.secret"), 0600u);
  EXPECT_EQ(mode_of(dir / "auth"), 0700u);
  EXPECT_EQ(fs::file_size(dir / "auth" / "key-hash.secret"), 32u);
}

TEST(TenantStore, ACorruptFileThrowsAndIsKept) {
  fs::path dir = fresh();
  {
    TenantStore store(dir);
    store.add_tenant("alice", Role::Tenant);
  }
  fs::path file = dir / "auth" / "access.json";
  std::string good = util::read_text_file(file);
  const std::string corrupt[] = {
      R"({"format": 1, "tenants": [)",
      "[]",
      R"({"format": 2, "tenants": [], "keys": [], "public": [], "shares": []})",
      R"({"format": 1, "tenants": [{"name": "../x"}], "keys": [], "public": [], "shares": []})",
      R"({"format": 1, "tenants": [], "keys": [{"id": "0123456789abcdef", "tenant": "ghost",
          "label": "", "created_unix": 1, "hmac_sha256": ""}], "public": [], "shares": []})",
  };
  for (const auto& bad : corrupt) {
    util::write_file_atomic(file, bad, 0600);
    try {
      TenantStore store(dir);
      ADD_FAILURE() << "opened " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    }
    EXPECT_EQ(util::read_text_file(file), bad);  // never replaced
  }
}

TEST(TenantStore, ASecretOfTheWrongSizeRefusesToStart) {
  fs::path dir = fresh();
  { TenantStore store(dir); }
  util::write_file_atomic(dir / "auth" / "key-hash.secret", "short", 0600);
  EXPECT_THROW(TenantStore store(dir), Error);
}

TEST(TenantStore, OneStorePerDirectory) {
  fs::path dir = fresh();
  TenantStore first(dir);
  EXPECT_THROW(TenantStore second(dir), Error);
}

TEST(TenantStore, Quotas) {
  Quotas defaults;
  defaults.max_functions = 5;
  TenantStore store(fresh(), defaults);
  store.add_tenant("alice", Role::Tenant);
  EXPECT_EQ(store.quotas("alice"), defaults);
  EXPECT_EQ(store.quotas("stranger"), defaults);  // open mode: no tenant, the defaults
  Quotas q = defaults;
  q.calls_per_second = 3;
  store.set_quotas("alice", q);
  EXPECT_EQ(store.quotas("alice"), q);
  EXPECT_EQ(store.tenant("alice")->quotas, q);
  EXPECT_THROW(store.set_quotas("bob", q), NotFound);
}

TEST(TenantStore, Grants) {
  TenantStore store(fresh());
  EXPECT_FALSE(store.is_public(ObjectKind::Function, "alice", "echo"));
  store.set_public(ObjectKind::Function, "alice", "echo", true);
  store.set_public(ObjectKind::Workflow, "alice", "flow", true);
  EXPECT_TRUE(store.is_public(ObjectKind::Function, "alice", "echo"));
  EXPECT_FALSE(store.is_public(ObjectKind::Workflow, "alice", "echo"));
  store.share_function("alice", "echo", "bob", true);
  EXPECT_TRUE(store.is_shared("alice", "echo", "bob"));
  EXPECT_FALSE(store.is_shared("alice", "echo", "carol"));
  store.share_function("alice", "echo", "bob", false);
  EXPECT_FALSE(store.is_shared("alice", "echo", "bob"));
  store.share_function("alice", "echo", "bob", true);
  store.forget_object(ObjectKind::Function, "alice", "echo");
  EXPECT_FALSE(store.is_public(ObjectKind::Function, "alice", "echo"));
  EXPECT_FALSE(store.is_shared("alice", "echo", "bob"));
  EXPECT_TRUE(store.is_public(ObjectKind::Workflow, "alice", "flow"));
  store.set_public(ObjectKind::Workflow, "alice", "flow", false);
  EXPECT_FALSE(store.is_public(ObjectKind::Workflow, "alice", "flow"));
  EXPECT_THROW(store.set_public(ObjectKind::App, "al/ice", "x", true), AccessStoreError);
  EXPECT_THROW(store.share_function("alice", "echo", "..", true), AccessStoreError);
}

TEST(TenantStore, LabelsAreBounded) {
  TenantStore store(fresh());
  store.add_tenant("alice", Role::Tenant);
  EXPECT_NO_THROW(store.create_key("alice", std::string(128, 'x')));
  EXPECT_THROW(store.create_key("alice", std::string(129, 'x')), AccessStoreError);
  EXPECT_THROW(store.create_key("alice", "a\nb"), AccessStoreError);
  EXPECT_THROW(store.create_key("alice", "\xff"), AccessStoreError);
}

TEST(TenantStore, ReadersAuthenticateWhileKeysChange) {
  TenantStore store(fresh());
  store.add_tenant("alice", Role::Tenant);
  ApiKey key = store.create_key("alice", "");
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::jthread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        if (!store.authenticate(key)) failures.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 50; ++i) store.revoke_key(store.create_key("alice", "churn").id);
  done = true;
  readers.clear();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store.keys().size(), 1u);
}

TEST(TenantStore, AdminApiShapes) {
  TenantStore store(fresh());
  TenantInfo t = store.add_tenant("alice", Role::Admin);
  ApiKey key = store.create_key("alice", "laptop");
  auto tj = tenant_to_json(t);
  EXPECT_EQ(tj["name"], "alice");
  EXPECT_EQ(tj["role"], "admin");
  EXPECT_EQ(tj["quotas"]["burst"], t.quotas.burst);
  auto kj = key_to_json(store.keys()[0]);
  EXPECT_EQ(kj["id"], key.id);
  EXPECT_EQ(kj["tenant"], "alice");
  EXPECT_EQ(kj["label"], "laptop");
  EXPECT_FALSE(kj.contains("key"));
}

}  // namespace
}  // namespace wasmlet::auth

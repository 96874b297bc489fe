// One contract suite for both directory stores: memory, and Redis against a real redis-server.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "services/common/status.h"
#include "services/directory/directory_util.h"
#include "services/directory/memory_directory_store.h"
#include "services/directory/redis_directory_store.h"
#include "tests/support/processes.h"

namespace hotdesk {
namespace {

using testing::RedisServer;

template <typename T, typename Fn>
absl::StatusOr<T> Sync(Fn fn) {
  auto p = std::make_shared<std::promise<absl::StatusOr<T>>>();
  auto f = p->get_future();
  fn([p](absl::StatusOr<T> r) { p->set_value(std::move(r)); });
  return f.get();
}

absl::Time Deadline() { return absl::Now() + absl::Seconds(5); }

v1::Device MakeDevice(const std::string& mac, const std::string& ext) {
  v1::Device d;
  d.set_tenant("acme");
  d.set_mac(mac);
  d.set_hotdesk_extension(ext);
  d.set_display_name("Desk " + ext);
  return d;
}

v1::Guest MakeGuest(const std::string& id) {
  v1::Guest g;
  g.set_tenant("acme");
  g.set_id(id);
  g.set_display_name("Guest " + id);
  g.set_hotdesking_enabled(true);
  return g;
}

class DirectoryStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      store_ = std::make_unique<MemoryDirectoryStore>();
      return;
    }
    redis_ = std::make_unique<RedisServer>();
    ASSERT_TRUE(redis_->Start());
    RedisConfig cfg;
    cfg.port = redis_->port();
    client_ = std::make_unique<RedisClient>(cfg);
    client_->Start();
    for (int i = 0; i < 100 && !client_->Healthy(); ++i) absl::SleepFor(absl::Milliseconds(20));
    ASSERT_TRUE(client_->Healthy());
    store_ = std::make_unique<RedisDirectoryStore>(client_.get(), "hotdesk");
  }
  void TearDown() override {
    store_.reset();
    if (client_) client_->Stop();
  }

  absl::StatusOr<v1::Device> Create(const v1::Device& d) {
    return Sync<v1::Device>([&](auto done) { store_->CreateDevice(d, Deadline(), done); });
  }
  absl::StatusOr<v1::Device> Get(const std::string& mac) {
    return Sync<v1::Device>([&](auto done) { store_->GetDevice("acme", mac, Deadline(), done); });
  }
  absl::StatusOr<v1::Device> ByExt(const std::string& ext) {
    return Sync<v1::Device>(
        [&](auto done) { store_->GetDeviceByExtension("acme", ext, Deadline(), done); });
  }
  absl::StatusOr<v1::Device> SetExt(const std::string& mac, const std::string& ext) {
    return Sync<v1::Device>([&](auto done) {
      store_->UpdateDevice(
          "acme", mac,
          [ext](v1::Device* d) {
            d->set_hotdesk_extension(ext);
            return absl::OkStatus();
          },
          Deadline(), done);
    });
  }
  absl::StatusOr<v1::Guest> CreateGuest(const v1::Guest& g, const std::string& hash) {
    return Sync<v1::Guest>([&](auto done) { store_->CreateGuest(g, hash, Deadline(), done); });
  }
  absl::StatusOr<v1::Guest> GetGuest(const std::string& id) {
    return Sync<v1::Guest>([&](auto done) { store_->GetGuest("acme", id, Deadline(), done); });
  }
  // Three attempts, `lockout`, no escalation and no budgets: the per-guest rules alone.
  absl::StatusOr<PinAttempt> Begin(const std::string& id, absl::Duration lockout) {
    PinLimits l;
    l.max_attempts = 3;
    l.lockout = lockout;
    l.max_lockout = lockout;
    l.per_source = 0;
    l.per_tenant = 0;
    return Begin(id, "src", l);
  }
  absl::StatusOr<PinAttempt> Begin(const std::string& id, const std::string& source,
                                   const PinLimits& limits) {
    return Sync<PinAttempt>([&](auto done) {
      store_->BeginPinAttempt("acme", id, source, limits, Deadline(), done);
    });
  }
  bool Accepted(const std::string& id, const std::string& hash, const std::string& source = "src") {
    auto r = Sync<bool>(
        [&](auto done) { store_->PinAccepted("acme", id, hash, source, Deadline(), done); });
    return r.ok() && *r;
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<DirectoryStore> store_;
};

TEST_P(DirectoryStoreTest, DeviceCrudWithExtensionUniqueness) {
  auto d = Create(MakeDevice("0015657a1b2c", "HD0001"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->has_create_time());
  EXPECT_EQ(Get("0015657a1b2c")->hotdesk_extension(), "HD0001");
  EXPECT_EQ(ByExt("HD0001")->mac(), "0015657a1b2c");

  auto dup_mac = Create(MakeDevice("0015657a1b2c", "HD0009"));
  EXPECT_EQ(dup_mac.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorReason(dup_mac.status()), "DEVICE_EXISTS");
  auto dup_ext = Create(MakeDevice("0015657a1b2d", "HD0001"));
  EXPECT_EQ(ErrorReason(dup_ext.status()), "EXTENSION_TAKEN");
  EXPECT_EQ(Get("0015657a1b2d").status().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(Create(MakeDevice("0015657a1b2d", "HD0002")).ok());
  // Taking another device's extension is refused and changes nothing.
  EXPECT_EQ(ErrorReason(SetExt("0015657a1b2d", "HD0001").status()), "EXTENSION_TAKEN");
  EXPECT_EQ(ByExt("HD0002")->mac(), "0015657a1b2d");
  // Moving to a free extension releases the old one.
  ASSERT_TRUE(SetExt("0015657a1b2d", "HD0003").ok());
  EXPECT_EQ(ByExt("HD0003")->mac(), "0015657a1b2d");
  EXPECT_EQ(ByExt("HD0002").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Create(MakeDevice("0015657a1b2e", "HD0002")).ok());

  auto del = Sync<v1::Device>(
      [&](auto done) { store_->DeleteDevice("acme", "0015657a1b2c", Deadline(), done); });
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->hotdesk_extension(), "HD0001");
  EXPECT_EQ(Get("0015657a1b2c").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ByExt("HD0001").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Create(MakeDevice("0015657a1b2f", "HD0001")).ok());
  // Other tenants are separate.
  v1::Device other = MakeDevice("0015657a1b2c", "HD0001");
  other.set_tenant("globex");
  EXPECT_TRUE(Create(other).ok());
}

TEST_P(DirectoryStoreTest, ListsEveryDeviceAcrossPages) {
  for (int i = 0; i < 25; ++i) {
    char mac[13];
    std::snprintf(mac, sizeof mac, "0015657a%04x", i);
    ASSERT_TRUE(Create(MakeDevice(mac, "HD" + std::to_string(1000 + i))).ok());
  }
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = Sync<DevicePage>(
        [&](auto done) { store_->ListDevices("acme", 10, token, Deadline(), done); });
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& d : page->devices) seen.insert(d.mac());
    token = page->next_page_token;
    ASSERT_LT(++pages, 50);
  } while (!token.empty());
  EXPECT_EQ(seen.size(), 25u);
  auto bad = Sync<DevicePage>(
      [&](auto done) { store_->ListDevices("acme", 10, "garbage", Deadline(), done); });
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(DirectoryStoreTest, GuestCrudAndPinFlags) {
  auto g = CreateGuest(MakeGuest("101"), "");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_FALSE(g->has_pin());
  EXPECT_EQ(ErrorReason(CreateGuest(MakeGuest("101"), "").status()), "GUEST_EXISTS");
  auto up = Sync<v1::Guest>([&](auto done) {
    store_->UpdateGuest(
        "acme", "101",
        [](v1::Guest* g) {
          g->set_hotdesking_enabled(false);
          return absl::OkStatus();
        },
        Deadline(), done);
  });
  ASSERT_TRUE(up.ok());
  EXPECT_FALSE(GetGuest("101")->hotdesking_enabled());
  auto set = Sync<v1::Guest>(
      [&](auto done) { store_->SetPinHash("acme", "101", "$argon2id$fake", Deadline(), done); });
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(GetGuest("101")->has_pin());
  auto no_pin = Begin("102", absl::Seconds(1));
  EXPECT_EQ(no_pin.status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(CreateGuest(MakeGuest("102"), "").ok());
  EXPECT_EQ(Begin("102", absl::Seconds(1))->kind, PinAttempt::Kind::kNoPin);
  auto page =
      Sync<GuestPage>([&](auto done) { store_->ListGuests("acme", 100, "", Deadline(), done); });
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->guests.size(), 2u);
  auto del =
      Sync<v1::Guest>([&](auto done) { store_->DeleteGuest("acme", "101", Deadline(), done); });
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(GetGuest("101").status().code(), absl::StatusCode::kNotFound);
  // Re-created guest does not inherit the old PIN.
  EXPECT_FALSE(CreateGuest(MakeGuest("101"), "")->has_pin());
}

TEST_P(DirectoryStoreTest, ThreeFailuresLockUntilTheLockoutRunsOut) {
  ASSERT_TRUE(CreateGuest(MakeGuest("101"), "$argon2id$h1").ok());
  auto a1 = Begin("101", absl::Milliseconds(800));
  ASSERT_EQ(a1->kind, PinAttempt::Kind::kProceed);
  EXPECT_EQ(a1->hash, "$argon2id$h1");
  EXPECT_EQ(a1->failures, 1);
  EXPECT_EQ(GetGuest("101")->failed_attempts(), 1);
  EXPECT_EQ(Begin("101", absl::Milliseconds(800))->failures, 2);
  auto a3 = Begin("101", absl::Milliseconds(800));
  ASSERT_EQ(a3->kind, PinAttempt::Kind::kProceed);
  EXPECT_EQ(a3->failures, 3);
  EXPECT_GT(a3->locked_until, absl::Now());
  EXPECT_TRUE(GetGuest("101")->has_locked_until());
  auto a4 = Begin("101", absl::Milliseconds(800));
  EXPECT_EQ(a4->kind, PinAttempt::Kind::kLocked);
  absl::SleepFor(absl::Milliseconds(900));
  EXPECT_FALSE(GetGuest("101")->has_locked_until());
  auto a5 = Begin("101", absl::Milliseconds(800));
  ASSERT_EQ(a5->kind, PinAttempt::Kind::kProceed);
  EXPECT_EQ(a5->failures, 1);
  // A match clears the count; a stale hash (PIN changed meanwhile) does not.
  EXPECT_FALSE(Accepted("101", "$argon2id$old"));
  EXPECT_EQ(GetGuest("101")->failed_attempts(), 1);
  EXPECT_TRUE(Accepted("101", "$argon2id$h1"));
  EXPECT_EQ(GetGuest("101")->failed_attempts(), 0);
}

TEST_P(DirectoryStoreTest, SetPinClearsLockout) {
  ASSERT_TRUE(CreateGuest(MakeGuest("101"), "$argon2id$h1").ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Begin("101", absl::Minutes(10)).ok());
  EXPECT_EQ(Begin("101", absl::Minutes(10))->kind, PinAttempt::Kind::kLocked);
  ASSERT_TRUE(Sync<v1::Guest>([&](auto done) {
                store_->SetPinHash("acme", "101", "$argon2id$h2", Deadline(), done);
              }).ok());
  auto a = Begin("101", absl::Minutes(10));
  ASSERT_EQ(a->kind, PinAttempt::Kind::kProceed);
  EXPECT_EQ(a->hash, "$argon2id$h2");
}

TEST_P(DirectoryStoreTest, ConcurrentGuessesNeverExceedTheBudget) {
  ASSERT_TRUE(CreateGuest(MakeGuest("101"), "$argon2id$h1").ok());
  std::atomic<int> proceeded{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto a = Begin("101", absl::Minutes(10));
      if (a.ok() && a->kind == PinAttempt::Kind::kProceed) ++proceeded;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(proceeded.load(), 3);
}

TEST_P(DirectoryStoreTest, EachLockoutInARowLastsTwiceAsLongUntilACorrectPin) {
  ASSERT_TRUE(CreateGuest(MakeGuest("101"), "$argon2id$h1").ok());
  PinLimits l;
  l.max_attempts = 2;
  l.lockout = absl::Milliseconds(300);
  l.max_lockout = absl::Milliseconds(1000);
  l.per_source = l.per_tenant = 0;
  auto lock_once = [&]() -> absl::Duration {
    // Wait out any lockout, then use both tries.
    for (absl::Time end = absl::Now() + absl::Seconds(5); absl::Now() < end;) {
      auto a = Begin("101", "src", l);
      if (a.ok() && a->kind == PinAttempt::Kind::kProceed) {
        auto b = Begin("101", "src", l);
        EXPECT_EQ(b->kind, PinAttempt::Kind::kProceed);
        return b->lockout;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    ADD_FAILURE() << "the lockout never ended";
    return absl::ZeroDuration();
  };
  EXPECT_EQ(lock_once(), absl::Milliseconds(300));
  auto locked = Begin("101", "src", l);
  ASSERT_EQ(locked->kind, PinAttempt::Kind::kLocked);
  EXPECT_EQ(locked->lockout, absl::Milliseconds(300));
  EXPECT_EQ(lock_once(), absl::Milliseconds(600));
  EXPECT_EQ(lock_once(), absl::Milliseconds(1000));  // capped
  // A correct PIN ends the escalation.
  for (absl::Time end = absl::Now() + absl::Seconds(5);
       absl::Now() < end && Begin("101", "src", l)->kind != PinAttempt::Kind::kProceed;)
    absl::SleepFor(absl::Milliseconds(20));
  EXPECT_TRUE(Accepted("101", "$argon2id$h1"));
  EXPECT_EQ(lock_once(), absl::Milliseconds(300));
}

// One PIN tried at many guests locks none of them; the budgets stop it.
TEST_P(DirectoryStoreTest, WrongPinBudgetsPerSourceAndPerTenantStopGuessingAcrossGuests) {
  PinLimits l;
  l.max_attempts = 3;
  l.per_source = 3;
  l.per_tenant = 5;
  l.window = absl::Seconds(1);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(CreateGuest(MakeGuest("g" + std::to_string(i)), "$argon2id$h").ok());
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(Begin("g" + std::to_string(i), "mallory", l)->kind, PinAttempt::Kind::kProceed);
  auto throttled = Begin("g3", "mallory", l);
  ASSERT_EQ(throttled->kind, PinAttempt::Kind::kThrottled);
  EXPECT_EQ(throttled->limit, "source");
  EXPECT_GT(throttled->retry_after, absl::ZeroDuration());
  EXPECT_LE(throttled->retry_after, absl::Seconds(1));
  // Refused attempts were not counted at the guest.
  EXPECT_EQ(GetGuest("g3")->failed_attempts(), 0);
  // Unknown guests spend the budget too (probing for ids is guessing).
  EXPECT_EQ(Begin("nobody", "eve", l).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Begin("g4", "eve", l)->kind, PinAttempt::Kind::kProceed);
  // The tenant's budget (5) is spent across both sources.
  auto tenant_wide = Begin("g5", "trent", l);
  ASSERT_EQ(tenant_wide->kind, PinAttempt::Kind::kThrottled);
  EXPECT_EQ(tenant_wide->limit, "tenant");
  // A correct PIN gives its attempt back.
  EXPECT_TRUE(Accepted("g4", "$argon2id$h", "eve"));
  EXPECT_EQ(Begin("g5", "trent", l)->kind, PinAttempt::Kind::kProceed);
  // The window ends: budgets refill.
  for (absl::Time end = absl::Now() + absl::Seconds(5);
       absl::Now() < end && Begin("g6", "mallory", l)->kind == PinAttempt::Kind::kThrottled;)
    absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(GetGuest("g6")->failed_attempts(), 1);
}

INSTANTIATE_TEST_SUITE_P(Directory, DirectoryStoreTest, ::testing::Values("memory", "redis"));

}  // namespace
}  // namespace hotdesk

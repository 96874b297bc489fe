// The authorization table covers every RPC of every service in proto/hotdesk/v1, read from the
// .proto files themselves (so a new method or a new service without a row fails here), and every
// row names a real method whose request has the fields the row relies on.
#include "services/auth/method_rules.h"

#include <dirent.h>
#include <unistd.h>

#include <set>

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/support/processes.h"

namespace hotdesk::auth {
namespace {

// Every method of every service declared under proto/hotdesk/v1, by "pkg.Service/Method", with
// its request type: protoc compiles every .proto there into a descriptor set, read into a pool.
class MethodRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = std::string(HOTDESK_PROTO_DIR);
    std::vector<std::string> argv = {PROTOC_BIN, "--include_imports", "-I", dir, "-I", "/usr/include"};
    // Per process: the tests of this suite run in parallel (and other checkouts' too), and a
    // shared name let one read a set another was still writing.
    std::string out_file = ::testing::TempDir() + "/hotdesk_all_" + std::to_string(getpid()) + ".pb";
    argv.push_back("--descriptor_set_out=" + out_file);
    DIR* d = opendir((dir + "/hotdesk/v1").c_str());
    ASSERT_NE(d, nullptr) << dir;
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (absl::EndsWith(name, ".proto")) argv.push_back("hotdesk/v1/" + name);
    }
    closedir(d);
    std::string out, err;
    ASSERT_EQ(hotdesk::testing::RunCommand(argv, &out, &err), 0) << err;
    std::ifstream in(out_file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    unlink(out_file.c_str());
    google::protobuf::FileDescriptorSet set;
    ASSERT_TRUE(set.ParseFromString(ss.str()));
    for (const auto& f : set.file()) ASSERT_NE(pool_.BuildFile(f), nullptr) << f.name();
    for (const auto& f : set.file()) {
      if (!absl::StartsWith(f.name(), "hotdesk/v1/")) continue;
      const auto* file = pool_.FindFileByName(f.name());
      for (int s = 0; s < file->service_count(); ++s) {
        const auto* svc = file->service(s);
        for (int m = 0; m < svc->method_count(); ++m)
          methods_[absl::StrCat(svc->full_name(), "/", svc->method(m)->name())] =
              svc->method(m)->input_type();
      }
    }
  }
  google::protobuf::DescriptorPool pool_;
  std::map<std::string, const google::protobuf::Descriptor*> methods_;
};

TEST_F(MethodRulesTest, EveryMethodOfEveryServiceHasARule) {
  ASSERT_GE(methods_.size(), 20u) << "the proto files were not found";
  std::set<std::string> services;
  for (const auto& [method, input] : methods_) {
    services.insert(method.substr(0, method.find('/')));
    EXPECT_NE(FindMethodRule(method), nullptr)
        << method << " has no row in services/auth/method_rules.cc: add one (least role, tenant, "
                     "source binding), or nobody can call it";
  }
  for (const char* s : {"hotdesk.v1.Associations", "hotdesk.v1.Devices", "hotdesk.v1.Guests",
                        "hotdesk.v1.Bench", "hotdesk.v1.FeatureCodes", "hotdesk.v1.Session"})
    EXPECT_TRUE(services.count(s)) << s;
}

TEST_F(MethodRulesTest, EveryRuleNamesARealMethodWithTheFieldsItUses) {
  for (const MethodRule& r : AllMethodRules()) {
    std::string name(r.method);
    auto it = methods_.find(name);
    ASSERT_NE(it, methods_.end()) << name << " is in the table but in no .proto";
    const auto* input = it->second;
    if (r.tenant == TenantFrom::kRequest) {
      const auto* f = input->FindFieldByName("tenant");
      ASSERT_NE(f, nullptr) << name;
      EXPECT_EQ(f->type(), google::protobuf::FieldDescriptor::TYPE_STRING) << name;
    } else {
      EXPECT_EQ(input->FindFieldByName("tenant"), nullptr)
          << name << " has a tenant field: its rule should check it";
    }
    if (r.source == SourceBinding::kRequest) {
      const auto* f = input->FindFieldByName("source");
      ASSERT_NE(f, nullptr) << name;
      EXPECT_EQ(f->enum_type()->full_name(), "hotdesk.v1.Source") << name;
    } else if (const auto* f = input->FindFieldByName("source")) {
      ADD_FAILURE() << name << " carries a source but its rule does not bind it to the token";
    }
  }
}

TEST_F(MethodRulesTest, RolesFollowTheDesign) {
  auto role = [](const char* m) { return FindMethodRule(m)->role; };
  EXPECT_EQ(role("hotdesk.v1.Associations/GetAssociation"), Role::kViewer);
  EXPECT_EQ(role("/hotdesk.v1.Associations/WatchEvents"), Role::kViewer);
  EXPECT_EQ(role("hotdesk.v1.Associations/Establish"), Role::kAgent);
  EXPECT_EQ(role("hotdesk.v1.Guests/VerifyPin"), Role::kAgent);
  EXPECT_EQ(role("hotdesk.v1.Devices/ForceLogoutDevice"), Role::kOperator);
  EXPECT_EQ(role("hotdesk.v1.Guests/ListGuests"), Role::kOperator);
  EXPECT_EQ(role("hotdesk.v1.Guests/SetPin"), Role::kAdmin);
  EXPECT_EQ(role("hotdesk.v1.Devices/DeleteDevice"), Role::kAdmin);
  EXPECT_EQ(FindMethodRule("hotdesk.v1.Associations/Nope"), nullptr);
  EXPECT_TRUE(AtLeast(Role::kAdmin, Role::kViewer));
  EXPECT_FALSE(AtLeast(Role::kViewer, Role::kAgent));
  EXPECT_EQ(*ParseRole("operator"), Role::kOperator);
  EXPECT_FALSE(ParseRole("root").ok());
}

}  // namespace
}  // namespace hotdesk::auth

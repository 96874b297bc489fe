#include "tests/faults/stalled_watcher.h"

#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "tests/faults/deployment.h"

namespace hotdesk::faults {

int RunStalledWatcher(const std::string& addr, const std::string& tenant) {
  grpc::ChannelArguments args;
  // A small window that never grows: a few events fill it.
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 4096);
  auto channel = grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(), args);
  const char* token = std::getenv("HOTDESK_FAULTS_TOKEN");
  auto ctx = CallContext(token ? token : "", absl::InfiniteDuration());
  v1::WatchEventsRequest req;
  req.set_tenant(tenant);
  auto stub = v1::Associations::NewStub(channel);
  auto reader = stub->WatchEvents(ctx.get(), req);
  std::printf("watching\n");
  std::fflush(stdout);
  while (true) pause();  // never reads; ends by SIGKILL
}

std::unique_ptr<testing::ChildProcess> StartStalledWatcher(const std::string& addr,
                                                           const std::string& tenant,
                                                           const std::string& token) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return nullptr;
  self[n] = '\0';
  auto p = std::make_unique<testing::ChildProcess>();
  if (!p->Start({self, "--stalled_watcher_child=" + addr + "/" + tenant},
                {{"HOTDESK_FAULTS_TOKEN", token}}))
    return nullptr;
  if (p->WaitForLine("watching", absl::Seconds(10)).empty()) return nullptr;
  return p;
}

}  // namespace hotdesk::faults

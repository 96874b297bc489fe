#include "services/auth/client_channel.h"


#include <fstream>
#include <sstream>
#include <vector>

#include <grpcpp/support/client_interceptor.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/file_stamp.h"
#include "services/common/log.h"

namespace hotdesk::auth {
namespace {

class BearerInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(std::shared_ptr<TokenSource> source) : source_(std::move(source)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      std::string token = source_->Current();
      if (!token.empty())
        methods->GetSendInitialMetadata()->insert({"authorization", "Bearer " + token});
    }
    methods->Proceed();
  }

 private:
  std::shared_ptr<TokenSource> source_;
};

class BearerInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerInterceptorFactory(std::shared_ptr<TokenSource> source)
      : source_(std::move(source)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new BearerInterceptor(source_);
  }

 private:
  std::shared_ptr<TokenSource> source_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<TokenSource>> TokenSource::Create(const std::string& token,
                                                                 const std::string& token_file) {
  auto source = std::shared_ptr<TokenSource>(new TokenSource);
  if (!token_file.empty()) {
    source->file_ = token_file;
    std::lock_guard<std::mutex> lock(source->mu_);
    if (auto s = source->ReadFile(); !s.ok()) return s;
  } else {
    source->token_ = std::string(absl::StripAsciiWhitespace(token));
  }
  return source;
}

absl::Status TokenSource::ReadFile() {
  int64_t stamp = FileStamp(file_);
  std::ifstream in(file_, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("--token_file: cannot read ", file_));
  std::stringstream ss;
  ss << in.rdbuf();
  token_ = std::string(absl::StripAsciiWhitespace(ss.str()));
  stamp_ = stamp;
  return absl::OkStatus();
}

std::string TokenSource::Current() {
  if (!file_.empty()) {
    int64_t now = absl::ToUnixNanos(absl::Now());
    int64_t due = next_check_ns_.load(std::memory_order_relaxed);
    if (now >= due && next_check_ns_.compare_exchange_strong(due, now + 1000000000)) {
      std::lock_guard<std::mutex> lock(mu_);
      if (FileStamp(file_) != stamp_) {
        // Keep the old token if the new file cannot be read (mid-rotation).
        if (auto s = ReadFile(); !s.ok()) {
          HD_LOG(kWarn, "token file changed but cannot be read").kv("file", file_);
        }
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  return token_;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& target,
                                                           const ClientAuthOptions& options,
                                                           grpc::ChannelArguments args) {
  auto creds = MakeChannelCredentials(options.tls);
  if (!creds.ok()) return creds.status();
  if (!options.tls.server_name.empty()) args.SetSslTargetNameOverride(options.tls.server_name);
  auto source = TokenSource::Create(options.token, options.token_file);
  if (!source.ok()) return source.status();
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<BearerInterceptorFactory>(*source));
  return grpc::experimental::CreateCustomChannelWithInterceptors(target, *creds, args,
                                                                 std::move(interceptors));
}

}  // namespace hotdesk::auth

#include "tests/csta/csta_test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <functional>
#include <thread>

#include <openssl/ssl.h>
#include <pugixml.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "adapters/csta/frame_codec.h"

namespace hotdesk::csta::testing {
namespace {

const char* Local(const char* qname) {
  const char* c = std::strchr(qname, ':');
  return c ? c + 1 : qname;
}

pugi::xml_node ChildNamed(pugi::xml_node parent, const std::string& local) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && (local == "*" || local == Local(c.name()))) return c;
  return pugi::xml_node();
}

pugi::xml_node FindNamed(pugi::xml_node root, const std::string& local) {
  for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (local == Local(c.name())) return c;
    if (auto f = FindNamed(c, local)) return f;
  }
  return pugi::xml_node();
}

Message MakeMessage(int invoke, std::string body) {
  Message m;
  m.invoke_id = invoke;
  m.xml = std::move(body);
  pugi::xml_document doc;
  if (doc.load_buffer(m.xml.data(), m.xml.size())) {
    pugi::xml_node root = doc.document_element();
    if (root) {
      m.name = Local(root.name());
      std::string qn = root.name();
      size_t colon = qn.find(':');
      std::string attr = colon == std::string::npos ? "xmlns" : "xmlns:" + qn.substr(0, colon);
      m.ns = root.attribute(attr.c_str()).value();
    }
  }
  return m;
}

}  // namespace

std::string Message::Field(const std::string& path) const {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return "";
  pugi::xml_node n = doc.document_element();
  for (const auto& step : absl::StrSplit(path, '/')) {
    n = ChildNamed(n, std::string(step));
    if (!n) return "";
  }
  return n.text().as_string();
}

std::string Message::Find(const std::string& local) const {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return "";
  pugi::xml_node n = FindNamed(doc.document_element(), local);
  return n ? n.text().as_string() : "";
}

std::string Message::PrivateKey(const std::string& key) const {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return "";
  std::function<std::string(pugi::xml_node)> walk = [&](pugi::xml_node n) -> std::string {
    for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      if (std::string(Local(c.name())) == "kv" &&
          std::string(ChildNamed(c, "key").text().as_string()) == key)
        return ChildNamed(c, "value").text().as_string();
      std::string r = walk(c);
      if (!r.empty()) return r;
    }
    return "";
  };
  return walk(doc.document_element());
}

Client::~Client() { Close(); }

bool Client::Connect(int port, bool tls) {
  Close();
  closed_ = false;
  inbuf_.clear();
  pending_.clear();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (rcvbuf_ > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf_, sizeof(rcvbuf_));
  if (!source_.empty()) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (inet_pton(AF_INET, source_.c_str(), &from.sin_addr) != 1 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0) {
      Close();
      return false;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    Close();
    return false;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (tls) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);  // test certificate is self-signed
    if (!client_cert_.empty() &&
        (SSL_CTX_use_certificate_chain_file(ctx_, client_cert_.c_str()) != 1 ||
         SSL_CTX_use_PrivateKey_file(ctx_, client_key_.c_str(), SSL_FILETYPE_PEM) != 1)) {
      Close();
      return false;
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) {
      Close();
      return false;
    }
  }
  return true;
}

void Client::Close() {
  if (ssl_) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (ctx_) {
    SSL_CTX_free(ctx_);
    ctx_ = nullptr;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool Client::WriteAll(const char* data, size_t n) {
  while (n > 0) {
    ssize_t w =
        ssl_ ? SSL_write(ssl_, data, static_cast<int>(n)) : ::send(fd_, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool Client::SendRaw(const std::string& bytes, size_t chunk) {
  if (fd_ < 0) return false;
  if (chunk == 0) return WriteAll(bytes.data(), bytes.size());
  for (size_t off = 0; off < bytes.size(); off += chunk) {
    if (!WriteAll(bytes.data() + off, std::min(chunk, bytes.size() - off))) return false;
    // A pause makes each piece a separate segment, so the server sees split reads.
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

bool Client::Send(int invoke_id, const std::string& xml, size_t chunk) {
  return SendRaw(EncodeFrame(invoke_id, xml), chunk);
}

std::optional<Message> Client::Request(const std::string& xml, absl::Duration timeout) {
  invoke_ = invoke_ % 9998 + 1;
  int id = invoke_;
  if (!Send(id, xml)) return std::nullopt;
  return WaitForInvoke(id, timeout);
}

ssize_t Client::RawRead(char* buf, size_t n, absl::Time deadline) {
  if (!(ssl_ && SSL_pending(ssl_) > 0)) {
    int ms =
        static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, ms);
    if (r <= 0) return -1;  // timeout
  }
  ssize_t r = ssl_ ? SSL_read(ssl_, buf, static_cast<int>(n)) : ::recv(fd_, buf, n, 0);
  if (r <= 0) {
    closed_ = true;
    return 0;
  }
  return r;
}

bool Client::Pump(absl::Time deadline) {
  for (;;) {
    if (inbuf_.size() >= kHeaderSize) {
      size_t len =
          (static_cast<unsigned char>(inbuf_[2]) << 8) | static_cast<unsigned char>(inbuf_[3]);
      if (len >= kHeaderSize && inbuf_.size() >= len) {
        int invoke = std::atoi(inbuf_.substr(4, 4).c_str());
        Message m = MakeMessage(invoke, inbuf_.substr(kHeaderSize, len - kHeaderSize));
        inbuf_.erase(0, len);
        if (auto_answer_ && m.name == "SystemStatus" && invoke != kEventInvokeId) {
          Send(invoke, Xml("SystemStatusResponse", "", m.ns));
          continue;
        }
        pending_.push_back(std::move(m));
        return true;
      }
    }
    if (fd_ < 0 || closed_) return false;
    char buf[8192];
    ssize_t n = RawRead(buf, sizeof(buf), deadline);
    if (n < 0) return false;
    if (n == 0) return false;
    inbuf_.append(buf, static_cast<size_t>(n));
  }
}

bool Client::Take(const std::function<bool(const Message&)>& match, absl::Time deadline,
                  Message* out) {
  size_t checked = 0;
  for (;;) {
    for (; checked < pending_.size(); ++checked) {
      if (match(pending_[checked])) {
        *out = std::move(pending_[checked]);
        pending_.erase(pending_.begin() + static_cast<long>(checked));
        return true;
      }
    }
    if (!Pump(deadline)) return false;
  }
}

std::optional<Message> Client::Read(absl::Duration timeout) {
  Message m;
  if (Take([](const Message&) { return true; }, absl::Now() + timeout, &m)) return m;
  return std::nullopt;
}

std::optional<Message> Client::WaitFor(const std::string& name, absl::Duration timeout) {
  Message m;
  if (Take([&](const Message& x) { return x.name == name; }, absl::Now() + timeout, &m)) return m;
  return std::nullopt;
}

std::optional<Message> Client::WaitForInvoke(int invoke_id, absl::Duration timeout) {
  Message m;
  if (Take([&](const Message& x) { return x.invoke_id == invoke_id; }, absl::Now() + timeout, &m))
    return m;
  return std::nullopt;
}

std::vector<Message> Client::Drain(absl::Duration quiet) {
  std::vector<Message> out;
  while (auto m = Read(quiet)) out.push_back(std::move(*m));
  return out;
}

bool Client::WaitClosed(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (!closed_ && absl::Now() < deadline) Pump(deadline);
  return closed_;
}

std::string Xml(const std::string& root, const std::string& inner, const std::string& ns) {
  std::string open =
      ns.empty() ? absl::StrCat("<", root) : absl::StrCat("<", root, " xmlns=\"", ns, "\"");
  if (inner.empty()) return absl::StrCat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", open, "/>");
  return absl::StrCat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", open, ">", inner, "</", root,
                      ">");
}

namespace {
std::string NsOr(const std::string& ns) {
  return ns.empty() ? "http://www.ecma-international.org/standards/ecma-323/csta/ed3" : ns;
}
}  // namespace

std::string MonitorStartXml(const std::string& device, const std::string& ns) {
  return Xml(
      "MonitorStart",
      absl::StrCat("<monitorObject><deviceObject>", device, "</deviceObject></monitorObject>"),
      NsOr(ns));
}

std::string SetAgentStateXml(const std::string& device, const std::string& state,
                             const std::string& agent, const std::string& password,
                             const std::string& ns) {
  std::string inner = absl::StrCat("<device>", device, "</device><requestedAgentState>", state,
                                   "</requestedAgentState>");
  if (!agent.empty()) absl::StrAppend(&inner, "<agentID>", agent, "</agentID>");
  if (!password.empty()) absl::StrAppend(&inner, "<password>", password, "</password>");
  return Xml("SetAgentState", inner, NsOr(ns));
}

std::string EscapeServiceXml(int service, const std::string& this_dn, const std::string& host_dn,
                             const std::string& ns) {
  std::string inner = absl::StrCat(
      "<extensions><privateData><private><hd:privateService "
      "xmlns:hd=\"urn:hotdesk:csta:private:v1\">",
      "<hd:serviceNumber>", service, "</hd:serviceNumber><hd:thisDN>", this_dn, "</hd:thisDN>");
  if (!host_dn.empty())
    absl::StrAppend(&inner, "<hd:kv><hd:key>HOST_DN</hd:key><hd:value>", host_dn,
                    "</hd:value></hd:kv>");
  absl::StrAppend(&inner, "</hd:privateService></private></privateData></extensions>");
  return Xml("EscapeService", inner, NsOr(ns));
}

std::string RawFrame(uint16_t length, const std::string& invoke, const std::string& body) {
  std::string out;
  out.push_back('\0');
  out.push_back('\0');
  out.push_back(static_cast<char>(length >> 8));
  out.push_back(static_cast<char>(length & 0xff));
  out += invoke;
  out += body;
  return out;
}

}  // namespace hotdesk::csta::testing

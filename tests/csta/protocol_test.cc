// Pure protocol code: frame decoder/encoder, namespaces, XML parsing and building.
#include <gtest/gtest.h>

#include "adapters/csta/csta_xml.h"
#include "adapters/csta/frame_codec.h"
#include "adapters/csta/namespaces.h"

namespace hotdesk::csta {
namespace {

const char kEd3[] = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";
const char kEd4[] = "http://www.ecma-international.org/standards/ecma-323/csta/ed4";

std::string Header(size_t len, const char* invoke) {
  std::string h("\0\0", 2);
  h.push_back(static_cast<char>(len >> 8));
  h.push_back(static_cast<char>(len & 0xff));
  h += invoke;
  return h;
}

TEST(CstaFrameCodec, EncodesLengthIncludingHeader) {
  std::string f = EncodeFrame(42, "<a/>");
  ASSERT_EQ(f.size(), 12u);
  EXPECT_EQ(f.substr(0, 8), Header(12, "0042"));
  EXPECT_EQ(f.substr(8), "<a/>");
  EXPECT_EQ(EncodeFrame(9999, "x").substr(4, 4), "9999");
  EXPECT_EQ(EncodeFrame(0, "x").substr(4, 4), "0000");
  EXPECT_EQ(EncodeFrame(1, std::string(65535 - 8, 'x')).size(), 65535u);
  EXPECT_EQ(EncodeFrame(1, std::string(65535 - 7, 'x')), "");
}

TEST(CstaFrameCodec, MatchesRealCaptureLength) {
  // A captured Siemens frame: 995-byte XML had length 0x03EB.
  std::string f = EncodeFrame(9999, std::string(995, 'x'));
  EXPECT_EQ(static_cast<unsigned char>(f[2]), 0x03);
  EXPECT_EQ(static_cast<unsigned char>(f[3]), 0xEB);
}

TEST(CstaFrameCodec, DecodesOneByteAtATime) {
  std::string stream = EncodeFrame(7, "<SystemStatus/>") + EncodeFrame(8, "<b/>");
  FrameDecoder d;
  for (char c : stream) ASSERT_TRUE(d.Feed(absl::string_view(&c, 1)));
  Frame f;
  ASSERT_TRUE(d.Next(&f));
  EXPECT_EQ(f.invoke_id, 7);
  EXPECT_EQ(f.body, "<SystemStatus/>");
  ASSERT_TRUE(d.Next(&f));
  EXPECT_EQ(f.invoke_id, 8);
  EXPECT_EQ(f.body, "<b/>");
  EXPECT_FALSE(d.Next(&f));
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(CstaFrameCodec, DecodesThreeFramesInOneRead) {
  std::string stream = EncodeFrame(1, "<a/>") + EncodeFrame(2, "<b/>") + EncodeFrame(3, "<c/>");
  FrameDecoder d;
  ASSERT_TRUE(d.Feed(stream));
  Frame f;
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(d.Next(&f));
    EXPECT_EQ(f.invoke_id, i);
  }
  EXPECT_FALSE(d.Next(&f));
}

TEST(CstaFrameCodec, LengthNotAboveHeaderBreaksStream) {
  for (size_t len : {0u, 1u, 7u, 8u}) {
    FrameDecoder d;
    EXPECT_FALSE(d.Feed(Header(len, "0001") + "<a/>")) << len;
    EXPECT_TRUE(d.broken());
    EXPECT_NE(d.error().find("length"), std::string::npos);
  }
}

TEST(CstaFrameCodec, BadIndicatorOrInvokeBreaksStream) {
  FrameDecoder d1;
  std::string soap = EncodeFrame(1, "<a/>");
  soap[0] = 1;
  EXPECT_FALSE(d1.Feed(soap));
  FrameDecoder d2;
  EXPECT_FALSE(d2.Feed(Header(12, "00a1") + "<a/>"));
  EXPECT_NE(d2.error().find("invoke"), std::string::npos);
}

TEST(CstaFrameCodec, FramesBeforeBreakSurvive) {
  FrameDecoder d;
  EXPECT_FALSE(d.Feed(EncodeFrame(5, "<a/>") + Header(3, "0006")));
  Frame f;
  ASSERT_TRUE(d.Next(&f));
  EXPECT_EQ(f.invoke_id, 5);
  EXPECT_FALSE(d.Feed(EncodeFrame(6, "<a/>")));  // nothing more is decoded once broken
  EXPECT_FALSE(d.Next(&f));
}

TEST(CstaFrameCodec, OversizeFrameIsSkippedNotStored) {
  FrameDecoder d(100);
  std::string big = EncodeFrame(11, std::string(500, 'x'));
  ASSERT_TRUE(d.Feed(big.substr(0, 200)));
  EXPECT_LT(d.buffered(), 100u);
  ASSERT_TRUE(d.Feed(big.substr(200) + EncodeFrame(12, "<ok/>")));
  Frame f;
  ASSERT_TRUE(d.Next(&f));
  EXPECT_TRUE(f.oversize);
  EXPECT_EQ(f.invoke_id, 11);
  EXPECT_EQ(f.length, 508u);
  EXPECT_TRUE(f.body.empty());
  ASSERT_TRUE(d.Next(&f));
  EXPECT_FALSE(f.oversize);
  EXPECT_EQ(f.body, "<ok/>");
}

TEST(CstaNamespaces, AcceptsEditionsAndTypo) {
  EXPECT_TRUE(IsCstaNamespace(kEd3));
  EXPECT_TRUE(IsCstaNamespace(kEd4));
  EXPECT_TRUE(IsCstaNamespace("http://www.ecma-international.org/standards/ecma-323/csta/ed6"));
  EXPECT_TRUE(IsCstaNamespace("http://www.ecma.ch/standards/ecma-323/csta/ed2"));
  EXPECT_TRUE(IsCstaNamespace("http://www.ecmainternational.org/standards/ecma-323/csta/ed3"));
  EXPECT_TRUE(IsCstaNamespace("http://www.ecma-international.org/standards/ecma-323/csta/ed5/"));
  EXPECT_FALSE(
      IsCstaNamespace("http://www.ecma-international.org/standards/ecma-354/appl_session"));
  EXPECT_FALSE(IsCstaNamespace("urn:example"));
  EXPECT_FALSE(IsCstaNamespace(""));
  EXPECT_EQ(NamespaceForEdition("ed3"), kEd3);
  EXPECT_EQ(NamespaceForEdition("ed2"), "http://www.ecma.ch/standards/ecma-323/csta/ed2");
  EXPECT_EQ(NamespaceForEdition("ed1"), "");
  EXPECT_EQ(NamespaceForEdition("foo"), "");
}

TEST(CstaXml, ParsesSetAgentState) {
  ParseResult r = ParseRequest(
      std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>") + "<SetAgentState xmlns=\"" + kEd3 +
      "\">\n  <device>7002</device>" + "<requestedAgentState>loggedOn</requestedAgentState>" +
      "<agentID> 7003 </agentID><password>4711</password></SetAgentState>");
  ASSERT_EQ(r.status, ParseStatus::kOk) << r.detail;
  EXPECT_EQ(r.request.type, RequestType::kSetAgentState);
  EXPECT_EQ(r.request.ns, kEd3);
  EXPECT_EQ(r.request.device, "7002");
  EXPECT_EQ(r.request.requested_state, "loggedOn");
  EXPECT_EQ(r.request.agent_id, "7003");
  EXPECT_EQ(r.request.password, "4711");
  EXPECT_TRUE(r.request.has_password);
}

TEST(CstaXml, ParsesByLocalNameWithPrefixes) {
  ParseResult r =
      ParseRequest(std::string("<csta:MonitorStart xmlns:csta=\"") + kEd4 +
                   "\"><csta:monitorObject><csta:deviceObject>7002</csta:deviceObject>" +
                   "</csta:monitorObject></csta:MonitorStart>");
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.request.type, RequestType::kMonitorStart);
  EXPECT_EQ(r.request.ns, kEd4);
  EXPECT_EQ(r.request.device, "7002");
}

TEST(CstaXml, NoNamespaceIsAcceptedForeignIsNot) {
  ParseResult none =
      ParseRequest("<MonitorStop><monitorCrossRefID>12</monitorCrossRefID></MonitorStop>");
  ASSERT_EQ(none.status, ParseStatus::kOk);
  EXPECT_EQ(none.request.ns, "");
  EXPECT_EQ(none.request.cross_ref_id, "12");
  ParseResult foreign = ParseRequest(
      "<StartApplicationSession "
      "xmlns=\"http://www.ecma-international.org/standards/ecma-354/appl_session\"/>");
  EXPECT_EQ(foreign.status, ParseStatus::kForeignNamespace);
  EXPECT_EQ(foreign.request.name, "StartApplicationSession");
}

TEST(CstaXml, MalformedAndTruncated) {
  EXPECT_EQ(ParseRequest("").status, ParseStatus::kMalformed);
  EXPECT_EQ(ParseRequest("hello, not xml").status, ParseStatus::kMalformed);
  EXPECT_EQ(ParseRequest("<SetAgentState><device>7002</dev").status, ParseStatus::kMalformed);
  EXPECT_EQ(ParseRequest("<a><b></a>").status, ParseStatus::kMalformed);
  EXPECT_EQ(ParseRequest(std::string("\0\0\0", 3)).status, ParseStatus::kMalformed);
}

TEST(CstaXml, UnknownAndClientResponses) {
  EXPECT_EQ(ParseRequest("<MakeCall/>").request.type, RequestType::kUnknown);
  EXPECT_EQ(ParseRequest("<SystemStatusResponse/>").request.type, RequestType::kClientResponse);
  EXPECT_EQ(
      ParseRequest("<SystemStatus><systemStatus>normal</systemStatus></SystemStatus>").request.type,
      RequestType::kSystemStatus);
}

TEST(CstaXml, DeviceIdentifierChildIsAccepted) {
  ParseResult r = ParseRequest(
      "<GetAgentState><device><deviceIdentifier>7002</deviceIdentifier></device></GetAgentState>");
  EXPECT_EQ(r.request.device, "7002");
}

TEST(CstaXml, ParsesPrivateService) {
  ParseResult r =
      ParseRequest(std::string("<EscapeService xmlns=\"") + kEd3 +
                   "\"><extensions><privateData><private>"
                   "<x:privateService xmlns:x=\"urn:any\"><x:serviceNumber>1</x:serviceNumber>"
                   "<x:thisDN>7003</x:thisDN><x:kv><x:key>HOST_DN</x:key>"
                   "<x:value>7002</x:value></x:kv></x:privateService>"
                   "</private></privateData></extensions></EscapeService>");
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.request.type, RequestType::kEscapeService);
  EXPECT_EQ(r.request.service_number, "1");
  EXPECT_EQ(r.request.this_dn, "7003");
  EXPECT_EQ(r.request.PrivateKey("HOST_DN"), "7002");
  EXPECT_EQ(r.request.PrivateKey("OTHER"), "");
}

TEST(CstaXml, DeepNestingDoesNotRecurse) {
  std::string deep = "<EscapeService><extensions><privateData>";
  for (int i = 0; i < 20000; ++i) deep += "<a>";
  for (int i = 0; i < 20000; ++i) deep += "</a>";
  deep += "</privateData></extensions></EscapeService>";
  EXPECT_EQ(ParseRequest(deep).status, ParseStatus::kOk);
}

TEST(CstaXml, BuildsEventsThatParseBack) {
  Namespaces ns{kEd4, "urn:p"};
  std::string ev = BuildAgentEvent(ns, true, "31", "7002", "7003");
  EXPECT_NE(ev.find("<AgentLoggedOnEvent xmlns=\"" + std::string(kEd4) + "\">"), std::string::npos);
  EXPECT_NE(ev.find("<monitorCrossRefID>31</monitorCrossRefID><agentDevice><deviceIdentifier>7002"
                    "</deviceIdentifier></agentDevice><agentID>7003</agentID>"),
            std::string::npos);
  EXPECT_EQ(ParseRequest(ev).request.name, "AgentLoggedOnEvent");
  std::string fwd = BuildForwardingEvent(ns, "31", "7002", false, "7003");
  EXPECT_NE(fwd.find("<forwardStatus>false</forwardStatus>"), std::string::npos);
  EXPECT_EQ(fwd.find("forwardTo"), std::string::npos);
  PrivateBlock p{"privateEvent", "eventNumber", 1, "7003", "7002", {{"HOST_DN", "7002"}}};
  std::string pe = BuildPrivateEvent(ns, "31", p);
  EXPECT_NE(pe.find("<hd:privateEvent xmlns:hd=\"urn:p\"><hd:eventNumber>1</hd:eventNumber>"),
            std::string::npos);
  EXPECT_NE(pe.find("<hd:kv><hd:key>HOST_DN</hd:key><hd:value>7002</hd:value></hd:kv>"),
            std::string::npos);
}

TEST(CstaXml, EscapesText) {
  Namespaces ns{kEd3, "urn:p"};
  std::string e = BuildAgentEvent(ns, false, "1", "a<b&\"c'", "x>y");
  EXPECT_NE(e.find("a&lt;b&amp;&quot;c&apos;"), std::string::npos);
  EXPECT_NE(e.find("x&gt;y"), std::string::npos);
  EXPECT_EQ(ParseRequest(e).status, ParseStatus::kOk);
}

TEST(CstaXml, ErrorAndEmptyResponses) {
  Namespaces ns{kEd3, "urn:p"};
  EXPECT_EQ(BuildError(ns, "operation", "invalidAgentID"),
            std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?><CSTAErrorCode xmlns=\"") +
                kEd3 + "\"><operation>invalidAgentID</operation></CSTAErrorCode>");
  // The A.12 example: the ed3 SetAgentStateResponse with prolog is 132 bytes (frame 140).
  std::string ok = BuildEmpty(ns, "SetAgentStateResponse");
  EXPECT_EQ(ok.size(), 132u);
  EXPECT_EQ(EncodeFrame(42, ok).substr(0, 4), std::string("\0\0\0\x8c", 4));
}

}  // namespace
}  // namespace hotdesk::csta

// Unit tests of the Xsi XML library, the stream splitter, id mapping and sequence planning (no
// processes). Echo suppression lives in the progress store: progress_store_test.cc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "adapters/xsp/bridge/id_map.h"
#include "adapters/xsp/bridge/sequences.h"
#include "adapters/xsp/xml/doc_splitter.h"
#include "adapters/xsp/xml/xsi_xml.h"

namespace hotdesk::xsp {
namespace {

// An event as a production XSP writes it (G.1): literal prefixes xsi (BroadSoft) and xsi1
// (XML Schema-instance), one line after the declaration.
const char kGuestEvent[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<xsi:Event xsi1:type=\"xsi:SubscriptionEvent\" xmlns:xsi=\"http://schema.broadsoft.com/xsi\" "
    "xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\"><xsi:eventID>0a1b</xsi:eventID>"
    "<xsi:sequenceNumber>7</xsi:sequenceNumber><xsi:userId>admin</xsi:userId>"
    "<xsi:externalApplicationId>app</xsi:externalApplicationId><xsi:subscriptionId>s-1"
    "</xsi:subscriptionId><xsi:channelId>c-1</xsi:channelId><xsi:targetId>7003@example.com"
    "</xsi:targetId><xsi:eventData xsi1:type=\"xsi:HotelingGuestEvent\"><xsi:info><xsi:active>"
    "true</xsi:active><xsi:enableAssociationLimit>true</xsi:enableAssociationLimit>"
    "<xsi:associationLimitHours>12</xsi:associationLimitHours><xsi:hostUserId>7002@example.com"
    "</xsi:hostUserId></xsi:info></xsi:eventData></xsi:Event>";

TEST(XspXml, BuildsTheDocumentedBodies) {
  EXPECT_EQ(
      BuildHotelingGuestAssociate("7002@example.com", 10),
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><HotelingGuest "
      "xmlns=\"http://schema.broadsoft.com/xsi\"><active>true</active><enableAssociationLimit>"
      "true</enableAssociationLimit><associationLimitHours>10</associationLimitHours>"
      "<hostUserId>7002@example.com</hostUserId></HotelingGuest>");
  EXPECT_EQ(
      BuildHotelingGuestAssociate("h@x", 0),
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><HotelingGuest "
      "xmlns=\"http://schema.broadsoft.com/xsi\"><active>true</active><enableAssociationLimit>"
      "false</enableAssociationLimit><hostUserId>h@x</hostUserId></HotelingGuest>");
  EXPECT_EQ(BuildHotelingGuestClear(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><HotelingGuest "
            "xmlns=\"http://schema.broadsoft.com/xsi\" "
            "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><hostUserId xsi:nil=\"true\"/>"
            "</HotelingGuest>");
  EXPECT_EQ(BuildCallForwardingAlways(true, "7003"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CallForwardingAlways "
            "xmlns=\"http://schema.broadsoft.com/xsi\"><active>true</active><forwardToPhoneNumber>"
            "7003</forwardToPhoneNumber><ringSplash>false</ringSplash></CallForwardingAlways>");
  EXPECT_EQ(BuildCallCenterState("Sign-Out"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CallCenter "
            "xmlns=\"http://schema.broadsoft.com/xsi\"><agentACDState>Sign-Out</agentACDState>"
            "</CallCenter>");
  EXPECT_EQ(BuildEventResponse("e1", 200, "OK"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><EventResponse "
            "xmlns=\"http://schema.broadsoft.com/xsi\"><eventID>e1</eventID><statusCode>200"
            "</statusCode><reason>OK</reason></EventResponse>");
  EXPECT_EQ(BuildChannelRequest("set1", 1, 50, 3600),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Channel "
            "xmlns=\"http://schema.broadsoft.com/xsi\"><channelSetId>set1</channelSetId><priority>1"
            "</priority><weight>50</weight><expires>3600</expires></Channel>");
  // Text is escaped.
  EXPECT_NE(BuildCallForwardingAlways(true, "<&>").find("&lt;&amp;&gt;"), std::string::npos);
}

TEST(XspXml, BodiesRoundTrip) {
  auto hg = ParseHotelingGuest(BuildHotelingGuestAssociate("7002@example.com", 10));
  ASSERT_TRUE(hg.ok()) << hg.status();
  EXPECT_EQ(hg->host_user_id.value_or(""), "7002@example.com");
  EXPECT_EQ(hg->association_limit_hours.value_or(0), 10);
  EXPECT_TRUE(hg->enable_association_limit.value_or(false));
  auto clear = ParseHotelingGuest(BuildHotelingGuestClear());
  ASSERT_TRUE(clear.ok()) << clear.status();
  EXPECT_TRUE(clear->host_nil);
  EXPECT_FALSE(clear->host_user_id.has_value());
  auto cfa = ParseCallForwardingAlways(BuildCallForwardingAlways(false, ""));
  ASSERT_TRUE(cfa.ok());
  EXPECT_FALSE(cfa->active.value_or(true));
  auto err = ParseErrorInfo(BuildErrorInfo(4008, "[Error 4008] User not found: x"));
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->error_code, 4008);
  EXPECT_EQ(err->summary_english, "[Error 4008] User not found: x");
}

TEST(XspXml, ParsesAnEventWithProductionPrefixes) {
  auto doc = ParseStreamDoc(kGuestEvent);
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->kind, StreamDoc::Kind::kEvent);
  const XsiEvent& ev = doc->event;
  EXPECT_EQ(ev.event_type, "SubscriptionEvent");
  EXPECT_EQ(ev.data_type, "HotelingGuestEvent");
  EXPECT_EQ(ev.event_id, "0a1b");
  EXPECT_EQ(ev.sequence_number, 7);
  EXPECT_EQ(ev.target_id, "7003@example.com");
  EXPECT_EQ(ev.hoteling_guest.host_user_id.value_or(""), "7002@example.com");
  EXPECT_EQ(ev.hoteling_guest.association_limit_hours.value_or(0), 12);
}

TEST(XspXml, PrefixesBindByUriNotByName) {
  // Other prefixes bound to the same URIs: still the same event.
  std::string renamed = kGuestEvent;
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{{"xsi1:", "q:"},
                                                                          {"xmlns:xsi1", "xmlns:q"},
                                                                          {"xsi:", "bw:"},
                                                                          {"xmlns:xsi", "xmlns:bw"},
                                                                          {"\"xsi:", "\"bw:"}}) {
    for (size_t p; (p = renamed.find(from)) != std::string::npos;)
      renamed.replace(p, from.size(), to);
  }
  auto doc = ParseStreamDoc(renamed);
  ASSERT_TRUE(doc.ok()) << doc.status() << "\n" << renamed;
  EXPECT_EQ(doc->event.data_type, "HotelingGuestEvent");
  EXPECT_EQ(doc->event.hoteling_guest.host_user_id.value_or(""), "7002@example.com");

  // The right prefix bound to the wrong URI is not an Xsi event.
  std::string wrong = kGuestEvent;
  wrong.replace(wrong.find("http://schema.broadsoft.com/xsi"), 31, "http://example.com/not-xsi");
  auto bad = ParseStreamDoc(wrong);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("namespace"), std::string::npos)
      << bad.status();
}

TEST(XspXml, ClearedAssociationAndOtherDocuments) {
  EventEnvelope env{"e2", 3, "admin", "app", "s", "c", "7003@example.com"};
  HotelingGuestDoc none;
  none.active = true;
  auto doc = ParseStreamDoc(BuildHotelingGuestEvent(env, none));
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_TRUE(doc->event.hoteling_guest.host_nil);
  auto hb = ParseStreamDoc(BuildHeartBeat());
  ASSERT_TRUE(hb.ok());
  EXPECT_EQ(hb->kind, StreamDoc::Kind::kHeartBeat);
  auto ch = ParseStreamDoc(BuildChannelReply("abc", 86400));
  ASSERT_TRUE(ch.ok());
  EXPECT_EQ(ch->kind, StreamDoc::Kind::kChannel);
  EXPECT_EQ(ch->channel.channel_id, "abc");
  EXPECT_EQ(ch->channel.expires, 86400);
  auto term = ParseStreamDoc(BuildChannelTerminatedEvent("abc", "ChannelDeleted"));
  ASSERT_TRUE(term.ok()) << term.status();
  EXPECT_EQ(term->event.event_type, "ChannelTerminatedEvent");
  auto agent = ParseStreamDoc(BuildAgentStateEvent(env, "Available"));
  ASSERT_TRUE(agent.ok());
  EXPECT_EQ(agent->event.agent_state, "Available");
}

TEST(XspXml, RejectsMalformedAndInvalidInput) {
  EXPECT_FALSE(ParseStreamDoc("<xsi:Event").ok());
  EXPECT_FALSE(ParseStreamDoc("not xml at all").ok());
  // Unknown agent state, out-of-range limit, non-boolean active.
  EXPECT_FALSE(ParseCallCenter("<CallCenter xmlns=\"http://schema.broadsoft.com/xsi\">"
                               "<agentACDState>Sleeping</agentACDState></CallCenter>")
                   .ok());
  auto r = ParseHotelingGuest(
      "<HotelingGuest xmlns=\"http://schema.broadsoft.com/xsi\">"
      "<associationLimitHours>1000</associationLimitHours></HotelingGuest>");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("associationLimitHours"), std::string::npos);
  EXPECT_FALSE(
      ParseCallForwardingAlways("<CallForwardingAlways xmlns=\"http://schema.broadsoft.com/xsi\">"
                                "<active>yes</active></CallForwardingAlways>")
          .ok());
  // Root in no namespace.
  EXPECT_FALSE(
      ParseCallCenter("<CallCenter><agentACDState>Available</agentACDState></CallCenter>").ok());
  // An event id can still be read from a broken event, to reject it.
  EXPECT_EQ(ScrapeEventId("<xsi:Event><xsi:eventID>ab-1</xsi:eventID><broken></xsi:Event>"),
            "ab-1");
  EXPECT_EQ(ScrapeEventId("<x/>"), "");
  // Found by fuzzing: what cannot be an event id (here a NUL byte) would have gone back to the
  // XSP in an EventResponse that is not XML; nothing is scraped instead.
  EXPECT_EQ(ScrapeEventId(std::string("<xsi:eventID>0b6c\0\0ype=</xsi:eventID>", 37)), "");
  EXPECT_EQ(ScrapeEventId("<eventID>a&amp;b</eventID>"), "");
  EXPECT_EQ(ScrapeEventId("<eventID>" + std::string(129, 'a') + "</eventID>"), "");
}

TEST(XspXml, AcceptsIso88591Bodies) {
  std::string body =
      "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><CallForwardingAlways "
      "xmlns=\"http://schema.broadsoft.com/xsi\"><active>true</active><forwardToPhoneNumber>M\xfc"
      "ller</forwardToPhoneNumber></CallForwardingAlways>";
  auto r = ParseCallForwardingAlways(body);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->forward_to_phone_number.value_or(""), "M\xc3\xbcller");  // as UTF-8
}

TEST(XspSplitter, FindsDocumentsAcrossArbitraryPieces) {
  std::string stream = BuildChannelReply("c1", 3600) + std::string(kGuestEvent) + BuildHeartBeat() +
                       "\r\n" + BuildChannelTerminatedEvent("c1", "x");
  for (size_t piece : {1u, 3u, 17u, 1000u}) {
    DocSplitter sp;
    std::vector<std::string> docs;
    for (size_t i = 0; i < stream.size(); i += piece) {
      for (auto& d : sp.Feed(stream.substr(i, piece))) docs.push_back(d);
    }
    ASSERT_EQ(docs.size(), 4u) << "piece " << piece;
    EXPECT_EQ(docs[1], kGuestEvent);
    EXPECT_TRUE(ParseStreamDoc(docs[2]).ok());
    EXPECT_EQ(sp.pending(), 0u);
  }
}

TEST(XspSplitter, ABrokenDocumentDoesNotSwallowTheNextOne) {
  DocSplitter sp;
  // Unclosed inner element: the root's end tag still ends it; then an unfinished document is cut
  // off by the next XML declaration.
  auto docs = sp.Feed("<?xml version=\"1.0\"?><a><b></a><?xml version=\"1.0\"?><c><d>");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0], "<?xml version=\"1.0\"?><a><b></a>");
  docs = sp.Feed(BuildHeartBeat());
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0], "<?xml version=\"1.0\"?><c><d>");
  EXPECT_FALSE(ParseStreamDoc(docs[0]).ok());
  EXPECT_TRUE(ParseStreamDoc(docs[1]).ok());
  // Quoted '>' and comments do not confuse it.
  docs = sp.Feed("<x a=\"1>2\"><!-- </x> --><y/></x>");
  ASSERT_EQ(docs.size(), 1u);
  // Size limit.
  DocSplitter small(16);
  docs = small.Feed("<a>0123456789012345678901234");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(small.pending(), 0u);
}

TEST(XspIdMap, DomainAndFile) {
  IdMapper m("example.com");
  EXPECT_EQ(*m.ToBroadWorks("7002"), "7002@example.com");
  EXPECT_EQ(*m.ToHotdesk("7002@example.com"), "7002");
  EXPECT_FALSE(m.ToHotdesk("7002@other.com").ok());
  ASSERT_TRUE(m.Add("alice", "a.smith@corp.example").ok());
  EXPECT_EQ(*m.ToBroadWorks("alice"), "a.smith@corp.example");
  EXPECT_EQ(*m.ToHotdesk("a.smith@corp.example"), "alice");
  EXPECT_FALSE(m.Add("alice", "other@corp.example").ok());
  IdMapper none;
  EXPECT_EQ(none.ToBroadWorks("7002").status().code(), absl::StatusCode::kNotFound);
}

TEST(XspIdMap, LoadsAPerTenantFileAndNamesTheBadLine) {
  std::string path = ::testing::TempDir() + "/xsp_ids_" + std::to_string(getpid()) + ".txt";
  {
    std::ofstream f(path);
    f << "# desk phones\n7002 desk-7002@bw.example\n\nalice alice.smith@bw.example\n";
  }
  IdMapper m("example.com");
  ASSERT_TRUE(m.LoadFile(path).ok());
  EXPECT_EQ(*m.ToBroadWorks("7002"), "desk-7002@bw.example");
  EXPECT_EQ(*m.ToHotdesk("alice.smith@bw.example"), "alice");
  EXPECT_EQ(*m.ToBroadWorks("7003"), "7003@example.com");  // domain for the rest
  {
    std::ofstream f(path);
    f << "7002 a@x\n7002 b@x\n";
  }
  IdMapper bad;
  absl::Status s = bad.LoadFile(path);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("line 2"), std::string::npos) << s;
  EXPECT_EQ(IdMapper().LoadFile("/nonexistent/ids").code(), absl::StatusCode::kNotFound);
}

v1::AssociationEvent Event(v1::EventType type, int64_t limit_seconds = 0) {
  v1::AssociationEvent ev;
  ev.set_type(type);
  ev.set_cursor("1-0");
  ev.mutable_association()->set_host("7002");
  ev.mutable_association()->set_guest("7003");
  if (limit_seconds)
    ev.mutable_association()->mutable_limit()->mutable_duration()->set_seconds(limit_seconds);
  return ev;
}

TEST(XspSequences, EstablishAndCancelPlans) {
  IdMapper ids("example.com");
  OutboundConfig cfg;
  auto est = PlanFor(Event(v1::EVENT_TYPE_ESTABLISHED, 8 * 3600 + 1), ids, cfg);
  ASSERT_TRUE(est.ok());
  ASSERT_EQ(est->steps.size(), 4u);
  EXPECT_EQ(est->limit_hours, 9);  // rounded up
  EXPECT_EQ(est->steps[0].name, "host_agent_sign_out");
  EXPECT_TRUE(est->steps[0].only_if_agent_signed_in);
  EXPECT_EQ(est->steps[0].user, "7002@example.com");
  EXPECT_EQ(est->steps[1].body, BuildCallForwardingAlways(true, "7003"));
  EXPECT_EQ(est->steps[2].body, BuildHotelingGuestAssociate("7002@example.com", 9));
  EXPECT_EQ(est->steps[2].user, "7003@example.com");
  EXPECT_TRUE(est->steps[2].expect_echo);
  EXPECT_EQ(est->steps[3].body, BuildCallCenterState("Unavailable"));
  auto can = PlanFor(Event(v1::EVENT_TYPE_CANCELLED), ids, cfg);
  ASSERT_TRUE(can.ok());
  ASSERT_EQ(can->steps.size(), 3u);
  EXPECT_EQ(can->steps[0].name, "guest_agent_sign_out");
  EXPECT_EQ(can->steps[1].body, BuildCallForwardingAlways(false, ""));
  EXPECT_EQ(can->steps[2].body, BuildHotelingGuestClear());
  EXPECT_EQ(ServicePath("7003@example.com", "HotelingGuest"),
            "/com.broadsoft.xsi-actions/v2.0/user/7003@example.com/services/HotelingGuest");
  cfg.agent_steps = false;
  EXPECT_EQ(PlanFor(Event(v1::EVENT_TYPE_ESTABLISHED), ids, cfg)->steps.size(), 2u);
  EXPECT_FALSE(PlanFor(Event(v1::EVENT_TYPE_ESTABLISHED), IdMapper(), cfg).ok());
}

TEST(XspSequences, LimitHoursClamped) {
  v1::Association a;
  EXPECT_EQ(LimitHours(a), 0);
  a.mutable_limit()->mutable_duration()->set_seconds(60);
  EXPECT_EQ(LimitHours(a), 1);
  a.mutable_limit()->mutable_duration()->set_seconds(5000LL * 3600);
  EXPECT_EQ(LimitHours(a), 999);
}

}  // namespace
}  // namespace hotdesk::xsp

#include "adapters/common/cursor_store.h"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

namespace hotdesk::adapters {
namespace {

class FileCursorStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/cursor_store_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    unlink(path_.c_str());
  }
  void TearDown() override { unlink(path_.c_str()); }
  std::string Contents() {
    std::ifstream in(path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string path_;
};

TEST_F(FileCursorStoreTest, NoFileMeansStartFromASnapshot) {
  FileCursorStore s(path_);
  auto st = s.Load();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->cursor, "");
  EXPECT_FALSE(st->known_complete);
}

TEST_F(FileCursorStoreTest, CursorAndKnownSurviveARestart) {
  FollowerState st;
  st.cursor = "100-0";
  st.known = {{"h1", "g1"}, {"h2", "g2"}};
  st.known_complete = true;
  {
    FileCursorStore s(path_);
    ASSERT_TRUE(s.Replace(st).ok());
    st.cursor = "101-0";
    st.known["h3"] = "g3";
    KnownChange add{"h3", "g3"};
    ASSERT_TRUE(s.Advance(st, &add).ok());
    st.cursor = "102-0";
    st.known.erase("h1");
    KnownChange del{"h1", ""};
    ASSERT_TRUE(s.Advance(st, &del).ok());
    st.cursor = "103-0";
    ASSERT_TRUE(s.Advance(st, nullptr).ok());
  }
  FileCursorStore again(path_);
  auto loaded = again.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->cursor, "103-0");
  EXPECT_TRUE(loaded->known_complete);
  EXPECT_EQ(loaded->known, (std::map<std::string, std::string>{{"h2", "g2"}, {"h3", "g3"}}));
  // Appends go on after a load, too.
  loaded->cursor = "104-0";
  ASSERT_TRUE(again.Advance(*loaded, nullptr).ok());
  EXPECT_EQ(FileCursorStore(path_).Load()->cursor, "104-0");
}

TEST_F(FileCursorStoreTest, TornLastLineIsIgnored) {
  std::ofstream(path_) << "100-0\nknown 1\nh1 g1\n@101-0 +h2 g2\n@102-0 -h";
  auto st = FileCursorStore(path_).Load();
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->cursor, "101-0");  // the event at 102-0 is delivered again
  EXPECT_EQ(st->known.size(), 2u);
}

TEST_F(FileCursorStoreTest, ABareCursorFileStillLoads) {
  // What the CSTA gateway wrote before this store: one line, the cursor.
  std::ofstream(path_) << "1732230000123-0\n";
  auto st = FileCursorStore(path_).Load();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->cursor, "1732230000123-0");
  EXPECT_FALSE(st->known_complete);
}

TEST_F(FileCursorStoreTest, DamagedFileIsAnErrorNamingTheLine) {
  std::ofstream(path_) << "100-0\nknown 1\nh1 g1\ngarbage here\n";
  auto st = FileCursorStore(path_).Load();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find(":4:"), absl::string_view::npos) << st.status();
}

TEST_F(FileCursorStoreTest, AppendedLinesAreCompactedIntoARewrite) {
  FileCursorStore s(path_);
  FollowerState st;
  st.known_complete = true;
  st.known = {{"h", "g"}};
  for (int i = 0; i < 3000; ++i) {
    st.cursor = std::to_string(1000 + i) + "-0";
    ASSERT_TRUE(s.Advance(st, nullptr).ok());
  }
  // Never more than the compaction threshold of lines.
  std::string text = Contents();
  EXPECT_LT(std::count(text.begin(), text.end(), '\n'), 1100);
  auto loaded = FileCursorStore(path_).Load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->cursor, "3999-0");
  EXPECT_EQ(loaded->known.at("h"), "g");
}

TEST_F(FileCursorStoreTest, UnwritablePlaceIsAnError) {
  FileCursorStore s("/nonexistent-dir/cursor");
  FollowerState st;
  st.cursor = "1-0";
  EXPECT_FALSE(s.Advance(st, nullptr).ok());
  EXPECT_FALSE(s.Replace(st).ok());
}

}  // namespace
}  // namespace hotdesk::adapters

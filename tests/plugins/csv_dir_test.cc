// The csv_dir plugin, loaded from the build tree, importing into a fake host whose "ingest.csv"
// stores events by id the way the real one does: a repeated id is a duplicate, never a second
// event.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/csv/csv_reader.h"
#include "tests/testing/plugin_harness.h"

namespace plaudit::testing {
namespace {

namespace fs = std::filesystem;

const char kHeader[] = "event_id,agent_id,metric,value";

// A stand-in for the host's validation and event store. Rows need 4 fields and a numeric value.
class FakeEventStore {
 public:
  bool Ingest(const pb::IngestCsvRequest& request, pb::IngestCsvResponse* response,
              std::string* error) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    // As the host does: without the columns no row can be read, so all are refused at once.
    const std::set<std::string> header(request.header().begin(), request.header().end());
    for (const char* column : {"event_id", "agent_id", "metric", "value"}) {
      if (header.count(column) == 0) {
        const std::string reason = std::string("line 1: header: missing column ") + column;
        for (const pb::CsvRow& row : request.rows()) {
          auto* row_error = response->add_errors();
          row_error->set_line(row.line());
          row_error->set_reason(reason);
        }
        response->set_rejected(request.rows_size());
        response->set_header_error(reason);
        return true;
      }
    }
    if (failures_left_ > 0) {
      --failures_left_;
      if (fail_in_response_) {
        response->set_error("database is locked");
        return true;
      }
      *error = "store unavailable";
      return false;
    }
    for (const pb::CsvRow& row : request.rows()) {
      std::string reason;
      if (row.fields_size() != 4) {
        reason = "expected 4 fields, got " + std::to_string(row.fields_size());
      } else if (row.fields(3).empty() ||
                 row.fields(3).find_first_not_of("0123456789.") != std::string::npos) {
        reason = "value \"" + row.fields(3) + "\" is not a number";
      }
      if (!reason.empty()) {
        auto* row_error = response->add_errors();
        row_error->set_line(row.line());
        row_error->set_reason(reason);
        response->set_rejected(response->rejected() + 1);
      } else if (event_ids_.insert(row.fields(0)).second) {
        response->set_imported(response->imported() + 1);
      } else {
        response->set_duplicates(response->duplicates() + 1);
      }
    }
    return true;
  }

  // The next `count` calls fail: as a failed host call, or with IngestCsvResponse.error set.
  void FailNext(int count, bool in_response = false) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_left_ = count;
    fail_in_response_ = in_response;
  }

  std::vector<pb::IngestCsvRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  size_t stored() {
    std::lock_guard<std::mutex> lock(mu_);
    return event_ids_.size();
  }

 private:
  std::mutex mu_;
  std::vector<pb::IngestCsvRequest> requests_;
  std::set<std::string> event_ids_;
  int failures_left_ = 0;
  bool fail_in_response_ = false;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::vector<std::string>> ReadCsv(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  CsvReader reader(in);
  std::vector<std::vector<std::string>> records;
  CsvRecord record;
  while (reader.Next(&record)) records.push_back(record.fields);
  return records;
}

std::set<std::string> FileNames(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename());
  return names;
}

std::string Rows(int first_id, int count) {
  std::string text;
  for (int i = first_id; i < first_id + count; ++i) {
    text += "e" + std::to_string(i) + ",a17,calls_handled,1\n";
  }
  return text;
}

class CsvDirPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.SetIngestHandler(
        [this](const pb::IngestCsvRequest& request, pb::IngestCsvResponse* response,
               std::string* error) { return store_.Ingest(request, response, error); });
    std::string error;
    plugin_ = LoadedPlugin::Load(PluginPath("csv_dir"), &host_, &error);
    ASSERT_NE(plugin_, nullptr) << error;
  }

  void InitWith(const std::map<std::string, std::string>& config = {}) {
    const pb::InitResponse init = plugin_->Init(dir_.path().string(), config);
    ASSERT_EQ(init.error(), "");
  }

  fs::path inbox() const { return dir_.path() / "inbox"; }
  fs::path processed() const { return dir_.path() / "processed"; }
  fs::path failed_dir() const { return dir_.path() / "failed"; }

  // How many captured log lines contain `text`.
  int LogCount(const std::string& text) const {
    int count = 0;
    for (const LogLine& line : host_.Logs()) {
      if (line.message.find(text) != std::string::npos) ++count;
    }
    return count;
  }

  // Writes a file that finished being written a minute ago, so the plugin takes it.
  fs::path Drop(const std::string& name, const std::string& content) const {
    return DropAt(inbox() / name, content);
  }
  static fs::path DropAt(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::minutes(1));
    return path;
  }

  FakeEventStore store_;
  FakePluginHost host_;
  TempDir dir_;
  std::unique_ptr<LoadedPlugin> plugin_;
};

TEST_F(CsvDirPluginTest, DescribesItsInboxAndCreatesFolders) {
  const pb::InitResponse init = plugin_->Init(dir_.path().string());
  EXPECT_EQ(init.error(), "");
  EXPECT_EQ(init.info().name(), "csv_dir");
  EXPECT_EQ(init.info().kind(), pb::PLUGIN_KIND_METRIC_SOURCE);
  ASSERT_EQ(init.info().sources_size(), 1);
  EXPECT_EQ(init.info().sources(0), (inbox() / "*.csv").string());
  EXPECT_TRUE(fs::is_directory(inbox()));
  EXPECT_TRUE(fs::is_directory(processed()));
  EXPECT_NE(plugin_->Init(dir_.path().string(), {{"inbx", "x"}}).error(), "");
}

TEST_F(CsvDirPluginTest, ImportsRowsMovesTheFileAndKeepsRejectedRowsWithReasons) {
  InitWith();
  const std::string content = std::string(kHeader) +
                              "\n"
                              "e1,a17,calls_handled,12\n"
                              "e2,a17,csat,lots\n"
                              "\n"
                              "e3,a18,calls_handled\n"
                              "\"e4\",a18,\"csat, weighted\",4.5\n"
                              "e5,a18,note,\"unterminated\n";
  Drop("events.csv", content);

  const pb::PollResponse poll = plugin_->Poll();
  EXPECT_EQ(poll.error(), "");
  EXPECT_EQ(poll.files_processed(), 1);

  const auto requests = store_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const pb::IngestCsvRequest& request = requests[0];
  EXPECT_EQ(request.source(), "events.csv");
  EXPECT_EQ(std::vector<std::string>(request.header().begin(), request.header().end()),
            (std::vector<std::string>{"event_id", "agent_id", "metric", "value"}));
  // Blank line 4 is skipped; the malformed record on line 7 is rejected without a host call.
  ASSERT_EQ(request.rows_size(), 4);
  EXPECT_EQ(request.rows(0).line(), 2);
  EXPECT_EQ(request.rows(1).line(), 3);
  EXPECT_EQ(request.rows(2).line(), 5);
  EXPECT_EQ(request.rows(3).line(), 6);
  EXPECT_EQ(
      std::vector<std::string>(request.rows(3).fields().begin(), request.rows(3).fields().end()),
      (std::vector<std::string>{"e4", "a18", "csat, weighted", "4.5"}));

  EXPECT_EQ(FileNames(inbox()), std::set<std::string>{});
  EXPECT_EQ(FileNames(processed()),
            (std::set<std::string>{"events.csv", "events.csv.rejected.csv"}));
  EXPECT_EQ(ReadFile(processed() / "events.csv"), content);

  const auto rejected = ReadCsv(processed() / "events.csv.rejected.csv");
  ASSERT_EQ(rejected.size(), 4u);
  EXPECT_EQ(rejected[0],
            (std::vector<std::string>{"event_id", "agent_id", "metric", "value", "reason"}));
  EXPECT_EQ(rejected[1], (std::vector<std::string>{"e2", "a17", "csat", "lots",
                                                   "value \"lots\" is not a number"}));
  EXPECT_EQ(rejected[2], (std::vector<std::string>{"e3", "a18", "calls_handled", "",
                                                   "expected 4 fields, got 3"}));
  EXPECT_EQ(rejected[3], (std::vector<std::string>{
                             "e5", "a18", "note", "unterminated",
                             "unterminated quoted field (the quote at column 13 is not closed on "
                             "this line; a field cannot span lines)"}));

  EXPECT_TRUE(host_.Logged("csv_dir: events.csv: imported 2, duplicates 0, rejected 3"));
}

TEST_F(CsvDirPluginTest, FileWithoutRejectionsGetsNoRejectedFile) {
  InitWith();
  Drop("clean.csv", std::string(kHeader) + "\n" + Rows(1, 3));
  EXPECT_EQ(plugin_->Poll().files_processed(), 1);
  EXPECT_EQ(FileNames(processed()), std::set<std::string>{"clean.csv"});
  EXPECT_TRUE(host_.Logged("csv_dir: clean.csv: imported 3, duplicates 0, rejected 0"));
}

TEST_F(CsvDirPluginTest, HostFailureLeavesFilesForTheNextPoll) {
  InitWith();
  Drop("a.csv", std::string(kHeader) + "\n" + Rows(1, 2));
  Drop("b.csv", std::string(kHeader) + "\n" + Rows(3, 2));
  store_.FailNext(1);

  const pb::PollResponse failed = plugin_->Poll();
  EXPECT_EQ(failed.files_processed(), 0);
  EXPECT_NE(failed.error().find("store unavailable"), std::string::npos) << failed.error();
  EXPECT_EQ(store_.requests().size(), 1u) << "the poll stops at the first host failure";
  EXPECT_EQ(FileNames(inbox()), (std::set<std::string>{"a.csv", "b.csv"}));
  EXPECT_EQ(FileNames(processed()), std::set<std::string>{});
  EXPECT_EQ(FileNames(failed_dir()), std::set<std::string>{}) << "a host failure may pass";
  bool warned = false;
  for (const LogLine& line : host_.Logs()) {
    warned = warned || (line.level == pb::LogRequest::WARNING &&
                        line.message.find("a.csv") != std::string::npos);
  }
  EXPECT_TRUE(warned);

  const pb::PollResponse retried = plugin_->Poll();
  EXPECT_EQ(retried.error(), "");
  EXPECT_EQ(retried.files_processed(), 2);
  EXPECT_EQ(FileNames(inbox()), std::set<std::string>{});
  EXPECT_EQ(FileNames(processed()), (std::set<std::string>{"a.csv", "b.csv"}));
  EXPECT_EQ(store_.stored(), 4u);
}

TEST_F(CsvDirPluginTest, ErrorInIngestResponseAlsoLeavesTheFile) {
  InitWith();
  Drop("a.csv", std::string(kHeader) + "\n" + Rows(1, 2));
  store_.FailNext(1, /*in_response=*/true);

  const pb::PollResponse failed = plugin_->Poll();
  EXPECT_NE(failed.error().find("database is locked"), std::string::npos) << failed.error();
  EXPECT_EQ(FileNames(inbox()), std::set<std::string>{"a.csv"});
  EXPECT_EQ(FileNames(failed_dir()), std::set<std::string>{});

  EXPECT_EQ(plugin_->Poll().files_processed(), 1);
  EXPECT_EQ(FileNames(processed()), std::set<std::string>{"a.csv"});
}

TEST_F(CsvDirPluginTest, LargeFileIsSentInChunksAndMovedOnce) {
  InitWith();
  Drop("big.csv", std::string(kHeader) + "\n" + Rows(1, 12000));

  EXPECT_EQ(plugin_->Poll().files_processed(), 1);
  const auto requests = store_.requests();
  ASSERT_EQ(requests.size(), 3u);  // 5000 + 5000 + 2000
  int64_t expected_line = 2;
  for (const pb::IngestCsvRequest& request : requests) {
    EXPECT_LE(request.rows_size(), 5000);
    EXPECT_EQ(request.source(), "big.csv");
    EXPECT_EQ(request.header_size(), 4);
    for (const pb::CsvRow& row : request.rows()) EXPECT_EQ(row.line(), expected_line++);
  }
  EXPECT_EQ(expected_line, 12002);
  EXPECT_EQ(store_.stored(), 12000u);
  EXPECT_EQ(FileNames(inbox()), std::set<std::string>{});
  EXPECT_EQ(FileNames(processed()), std::set<std::string>{"big.csv"});
  EXPECT_TRUE(host_.Logged("csv_dir: big.csv: imported 12000, duplicates 0, rejected 0"));
}

TEST_F(CsvDirPluginTest, FailureMidFileResendsTheFileAndCountsStoredRowsAsDuplicates) {
  InitWith();
  Drop("big.csv", std::string(kHeader) + "\n" + Rows(1, 12000));
  // The first chunk is stored, the second fails: as if the server had crashed mid-file.
  host_.SetIngestHandler([this, calls = 0](const pb::IngestCsvRequest& request,
                                           pb::IngestCsvResponse* response,
                                           std::string* error) mutable {
    if (++calls == 2) {
      *error = "store unavailable";
      return false;
    }
    return store_.Ingest(request, response, error);
  });

  EXPECT_EQ(plugin_->Poll().files_processed(), 0);
  EXPECT_EQ(store_.stored(), 5000u);
  EXPECT_EQ(FileNames(inbox()), std::set<std::string>{"big.csv"});

  EXPECT_EQ(plugin_->Poll().files_processed(), 1);
  EXPECT_EQ(store_.stored(), 12000u);
  EXPECT_EQ(FileNames(processed()), std::set<std::string>{"big.csv"});
  EXPECT_TRUE(host_.Logged("csv_dir: big.csv: imported 7000, duplicates 5000, rejected 0"));
}

TEST_F(CsvDirPluginTest, IgnoresOtherFilesHiddenFilesAndFilesStillBeingWritten) {
  InitWith();
  Drop("notes.txt", std::string(kHeader) + "\n" + Rows(1, 1));
  Drop(".upload.csv", std::string(kHeader) + "\n" + Rows(2, 1));
  Drop("events.csv.part", std::string(kHeader) + "\n" + Rows(3, 1));
  fs::create_directories(inbox() / "folder.csv");
  // Modified just now: probably still being written.
  std::ofstream(inbox() / "fresh.csv") << kHeader << "\n" << Rows(4, 1);

  const pb::PollResponse poll = plugin_->Poll();
  EXPECT_EQ(poll.error(), "");
  EXPECT_EQ(poll.files_processed(), 0);
  EXPECT_TRUE(store_.requests().empty());
  EXPECT_EQ(FileNames(inbox()),
            (std::set<std::string>{"notes.txt", ".upload.csv", "events.csv.part", "folder.csv",
                                   "fresh.csv"}));

  fs::last_write_time(inbox() / "fresh.csv",
                      fs::file_time_type::clock::now() - std::chrono::seconds(5));
  EXPECT_EQ(plugin_->Poll().files_processed(), 1);
  EXPECT_EQ(FileNames(processed()), std::set<std::string>{"fresh.csv"});
}

TEST_F(CsvDirPluginTest, ProcessesFilesInNameOrder) {
  InitWith();
  Drop("2026-10-02.csv", std::string(kHeader) + "\n" + Rows(1, 1));
  Drop("2026-10-01.csv", std::string(kHeader) + "\n" + Rows(2, 1));
  Drop("2026-09-30.csv", std::string(kHeader) + "\n" + Rows(3, 1));
  EXPECT_EQ(plugin_->Poll().files_processed(), 3);
  const auto requests = store_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].source(), "2026-09-30.csv");
  EXPECT_EQ(requests[1].source(), "2026-10-01.csv");
  EXPECT_EQ(requests[2].source(), "2026-10-02.csv");
}

TEST_F(CsvDirPluginTest, NameTakenInProcessedGetsANumericSuffix) {
  InitWith();
  DropAt(processed() / "events.csv", "earlier file\n");
  DropAt(processed() / "events-1.csv", "earlier file\n");
  const std::string content = std::string(kHeader) + "\n" + Rows(1, 1) + "e2,a17,csat,x\n";
  Drop("events.csv", content);

  EXPECT_EQ(plugin_->Poll().files_processed(), 1);
  EXPECT_EQ(FileNames(inbox()), std::set<std::string>{});
  EXPECT_EQ(FileNames(processed()),
            (std::set<std::string>{"events.csv", "events-1.csv", "events-2.csv",
                                   "events-2.csv.rejected.csv"}));
  EXPECT_EQ(ReadFile(processed() / "events.csv"), "earlier file\n");
  EXPECT_EQ(ReadFile(processed() / "events-2.csv"), content);
}

TEST_F(CsvDirPluginTest, InboxConfigChoosesTheFolder) {
  InitWith({{"inbox", "drop"}});
  const fs::path drop = dir_.path() / "drop";
  EXPECT_TRUE(fs::is_directory(drop));
  DropAt(drop / "events.csv", std::string(kHeader) + "\n" + Rows(1, 1));
  EXPECT_EQ(plugin_->Poll().files_processed(), 1);
  EXPECT_EQ(FileNames(drop), std::set<std::string>{});
  EXPECT_EQ(FileNames(processed()), std::set<std::string>{"events.csv"});
}

TEST_F(CsvDirPluginTest, PollIntervalSpacesScansByTheHostClock) {
  host_.SetNowMicros(1'000'000'000);
  InitWith({{"poll_interval_ms", "1000"}});
  Drop("first.csv", std::string(kHeader) + "\n" + Rows(1, 1));
  EXPECT_EQ(plugin_->Poll().files_processed(), 1);

  Drop("second.csv", std::string(kHeader) + "\n" + Rows(2, 1));
  host_.SetNowMicros(1'000'999'000);  // 999 ms later: too soon
  EXPECT_EQ(plugin_->Poll().files_processed(), 0);
  EXPECT_EQ(FileNames(inbox()), std::set<std::string>{"second.csv"});

  host_.SetNowMicros(1'001'000'000);
  EXPECT_EQ(plugin_->Poll().files_processed(), 1);
  EXPECT_EQ(FileNames(inbox()), std::set<std::string>{});
}

TEST_F(CsvDirPluginTest, RefusesABadPollInterval) {
  for (const char* bad : {"", "-5", "1s", "99999999999"}) {
    const pb::InitResponse init = plugin_->Init(dir_.path().string(), {{"poll_interval_ms", bad}});
    EXPECT_NE(init.error().find("poll_interval_ms"), std::string::npos) << bad;
  }
}

TEST_F(CsvDirPluginTest, HeaderOnlyAndEmptyFilesAreMovedWithoutHostCalls) {
  InitWith();
  Drop("empty.csv", "");
  Drop("header.csv", std::string(kHeader) + "\n");
  EXPECT_EQ(plugin_->Poll().files_processed(), 2);
  EXPECT_TRUE(store_.requests().empty());
  EXPECT_EQ(FileNames(processed()), (std::set<std::string>{"empty.csv", "header.csv"}));
}

TEST_F(CsvDirPluginTest, FilesThatCanNeverBeImportedAreSetAsideWithWhyAndLaterFilesGoOn) {
  InitWith();
  Drop("a-binary.csv", std::string("event_id,agent_id\n\x01\x00\x02", 21));
  Drop("c-columns.csv", "id,agent,metric,value\ne1,a17,calls_handled,1\n");
  Drop("d-header.csv", "\"event_id,agent_id,metric,value\ne1,a17,calls_handled,1\n");
  Drop("e-good.csv", std::string(kHeader) + "\n" + Rows(1, 2));

  const pb::PollResponse poll = plugin_->Poll();
  EXPECT_EQ(poll.error(), "");
  EXPECT_EQ(poll.files_processed(), 4);
  EXPECT_EQ(FileNames(inbox()), std::set<std::string>{});
  EXPECT_EQ(FileNames(processed()), std::set<std::string>{"e-good.csv"});
  EXPECT_EQ(FileNames(failed_dir()),
            (std::set<std::string>{"a-binary.csv", "a-binary.csv.error", "c-columns.csv",
                                   "c-columns.csv.error", "d-header.csv", "d-header.csv.error"}));
  EXPECT_EQ(ReadFile(failed_dir() / "a-binary.csv.error"),
            "line 2: a NUL byte: not a text file (a spreadsheet, or text saved as UTF-16?)\n");
  EXPECT_EQ(ReadFile(failed_dir() / "c-columns.csv.error"),
            "line 1: header: missing column event_id\n");
  EXPECT_EQ(ReadFile(failed_dir() / "d-header.csv.error"),
            "line 1: header: unterminated quoted field (the quote at column 1 is not closed on "
            "this line; a field cannot span lines)\n");
  EXPECT_EQ(ReadFile(failed_dir() / "c-columns.csv"),
            "id,agent,metric,value\ne1,a17,calls_handled,1\n");

  // Only the file with the refused header reached the host, and nothing of it was stored.
  const auto requests = store_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].source(), "c-columns.csv");
  EXPECT_EQ(requests[1].source(), "e-good.csv");
  EXPECT_EQ(store_.stored(), 2u);

  // Logged once each, as they moved; the next polls have nothing to say about them.
  for (const char* name : {"a-binary.csv", "c-columns.csv", "d-header.csv"}) {
    EXPECT_EQ(LogCount(std::string("csv_dir: ") + name + ": cannot be imported"), 1) << name;
  }
  const size_t logged = host_.Logs().size();
  EXPECT_EQ(plugin_->Poll().files_processed(), 0);
  EXPECT_EQ(plugin_->Poll().files_processed(), 0);
  EXPECT_EQ(host_.Logs().size(), logged);
}

TEST_F(CsvDirPluginTest, ALineNotValidUtf8IsRejectedAndTheRestOfTheFileImported) {
  InitWith();
  Drop("latin1.csv",
       std::string(kHeader) + "\ne1,a17,calls_handled,1\ne2,Jos\xe9,csat,4\ne3,a17,csat,5\n\xc3");
  EXPECT_EQ(plugin_->Poll().files_processed(), 1);
  EXPECT_EQ(FileNames(failed_dir()), std::set<std::string>{});
  EXPECT_EQ(store_.stored(), 2u);
  const auto rejected = ReadCsv(processed() / "latin1.csv.rejected.csv");
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_EQ(rejected[1].back(),
            "not valid UTF-8 (byte 0xE9 at column 7; if the file is Latin-1 or Windows-1252, give "
            "--encoding)");
  // The file ends inside a character: that last line is rejected too.
  EXPECT_EQ(rejected[2].back().rfind("not valid UTF-8 (byte 0xC3 at column 1", 0), 0u);
}

TEST_F(CsvDirPluginTest, TheEncodingSettingDecodesLatin1) {
  InitWith({{"encoding", "latin1"}});
  Drop("latin1.csv", std::string(kHeader) + "\ne2,Jos\xe9,csat,4\n");
  EXPECT_EQ(plugin_->Poll().files_processed(), 1);
  const auto requests = store_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].rows(0).fields(1), "Jos\xc3\xa9");
}

TEST_F(CsvDirPluginTest, ValidUtf8InEveryFieldIsImported) {
  InitWith();
  // Two-, three- and four-byte characters, across the file.
  Drop("names.csv", std::string(kHeader) +
                        "\ne1,Jos\xc3\xa9,calls_handled,1\ne2,\xe6\x9d\xb1,csat,4\n"
                        "e3,\xf0\x9f\x98\x80,csat,5\n");
  EXPECT_EQ(plugin_->Poll().files_processed(), 1);
  EXPECT_EQ(FileNames(processed()), std::set<std::string>{"names.csv"});
  EXPECT_EQ(FileNames(failed_dir()), std::set<std::string>{});
  EXPECT_EQ(store_.stored(), 3u);
}

TEST_F(CsvDirPluginTest, NameTakenInFailedGetsANumericSuffix) {
  InitWith();
  Drop("x.csv", "id\n1\n");
  Drop("x-1.csv", std::string(kHeader) + "\n" + Rows(1, 1));  // imported: not in failed/
  ASSERT_EQ(plugin_->Poll().files_processed(), 2);
  Drop("x.csv", "no,header,here\n1,2,3\n");
  ASSERT_EQ(plugin_->Poll().files_processed(), 1);
  EXPECT_EQ(FileNames(failed_dir()),
            (std::set<std::string>{"x.csv", "x.csv.error", "x-1.csv", "x-1.csv.error"}));
  EXPECT_EQ(ReadFile(failed_dir() / "x-1.csv"), "no,header,here\n1,2,3\n");
  EXPECT_EQ(ReadFile(failed_dir() / "x-1.csv.error"), "line 1: header: missing column event_id\n");
}

TEST_F(CsvDirPluginTest, AFileThatCannotBeOpenedIsSetAside) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads a file without read permission";
  InitWith();
  const fs::path path = Drop("locked.csv", std::string(kHeader) + "\n" + Rows(1, 1));
  fs::permissions(path, fs::perms::none);
  EXPECT_EQ(plugin_->Poll().files_processed(), 1);
  EXPECT_EQ(ReadFile(failed_dir() / "locked.csv.error"), "cannot open: Permission denied\n");
  EXPECT_TRUE(store_.requests().empty());
}

}  // namespace
}  // namespace plaudit::testing

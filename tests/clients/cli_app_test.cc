// Drives whole `plaudit` invocations against in-process fake services on a port chosen by the
// kernel, so the exit codes, stdout and stderr the contract promises are checked without plauditd.
#include "clients/plaudit/cli_app.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "plaudit/v1/agents.grpc.pb.h"
#include "plaudit/v1/awards.grpc.pb.h"
#include "plaudit/v1/metrics.grpc.pb.h"
#include "plaudit/v1/plugins.grpc.pb.h"
#include "plaudit/v1/programs.grpc.pb.h"
#include "plaudit_version.h"

namespace plaudit::cli {
namespace {

class FakeAgents final : public v1::AgentService::Service {
 public:
  // Rows with an empty id are rejected, as the real server would.
  grpc::Status ImportAgents(grpc::ServerContext*, const v1::ImportAgentsRequest* request,
                            v1::ImportAgentsResponse* response) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      request_sizes_.push_back(request->rows_size());
    }
    for (const v1::CsvRow& row : request->rows()) {
      if (row.fields_size() == 0 || row.fields(0).empty()) {
        response->set_rejected(response->rejected() + 1);
        v1::RowError* error = response->add_errors();
        error->set_line(row.line());
        error->set_reason("id: required");
      } else {
        response->set_imported(response->imported() + 1);
      }
    }
    return grpc::Status::OK;
  }

  // Three agents, two per page whatever the client asks for.
  grpc::Status ListAgents(grpc::ServerContext*, const v1::ListAgentsRequest* request,
                          v1::ListAgentsResponse* response) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      page_sizes_.push_back(request->page_size());
    }
    const std::vector<std::string> ids = {"a-1", "a-2", "a-3"};
    size_t start = request->page_token().empty() ? 0 : std::stoul(request->page_token());
    for (size_t i = start; i < std::min(start + 2, ids.size()); ++i) {
      v1::Agent* agent = response->add_agents();
      agent->set_id(ids[i]);
      agent->set_channel(v1::CHANNEL_PHONE);
      agent->set_active(true);
    }
    if (start + 2 < ids.size()) response->set_next_page_token(std::to_string(start + 2));
    return grpc::Status::OK;
  }

  std::vector<int32_t> page_sizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return page_sizes_;
  }
  std::vector<int> request_sizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return request_sizes_;
  }

 private:
  std::mutex mu_;
  std::vector<int32_t> page_sizes_;
  std::vector<int> request_sizes_;
};

class FakeMetrics final : public v1::MetricService::Service {
 public:
  // A row whose value field is "x" is rejected; one with event id "dup" is a duplicate, and
  // with "rep" replaced. Each message is acknowledged, as the real server does once it is
  // committed; a message holding a row with event id "boom" breaks the stream instead. A first
  // message asking to replace is refused unless "ops" asks.
  grpc::Status StreamEvents(grpc::ServerContext* context,
                            grpc::ServerReaderWriter<v1::ImportEventsProgress,
                                                     v1::ImportEventsRequest>* stream) override {
    v1::ImportEventsRequest message;
    std::vector<int> sizes;
    int header_fields = -1;
    grpc::Status status = grpc::Status::OK;
    while (stream->Read(&message)) {
      if (header_fields < 0) {
        header_fields = message.header_size();
        auto actor = context->client_metadata().find("x-plaudit-actor");
        std::lock_guard<std::mutex> lock(mu_);
        replace_ = message.replace();
        reason_ = message.reason();
        actor_ = actor == context->client_metadata().end()
                     ? ""
                     : std::string(actor->second.data(), actor->second.size());
        if (replace_ && actor_ != "ops") {
          return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                              actor_ + " is not an admin: only admins make corrections");
        }
      }
      sizes.push_back(message.rows_size());
      v1::ImportEventsProgress ack;
      ack.set_chunk_seq(message.chunk_seq());
      for (const v1::CsvRow& row : message.rows()) {
        if (row.fields(0) == "boom") {
          status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection reset");
        } else if (row.fields(3) == "x") {
          ack.set_rejected(ack.rejected() + 1);
          v1::RowError* error = ack.add_errors();
          error->set_line(row.line());
          error->set_reason("value: not a number");
        } else if (row.fields(0) == "dup") {
          ack.set_duplicates(ack.duplicates() + 1);
        } else if (row.fields(0) == "rep") {
          ack.set_replaced(ack.replaced() + 1);
        } else {
          ack.set_imported(ack.imported() + 1);
        }
      }
      if (!status.ok()) break;
      stream->Write(ack);
    }
    std::lock_guard<std::mutex> lock(mu_);
    message_sizes_ = sizes;
    header_fields_ = header_fields;
    return status;
  }

  std::vector<int> message_sizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return message_sizes_;
  }
  int header_fields() {
    std::lock_guard<std::mutex> lock(mu_);
    return header_fields_;
  }
  // What the first message of the last stream asked, and who asked it.
  std::tuple<bool, std::string, std::string> replace_reason_actor() {
    std::lock_guard<std::mutex> lock(mu_);
    return {replace_, reason_, actor_};
  }

 private:
  std::mutex mu_;
  std::vector<int> message_sizes_;
  int header_fields_ = -1;
  bool replace_ = false;
  std::string reason_;
  std::string actor_;
};

class FakePrograms final : public v1::ProgramService::Service {
 public:
  grpc::Status ApplyProgram(grpc::ServerContext*, const v1::ApplyProgramRequest* request,
                            v1::Program* program) override {
    if (request->yaml().find("weight: -1") != std::string::npos) {
      google::rpc::BadRequest bad_request;
      auto* violation = bad_request.add_field_violations();
      violation->set_field("scorecard.metrics[0].weight");
      violation->set_description("must be positive");
      google::rpc::Status details;
      details.set_code(grpc::StatusCode::INVALID_ARGUMENT);
      details.set_message("program eotm is invalid");
      details.add_details()->PackFrom(bad_request);
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "program eotm is invalid",
                          details.SerializeAsString());
    }
    program->set_id("eotm");
    program->set_version(2);
    return grpc::Status::OK;
  }
};

class FakeAwards final : public v1::AwardService::Service {
 public:
  grpc::Status EvaluateAwards(grpc::ServerContext*, const v1::EvaluateAwardsRequest* request,
                              v1::EvaluateAwardsResponse* response) override {
    if (request->program_id() != "eotm") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "program \"" + request->program_id() + "\" not found");
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_request_ = *request;
    }
    // Ranked first, then the ineligible, a page of them as plauditd pages them (page_size 0:
    // every one; no token, around or agent checks).
    std::vector<v1::Standing> standings;
    for (int rank = 1; rank <= 3; ++rank) {
      v1::Standing& ranked = standings.emplace_back();
      ranked.set_agent_id("a-" + std::to_string(rank));
      ranked.set_eligible(true);
      ranked.set_rank(rank);
      v1::MetricStanding* csat = ranked.add_metrics();
      csat->set_metric("csat");
      csat->set_value(4.5);
      csat->set_samples(40);
    }
    v1::Standing& ineligible = standings.emplace_back();
    ineligible.set_agent_id("a-9");
    ineligible.add_reasons("inactive");
    int begin = request->page_token().empty() ? 0 : std::stoi(request->page_token());
    int size = request->page_size() == 0 ? 4 : request->page_size();
    if (!request->agent_id().empty()) {
      begin = std::stoi(request->agent_id().substr(2)) - 1;
      size = 1;
    }
    const int end = std::min(4, begin + size);
    for (int i = begin; i < end; ++i) *response->add_standings() = standings[i];
    response->set_total_standings(4);
    response->set_standings_offset(begin);
    if (end < 4 && request->agent_id().empty()) {
      response->set_next_page_token(std::to_string(end));
    }
    v1::Award* award = response->add_awards();
    award->set_id("eotm.2026-10.a-1");
    award->set_agent_id("a-1");
    award->set_state(v1::Award::PROPOSED);
    award->mutable_decided_at()->set_seconds(1793487600);  // 2026-10-31T23:00:00Z
    response->set_newly_committed(!request->dry_run());
    return grpc::Status::OK;
  }

  // "over" is left over budget by its approval, as a fixed budget of 20 EUR would leave a
  // 50 EUR award; any other id is approved.
  grpc::Status ApproveAward(grpc::ServerContext*, const v1::ApproveAwardRequest* request,
                            v1::Award* award) override {
    award->set_id(request->award_id());
    if (request->award_id() == "over") {
      award->set_state(v1::Award::OVER_BUDGET);
      award->set_state_reason(
          "approved by team-lead; fixed budget has 20 EUR left, the award is 50 EUR");
    } else {
      award->set_state(v1::Award::APPROVED);
    }
    return grpc::Status::OK;
  }

  v1::EvaluateAwardsRequest last_request() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_request_;
  }

 private:
  std::mutex mu_;
  v1::EvaluateAwardsRequest last_request_;
};

class FakePlugins final : public v1::PluginService::Service {
 public:
  grpc::Status ListPlugins(grpc::ServerContext*, const v1::ListPluginsRequest*,
                           v1::ListPluginsResponse* response) override {
    v1::PluginStatus* plugin = response->add_plugins();
    plugin->set_name("certificate");
    plugin->set_loaded(true);
    return grpc::Status::OK;
  }

  // Answers every query with one row (a gift-card brand, or a parking spot for any other
  // plugin) and remembers what was asked, and by whom.
  grpc::Status QueryPlugin(grpc::ServerContext* context, const v1::QueryPluginRequest* request,
                           v1::QueryPluginResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    last_query_ = *request;
    auto [begin, end] = context->client_metadata().equal_range("x-plaudit-actor");
    last_actor_ = begin == end ? "" : std::string(begin->second.data(), begin->second.size());
    auto* row = response->add_rows();
    if (request->plugin() == "gift_card") {
      response->add_columns("brand");
      response->add_columns("name");
      row->add_cells("bookshop");
      row->add_cells("Paper Lantern Books");
    } else {
      response->add_columns("spot");
      response->add_columns("agent");
      row->add_cells("P1");
      row->add_cells("Zoë Lindqvist (a17)");
    }
    return grpc::Status::OK;
  }

  v1::QueryPluginRequest last_query() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_query_;
  }
  std::string last_actor() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_actor_;
  }

 private:
  std::mutex mu_;
  v1::QueryPluginRequest last_query_;
  std::string last_actor_;
};

struct Invocation {
  int exit_code;
  std::string out;
  std::string err;
};

Invocation Plaudit(const std::vector<std::string>& args, const char* env_server = nullptr,
                   bool err_is_terminal = false) {
  std::vector<const char*> argv = {"plaudit"};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out;
  std::ostringstream err;
  int exit_code =
      RunPlaudit(static_cast<int>(argv.size()), argv.data(), env_server, out, err, err_is_terminal);
  return {exit_code, out.str(), err.str()};
}

// A loopback port nothing listens on: bound by the kernel's choice, then released.
std::string ClosedLoopbackAddress() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  close(fd);
  return "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
}

bool IsOneErrorLine(const std::string& err) {
  return err.starts_with("plaudit: ") && std::count(err.begin(), err.end(), '\n') == 1 &&
         err.ends_with("\n");
}

class PlauditCliTest : public testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&agents_);
    builder.RegisterService(&metrics_);
    builder.RegisterService(&programs_);
    builder.RegisterService(&awards_);
    builder.RegisterService(&plugins_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    address_ = "127.0.0.1:" + std::to_string(port);
    dir_ = std::filesystem::path(testing::TempDir()) /
           ("plaudit_cli_" + std::to_string(getpid()) + "_" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string WriteFile(const std::string& name, const std::string& contents) {
    std::filesystem::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << contents;
    return path.string();
  }

  FakeAgents agents_;
  FakeMetrics metrics_;
  FakePrograms programs_;
  FakeAwards awards_;
  FakePlugins plugins_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::filesystem::path dir_;
};

TEST_F(PlauditCliTest, UsageErrorsExitTwoWithOneLine) {
  const std::vector<std::vector<std::string>> bad_usages = {
      {},
      {"agents"},
      {"teleport"},
      {"awards", "evaluate", "eotm"},
      {"agents", "list", "-o", "xml"},
      {"awards", "evaluate", "eotm", "--period", "2026-10", "-o", "csv"},
      {"programs", "apply"},
  };
  for (const auto& args : bad_usages) {
    std::vector<std::string> with_server = {"--server", address_};
    with_server.insert(with_server.end(), args.begin(), args.end());
    Invocation run = Plaudit(with_server);
    EXPECT_EQ(run.exit_code, kExitUsage) << run.err;
    EXPECT_TRUE(IsOneErrorLine(run.err)) << run.err;
    EXPECT_EQ(run.out, "");
  }
}

TEST_F(PlauditCliTest, PluginQueryCommandsSendTheirQueryAndArgs) {
  struct Case {
    std::vector<std::string> args;
    std::string plugin;
    std::string method;
    std::map<std::string, std::string> query_args;
  };
  const std::vector<Case> cases = {
      {{"parking", "calendar"}, "parking", "calendar", {}},
      {{"parking", "calendar", "--month", "2026-11"},
       "parking",
       "calendar",
       {{"month", "2026-11"}}},
      {{"tasks", "list"}, "manual", "tasks", {}},
      {{"tasks", "list", "--status", "done", "--role", "facilities"},
       "manual",
       "tasks",
       {{"status", "done"}, {"assignee_role", "facilities"}}},
      {{"leave", "balances", "--agent", "a17"}, "leave_credit", "balances", {{"agent", "a17"}}},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"--server", address_};
    args.insert(args.end(), c.args.begin(), c.args.end());
    args.insert(args.end(), {"-o", "csv"});
    Invocation run = Plaudit(args);
    ASSERT_EQ(run.exit_code, kExitSuccess) << run.err;
    EXPECT_EQ(run.out, "spot,agent\nP1,Zoë Lindqvist (a17)\n");
    const v1::QueryPluginRequest sent = plugins_.last_query();
    EXPECT_EQ(sent.plugin(), c.plugin);
    EXPECT_EQ(sent.method(), c.method);
    const std::map<std::string, std::string> sent_args(sent.args().begin(), sent.args().end());
    EXPECT_EQ(sent_args, c.query_args);
  }
  EXPECT_EQ(Plaudit({"--server", address_, "tasks", "list", "--status", "later"}).exit_code,
            kExitUsage);
}

TEST_F(PlauditCliTest, HelpExitsZero) {
  Invocation run = Plaudit({"--help"});
  EXPECT_EQ(run.exit_code, kExitSuccess);
  EXPECT_NE(run.out.find("agents"), std::string::npos) << run.out;
}

TEST_F(PlauditCliTest, VersionPrintsTheVersionAndExitsZero) {
  Invocation run = Plaudit({"--version"});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(run.out, std::string("plaudit ") + kPlauditVersion + "\n");
}

TEST_F(PlauditCliTest, UnknownTimeZoneIsAUsageError) {
  Invocation run =
      Plaudit({"--server", address_, "--time-zone", "Mars/Olympus", "plugins", "list"});
  EXPECT_EQ(run.exit_code, kExitUsage);
  EXPECT_TRUE(IsOneErrorLine(run.err)) << run.err;
  EXPECT_NE(run.err.find("unknown time zone \"Mars/Olympus\""), std::string::npos) << run.err;
}

TEST_F(PlauditCliTest, UnknownHostIsOneLineSayingSo) {
  Invocation run = Plaudit({"--server", "nohost.invalid", "plugins", "list"});
  EXPECT_EQ(run.exit_code, kExitFailure);
  EXPECT_EQ(run.err, "plaudit: cannot reach plauditd at nohost.invalid:50051: host not found\n");
}

TEST_F(PlauditCliTest, RefusedConnectionAsksWhetherPlauditdRuns) {
  std::string closed = ClosedLoopbackAddress();
  Invocation run = Plaudit({"--server", closed, "plugins", "list"});
  EXPECT_EQ(run.exit_code, kExitFailure);
  EXPECT_EQ(run.err, "plaudit: cannot reach plauditd at " + closed +
                         ": connection refused \u2014 is plauditd running?\n");
}

TEST_F(PlauditCliTest, UnreachableServerIsOneLineNamingTheAddress) {
  std::string closed = ClosedLoopbackAddress();
  Invocation run = Plaudit({"--server", closed, "plugins", "list"});
  EXPECT_EQ(run.exit_code, kExitFailure);
  EXPECT_TRUE(run.err.starts_with("plaudit: cannot reach plauditd at " + closed + ": ")) << run.err;
  EXPECT_TRUE(IsOneErrorLine(run.err)) << run.err;
}

TEST_F(PlauditCliTest, EnvironmentNamesTheServerAndTheFlagOverridesIt) {
  Invocation from_env = Plaudit({"plugins", "list"}, address_.c_str());
  EXPECT_EQ(from_env.exit_code, kExitSuccess) << from_env.err;
  std::string closed = ClosedLoopbackAddress();
  Invocation from_flag = Plaudit({"--server", address_, "plugins", "list"}, closed.c_str());
  EXPECT_EQ(from_flag.exit_code, kExitSuccess) << from_flag.err;
  Invocation flag_after_command = Plaudit({"plugins", "list", "--server", address_});
  EXPECT_EQ(flag_after_command.exit_code, kExitSuccess) << flag_after_command.err;
}

TEST_F(PlauditCliTest, UnreadableFileIsOneLine) {
  std::string missing = (dir_ / "missing.csv").string();
  Invocation run = Plaudit({"--server", address_, "agents", "import", missing});
  EXPECT_EQ(run.exit_code, kExitFailure);
  EXPECT_EQ(run.err, "plaudit: cannot read " + missing + ": No such file or directory\n");
}

TEST_F(PlauditCliTest, AgentsListFetchesEveryPage) {
  Invocation run = Plaudit({"--server", address_, "agents", "list", "-o", "csv"});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(run.out,
            "id,display_name,email,team,channel,hire_date,status,public_praise\n"
            "a-1,,,,phone,,active,yes\n"
            "a-2,,,,phone,,active,yes\n"
            "a-3,,,,phone,,active,yes\n");
  EXPECT_EQ(agents_.page_sizes(), (std::vector<int32_t>{500, 500}));
}

TEST_F(PlauditCliTest, AgentsImportReportsRejectedRowsAndExitsOne) {
  std::string path = WriteFile("agents.csv",
                               "id,display_name,team\n"
                               "a-1,Ann,red\n"
                               ",Nobody,red\n"
                               "a-2,Bob,blue\n");
  Invocation run = Plaudit({"--server", address_, "agents", "import", path});
  EXPECT_EQ(run.exit_code, kExitFailure);
  EXPECT_EQ(run.out, "imported 2, rejected 1\n");
  EXPECT_EQ(run.err, "line 3: id: required\n");
}

TEST_F(PlauditCliTest, AgentsImportOfACleanFileExitsZero) {
  std::string path = WriteFile("agents.csv", "id,display_name\na-1,Ann\n");
  Invocation run = Plaudit({"--server", address_, "agents", "import", path});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(run.out, "imported 1, rejected 0\n");
  EXPECT_EQ(run.err, "");
}

TEST_F(PlauditCliTest, AgentsImportSendsALargeFileInRequestsOfTwoThousand) {
  std::string csv = "id,display_name\n";
  for (int i = 0; i < 4500; ++i) csv += "a-" + std::to_string(i) + ",Agent\n";
  std::string path = WriteFile("agents.csv", csv);
  Invocation run = Plaudit({"--server", address_, "agents", "import", path});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(run.out, "imported 4500, rejected 0\n");
  EXPECT_EQ(agents_.request_sizes(), (std::vector<int>{2000, 2000, 500}));
}

TEST_F(PlauditCliTest, MetricsImportSaysWhichRowsAreStoredWhenTheStreamBreaks) {
  std::string csv = "event_id,agent_id,metric,value,occurred_at\n";
  for (int i = 0; i < 4500; ++i) {
    csv += (i == 4200 ? std::string("boom") : "e" + std::to_string(i)) +
           ",a-1,calls,1,2026-10-01T09:00:00Z\n";
  }
  std::string path = WriteFile("events.csv", csv);
  Invocation run = Plaudit({"--server", address_, "metrics", "import", path});
  EXPECT_EQ(run.exit_code, kExitFailure);
  EXPECT_EQ(run.out, "");
  EXPECT_TRUE(run.err.starts_with("stream lost after row 4000; rows up to 4000 (line 4001 of " +
                                  path +
                                  ") are stored; run again to resume (duplicates are skipped)\n"))
      << run.err;
  EXPECT_NE(run.err.find("connection reset"), std::string::npos) << run.err;
}

TEST_F(PlauditCliTest, MetricsImportStreamsTheHeaderThenChunksOfTwoThousand) {
  std::string csv = "event_id,agent_id,metric,value,occurred_at\n";
  for (int i = 0; i < 4500; ++i) {
    csv += "e" + std::to_string(i) + ",a-1,calls,1,2026-10-01T09:00:00Z\n";
  }
  csv += "dup,a-1,calls,1,2026-10-01T09:00:00Z\n";
  std::string path = WriteFile("events.csv", csv);
  Invocation run = Plaudit({"--server", address_, "metrics", "import", path});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(run.out, "imported 4500, duplicates 1, rejected 0\n");
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(metrics_.header_fields(), 5);
  EXPECT_EQ(metrics_.message_sizes(), (std::vector<int>{0, 2000, 2000, 501}));
}

TEST_F(PlauditCliTest, MetricsImportReplaceAsksOnTheFirstMessageAndCountsReplacedRows) {
  std::string path = WriteFile("events.csv",
                               "event_id,agent_id,metric,value,occurred_at\n"
                               "e1,a-1,calls,1,2026-10-01T09:00:00Z\n"
                               "rep,a-1,calls,2,2026-10-01T09:00:00Z\n"
                               "dup,a-1,calls,1,2026-10-01T09:00:00Z\n");
  Invocation run = Plaudit({"--server", address_, "--as", "ops", "metrics", "import", "--replace",
                            "--reason", "calls re-counted", path});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(run.out, "imported 1, replaced 1, duplicates 1, rejected 0\n");
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(metrics_.replace_reason_actor(),
            std::make_tuple(true, std::string("calls re-counted"), std::string("ops")));
}

TEST_F(PlauditCliTest, MetricsImportReplaceRefusedSaysOnlyWhy) {
  std::string csv = "event_id,agent_id,metric,value,occurred_at\n";
  for (int i = 0; i < 4500; ++i)
    csv += "e" + std::to_string(i) + ",a-1,calls,1,2026-10-01T09:00:00Z\n";
  std::string path = WriteFile("events.csv", csv);
  Invocation run = Plaudit({"--server", address_, "--as", "anna", "metrics", "import", "--replace",
                            "--reason", "calls re-counted", path});
  EXPECT_EQ(run.exit_code, kExitFailure);
  EXPECT_EQ(run.out, "");
  // Nothing was stored: no word of a lost stream or of resuming.
  EXPECT_EQ(run.err, "plaudit: anna is not an admin: only admins make corrections\n");
}

TEST_F(PlauditCliTest, MetricsImportReasonNeedsReplace) {
  std::string path = WriteFile("events.csv", "event_id,agent_id,metric,value,occurred_at\n");
  Invocation run =
      Plaudit({"--server", address_, "metrics", "import", "--reason", "why not", path});
  EXPECT_NE(run.exit_code, kExitSuccess);
  EXPECT_NE(run.err.find("--replace"), std::string::npos) << run.err;
  EXPECT_EQ(metrics_.header_fields(), -1);  // No call was made.
}

TEST_F(PlauditCliTest, MetricsImportShowsProgressOnATerminalAndClearsIt) {
  std::string csv = "event_id,agent_id,metric,value,occurred_at\n";
  for (int i = 0; i < 4500; ++i) {
    csv += "e" + std::to_string(i) + ",a-1,calls,1,2026-10-01T09:00:00Z\n";
  }
  std::string path = WriteFile("events.csv", csv);
  Invocation run = Plaudit({"--server", address_, "metrics", "import", path}, nullptr,
                           /*err_is_terminal=*/true);
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(run.out, "imported 4500, duplicates 0, rejected 0\n");
  // Redraws are throttled by the clock, so how many appear depends on speed; the first one and
  // the final erase do not.
  EXPECT_TRUE(run.err.starts_with("\rsent 2000 rows (")) << run.err;
  EXPECT_TRUE(run.err.ends_with(" \r")) << run.err;
  EXPECT_EQ(run.err.find('\n'), std::string::npos) << run.err;
}

TEST_F(PlauditCliTest, MetricsImportListsTheFirstHundredErrors) {
  std::string csv = "event_id,agent_id,metric,value,occurred_at\n";
  for (int i = 0; i < 150; ++i) csv += "e" + std::to_string(i) + ",a-1,calls,x,t\n";
  csv += "late,a-1,calls,\"unterminated\n";
  std::string path = WriteFile("events.csv", csv);
  Invocation run = Plaudit({"--server", address_, "metrics", "import", path});
  EXPECT_EQ(run.exit_code, kExitFailure);
  EXPECT_EQ(run.out, "imported 0, duplicates 0, rejected 151\n");
  EXPECT_TRUE(run.err.starts_with("line 2: value: not a number\nline 3: ")) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 101);
  EXPECT_TRUE(run.err.ends_with("line 101: value: not a number\n... and 51 more\n")) << run.err;
}

TEST_F(PlauditCliTest, ProgramsApplyPrintsIdAndVersion) {
  std::string path = WriteFile("program.yaml", "id: eotm\n");
  Invocation run = Plaudit({"--server", address_, "programs", "apply", "-f", path});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(run.out, "applied eotm version 2\n");
}

TEST_F(PlauditCliTest, InvalidProgramShowsFieldViolationsOnOneLine) {
  std::string path = WriteFile("program.yaml", "id: eotm\nweight: -1\n");
  Invocation run = Plaudit({"--server", address_, "programs", "apply", "-f", path});
  EXPECT_EQ(run.exit_code, kExitFailure);
  EXPECT_EQ(run.err,
            "plaudit: program eotm is invalid (scorecard.metrics[0].weight: must be positive)\n");
}

TEST_F(PlauditCliTest, EvaluatingAnUnknownProgramIsNotFound) {
  Invocation run =
      Plaudit({"--server", address_, "awards", "evaluate", "nope", "--period", "2026-10"});
  EXPECT_EQ(run.exit_code, kExitFailure);
  EXPECT_EQ(run.err, "plaudit: program \"nope\" not found\n");
}

TEST_F(PlauditCliTest, EvaluateJsonUsesProtoFieldNamesAndPrintsDefaults) {
  Invocation run = Plaudit({"--server", address_, "awards", "evaluate", "eotm", "--period",
                            "2026-10", "--dry-run", "-o", "json"});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_NE(run.out.find("\"agent_id\": \"a-9\""), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"eligible\": false"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"rank\": 0"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"newly_committed\": false"), std::string::npos) << run.out;
}

TEST_F(PlauditCliTest, EvaluateJsonHasNumbersLowerCaseEnumsAndUtcTimes) {
  Invocation run = Plaudit(
      {"--server", address_, "awards", "evaluate", "eotm", "--period", "2026-10", "-o", "json"});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_NE(run.out.find("\"samples\": 40,"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"state\": \"proposed\""), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"decided_at\": \"2026-10-31T23:00:00Z\""), std::string::npos) << run.out;
}

TEST_F(PlauditCliTest, TimeZoneShowsTimesWithTheZonesOffset) {
  Invocation run = Plaudit({"--server", address_, "--time-zone", "Europe/Stockholm", "awards",
                            "evaluate", "eotm", "--period", "2026-10", "-o", "json"});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_NE(run.out.find("\"decided_at\": \"2026-11-01T00:00:00+01:00\""), std::string::npos)
      << run.out;
}

TEST_F(PlauditCliTest, TopShowsAPageOfStandingsAndHowToAskForTheNext) {
  Invocation run = Plaudit(
      {"--server", address_, "awards", "evaluate", "eotm", "--period", "2026-10", "--top", "2"});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(awards_.last_request().page_size(), 2);
  EXPECT_NE(run.out.find("\n   1  a-1 "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\n   2  a-2 "), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("a-3"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("standings 1\u20132 of 4; next page: --page-token 2\n"), std::string::npos)
      << run.out;

  // The next page: a-3, and the ineligible a-9 left out unless asked for.
  run = Plaudit({"--server", address_, "awards", "evaluate", "eotm", "--period", "2026-10", "--top",
                 "2", "--page-token", "2"});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(awards_.last_request().page_token(), "2");
  EXPECT_NE(run.out.find("\n   3  a-3 "), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("a-9"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("standings 3\u20134 of 4\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("(1 ineligible standing on this page not shown; --ineligible lists "
                         "them)\n"),
            std::string::npos)
      << run.out;

  Invocation json = Plaudit({"--server", address_, "leaderboard", "eotm", "--top", "2",
                             "--page-token", "2", "--ineligible", "-o", "json"});
  EXPECT_EQ(json.exit_code, kExitSuccess) << json.err;
  EXPECT_NE(json.out.find("\"agent_id\": \"a-9\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"agent_id\": \"a-3\""), std::string::npos) << json.out;
  EXPECT_EQ(json.out.find("\"agent_id\": \"a-2\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"total_standings\": 4"), std::string::npos) << json.out;
}

TEST_F(PlauditCliTest, AroundAndAgentAskForThePageAroundAnAgentOrItsStandingAlone) {
  Invocation run =
      Plaudit({"--server", address_, "leaderboard", "eotm", "--top", "3", "--around", "a-2"});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(awards_.last_request().around_agent_id(), "a-2");
  EXPECT_EQ(awards_.last_request().page_size(), 3);

  run = Plaudit({"--server", address_, "awards", "evaluate", "eotm", "--period", "2026-10",
                 "--agent", "a-3"});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(awards_.last_request().agent_id(), "a-3");
  EXPECT_NE(run.out.find("\n   3  a-3 "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("standing 3 of 4\n"), std::string::npos) << run.out;

  // One agent's standing is not a page.
  run = Plaudit({"--server", address_, "leaderboard", "eotm", "--agent", "a-3", "--top", "2"});
  EXPECT_NE(run.exit_code, kExitSuccess);
}

TEST_F(PlauditCliTest, AnApprovalLeftOverBudgetExitsThreeAndSaysWhy) {
  Invocation run =
      Plaudit({"--server", address_, "--as", "team-lead", "awards", "approve", "over"});
  EXPECT_EQ(run.exit_code, kExitOverBudget);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "plaudit: award over is over budget: fixed budget has 20 EUR left, the award is 50 "
            "EUR\n");

  Invocation json = Plaudit(
      {"--server", address_, "--as", "team-lead", "awards", "approve", "over", "-o", "json"});
  EXPECT_EQ(json.exit_code, kExitOverBudget);
  EXPECT_NE(json.out.find("\"state\": \"over_budget\""), std::string::npos) << json.out;

  Invocation approved =
      Plaudit({"--server", address_, "--as", "team-lead", "awards", "approve", "fits"});
  EXPECT_EQ(approved.exit_code, kExitSuccess) << approved.err;
  EXPECT_EQ(approved.out, "award fits is approved\n");
}

TEST_F(PlauditCliTest, EvaluateTableMarksADryRun) {
  Invocation run = Plaudit(
      {"--server", address_, "awards", "evaluate", "eotm", "--period", "2026-10", "--dry-run"});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_TRUE(run.out.ends_with("(dry run: nothing was written)\n")) << run.out;
}

TEST_F(PlauditCliTest, RewardsCatalogQueriesTheGiftCardPlugin) {
  Invocation run = Plaudit({"--server", address_, "rewards", "catalog", "-o", "csv"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "brand,name\nbookshop,Paper Lantern Books\n");
  EXPECT_EQ(plugins_.last_query().plugin(), "gift_card");
  EXPECT_EQ(plugins_.last_query().method(), "catalog");
  EXPECT_TRUE(plugins_.last_query().args().empty());
}

TEST_F(PlauditCliTest, RewardsCodeAsksForTheKeyAsTheActor) {
  Invocation run = Plaudit({"--server", address_, "--as", "a17", "rewards", "code", "k-42"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(plugins_.last_query().method(), "code");
  EXPECT_EQ(plugins_.last_query().args().at("idempotency_key"), "k-42");
  EXPECT_EQ(plugins_.last_actor(), "a17");
  EXPECT_EQ(Plaudit({"--server", address_, "rewards", "code"}).exit_code, 2);
}

TEST_F(PlauditCliTest, PluginQueryJsonIsAnArrayOfRowObjects) {
  Invocation run = Plaudit({"--server", address_, "rewards", "catalog", "-o", "json"});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(run.out, "[\n  {\"brand\": \"bookshop\", \"name\": \"Paper Lantern Books\"}\n]\n");
}

TEST_F(PlauditCliTest, ASingleResourceQueryPrintsOneObject) {
  Invocation run =
      Plaudit({"--server", address_, "--as", "a17", "rewards", "code", "k-42", "-o", "json"});
  EXPECT_EQ(run.exit_code, kExitSuccess) << run.err;
  EXPECT_EQ(run.out, "{\"brand\": \"bookshop\", \"name\": \"Paper Lantern Books\"}\n");
}

}  // namespace
}  // namespace plaudit::cli

#include "core/plugin_host/plugin_probe.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/domain/log.h"
#include "core/plugin_host/plugin_library.h"
#include "plaudit/plugin_buffer.h"

extern char** environ;

namespace plaudit {

namespace pb = ::plaudit::plugin::v1;

namespace {

// Set in the child's environment only; its value is the fd of the socket to the parent.
constexpr char kProbeVariable[] = "PLAUDIT_INTERNAL_PLUGIN_PROBE_FD";
constexpr int kChildFd = 3;

// What the child writes: one byte per stage begun, then kPassed, or kFailed and the reason.
constexpr char kLoadBegun = 'L';
constexpr char kCreateBegun = 'C';
constexpr char kInitBegun = 'I';
constexpr char kPassed = 'P';
constexpr char kFailed = 'F';

// --- The child ---------------------------------------------------------------------------------

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool ReadAll(int fd, char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = read(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// A field of the request: its length as 4 bytes (little-endian), then its bytes.
void AppendField(const std::string& value, std::string* out) {
  const uint32_t size = static_cast<uint32_t>(value.size());
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((size >> (8 * i)) & 0xff));
  out->append(value);
}

bool ReadField(int fd, std::string* value) {
  unsigned char size_bytes[4];
  if (!ReadAll(fd, reinterpret_cast<char*>(size_bytes), sizeof(size_bytes))) return false;
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i) size |= static_cast<uint32_t>(size_bytes[i]) << (8 * i);
  value->resize(size);
  return size == 0 || ReadAll(fd, value->data(), size);
}

// The host services of the child: harmless stand-ins, see the header.
class ProbeHost {
 public:
  ProbeHost(absl::Time now, std::string log_component)
      : now_(now), log_component_(std::move(log_component)) {}

  const PlauditHostV1* table() const { return &table_; }

 private:
  static int Call(void* context, const char* method, const uint8_t* data, size_t size,
                  PlauditBuffer* out) {
    std::string reply;
    const bool ok = static_cast<ProbeHost*>(context)->Handle(
        method == nullptr ? "" : method, std::string(reinterpret_cast<const char*>(data), size),
        &reply);
    sdk::FillBuffer(reply, out);
    return ok ? 0 : 1;
  }

  bool Handle(const std::string& method, const std::string& bytes, std::string* reply) {
    if (method == "state.get") {
      pb::StateGetRequest request;
      if (!request.ParseFromString(bytes)) return Refuse("malformed state.get request", reply);
      pb::StateGetResponse response;
      auto it = state_.find(request.key());
      response.set_found(it != state_.end());
      if (it != state_.end()) response.set_value(it->second);
      *reply = response.SerializeAsString();
      return true;
    }
    if (method == "state.commit") {
      pb::StateCommitRequest request;
      if (!request.ParseFromString(bytes)) return Refuse("malformed state.commit request", reply);
      pb::StateCommitResponse response;
      response.set_committed(CommitHolds(request));
      if (response.committed()) {
        for (const auto& put : request.puts()) state_[put.key()] = put.value();
      } else {
        response.set_error("a condition of the commit did not hold");
      }
      *reply = response.SerializeAsString();
      return true;
    }
    if (method == "clock.now") {
      pb::ClockResponse response;
      response.set_unix_micros(absl::ToUnixMicros(now_));
      *reply = response.SerializeAsString();
      return true;
    }
    if (method == "log") {
      pb::LogRequest request;
      if (!request.ParseFromString(bytes)) return Refuse("malformed log request", reply);
      if (request.level() == pb::LogRequest::WARNING || request.level() == pb::LogRequest::ERROR) {
        Log(request.level() == pb::LogRequest::ERROR ? LogLevel::kError : LogLevel::kWarning,
            log_component_, request.message());
      }
      *reply = pb::LogResponse().SerializeAsString();
      return true;
    }
    if (method == "ingest.csv") {
      return Refuse("ingest.csv is not available while plauditd tries the plugin", reply);
    }
    return Refuse("unknown host method " + method, reply);
  }

  bool CommitHolds(const pb::StateCommitRequest& request) const {
    for (const std::string& key : request.absent()) {
      if (state_.count(key) != 0) return false;
    }
    for (const auto& expected : request.expected()) {
      auto it = state_.find(expected.key());
      if (it == state_.end() || it->second != expected.value()) return false;
    }
    return true;
  }

  static bool Refuse(const std::string& reason, std::string* reply) {
    *reply = reason;
    return false;
  }

  const absl::Time now_;
  const std::string log_component_;
  std::map<std::string, std::string> state_;
  const PlauditHostV1 table_{this, &ProbeHost::Call, &sdk::ReleaseBuffer};
};

[[noreturn]] void RunProbeChild(int fd) {
  // A plugin that crashes while being tried is expected here: no core dump for it.
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  // Let a crash end the process as the signal it is, even where a sanitizer runtime installed
  // handlers of its own, so the parent can name it.
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) {
    std::signal(sig, SIG_DFL);
  }
  std::string path, now_text, init_bytes;
  int64_t now_micros = 0;
  pb::InitRequest init;
  if (!ReadField(fd, &path) || !ReadField(fd, &now_text) || !ReadField(fd, &init_bytes) ||
      !absl::SimpleAtoi(now_text, &now_micros) || !init.ParseFromString(init_bytes)) {
    const char failed[] = {kFailed};
    WriteAll(fd, failed, 1);
    const std::string reason = "the plugin probe received a malformed request";
    WriteAll(fd, reason.data(), reason.size());
    _exit(0);
  }

  ProbeHost host(absl::FromUnixMicros(now_micros),
                 absl::StrCat("probe/", std::filesystem::path(path).filename().string()));
  auto observe = [fd](PluginStage stage) {
    const char marker = stage == PluginStage::kLoad     ? kLoadBegun
                        : stage == PluginStage::kCreate ? kCreateBegun
                                                        : kInitBegun;
    WriteAll(fd, &marker, 1);
  };
  OpenedPlugin plugin;
  absl::Status status = OpenPlugin(path, host.table(), observe, &plugin);
  if (status.ok()) status = InitPlugin(plugin, init, observe).status();
  // The instance is not destroyed: the process ends here, and a destroy() that misbehaves is no
  // part of what is being tried.
  if (status.ok()) {
    const char passed[] = {kPassed};
    WriteAll(fd, passed, 1);
  } else {
    const std::string verdict = absl::StrCat(std::string(1, kFailed), status.message());
    WriteAll(fd, verdict.data(), verdict.size());
  }
  _exit(0);
}

// Runs before main() in every program that links this file; a no-op unless this process was
// started by ProbePlugin().
__attribute__((constructor)) void RunProbeIfAsked() {
  const char* fd_text = std::getenv(kProbeVariable);
  if (fd_text == nullptr) return;
  int fd = -1;
  if (!absl::SimpleAtoi(fd_text, &fd) || fd < 0) return;
  // Whatever the plugin starts must not take itself for a probe.
  unsetenv(kProbeVariable);
  RunProbeChild(fd);
}

// --- The parent --------------------------------------------------------------------------------

using SteadyClock = std::chrono::steady_clock;

int MillisUntil(SteadyClock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), INT32_MAX));
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev == nullptr ? absl::StrCat("signal ", sig) : absl::StrCat("SIG", abbrev);
}

// The verdict the child wrote, and the last stage it began (0 before the first).
struct ChildReport {
  char stage = 0;
  std::optional<absl::Status> verdict;
};

ChildReport ReadReport(const std::string& stream) {
  ChildReport report;
  for (size_t i = 0; i < stream.size(); ++i) {
    const char c = stream[i];
    if (c == kLoadBegun || c == kCreateBegun || c == kInitBegun) {
      report.stage = c;
    } else if (c == kPassed) {
      report.verdict = absl::OkStatus();
      break;
    } else if (c == kFailed) {
      report.verdict = absl::FailedPreconditionError(stream.substr(i + 1));
      break;
    }
  }
  return report;
}

absl::Status Crashed(char stage, int sig) {
  const char* where = stage == kLoadBegun     ? "while loading"
                      : stage == kCreateBegun ? "in create"
                      : stage == kInitBegun   ? "in init"
                                              : "before loading the plugin";
  return absl::FailedPreconditionError(absl::StrCat("crashed ", where, ": ", SignalName(sig)));
}

absl::Status Exited(char stage, int code) {
  const char* where = stage == kLoadBegun     ? "while loading"
                      : stage == kCreateBegun ? "in create"
                      : stage == kInitBegun   ? "in init"
                                              : "before loading the plugin";
  return absl::FailedPreconditionError(absl::StrCat("exited with status ", code, " ", where));
}

absl::Status TimedOut(char stage, const PluginProbeRequest& request) {
  const char* what = stage == kLoadBegun     ? "loading did not finish"
                     : stage == kCreateBegun ? "create did not return"
                     : stage == kInitBegun   ? "init did not return"
                                             : "the plugin probe did not start";
  const absl::Duration limit = stage == 0 ? request.start_limit : request.time_limit;
  return absl::FailedPreconditionError(absl::StrCat(what, " within ", FormatTimeLimit(limit)));
}

// Closes the descriptors it holds when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

std::string FormatTimeLimit(absl::Duration limit) {
  if (limit >= absl::Seconds(1) && limit % absl::Seconds(1) == absl::ZeroDuration()) {
    return absl::StrCat(absl::ToInt64Seconds(limit), " s");
  }
  return absl::StrCat(absl::ToInt64Milliseconds(limit), " ms");
}

absl::Status ProbePlugin(const PluginProbeRequest& request) {
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot start the plugin probe: socketpair: ", std::strerror(errno)));
  }
  Fd parent{sockets[0]};
  // The child's end is moved clear of fd 3: dup2() onto itself would keep close-on-exec set.
  Fd child{fcntl(sockets[1], F_DUPFD_CLOEXEC, 10)};
  close(sockets[1]);
  if (child.fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot start the plugin probe: fcntl: ", std::strerror(errno)));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child.fd, kChildFd);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // plauditd blocks SIGTERM and SIGINT and ignores SIGPIPE; the child starts with the defaults.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  // The plugin sees plauditd's environment (it may read secrets named by *_env settings).
  std::vector<std::string> variables;
  for (char** v = environ; v != nullptr && *v != nullptr; ++v) {
    if (std::strncmp(*v, kProbeVariable, sizeof(kProbeVariable) - 1) != 0) variables.push_back(*v);
  }
  variables.push_back(absl::StrCat(kProbeVariable, "=", kChildFd));
  std::vector<char*> envp;
  for (std::string& v : variables) envp.push_back(v.data());
  envp.push_back(nullptr);
  std::string name = "plaudit-plugin-probe";
  char* argv[] = {name.data(), nullptr};

  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(child.fd);
  child.fd = -1;
  if (spawned != 0) {
    return absl::InternalError(
        absl::StrCat("cannot start the plugin probe: ", std::strerror(spawned)));
  }

  std::string message;
  AppendField(request.path, &message);
  AppendField(absl::StrCat(absl::ToUnixMicros(request.now)), &message);
  AppendField(request.init.SerializeAsString(), &message);
  // A child that dies before reading is reported by how it died; a failed send says nothing more.
  for (size_t sent = 0; sent < message.size();) {
    const ssize_t n = send(parent.fd, message.data() + sent, message.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  shutdown(parent.fd, SHUT_WR);

  // Until the child's first byte, the bound is on starting the child; from then, the plugin's.
  SteadyClock::time_point deadline =
      SteadyClock::now() + absl::ToChronoMilliseconds(request.start_limit);
  std::string stream;
  bool timed_out = false;
  while (true) {
    pollfd readable{parent.fd, POLLIN, 0};
    const int ready = poll(&readable, 1, MillisUntil(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      timed_out = true;
      break;
    }
    char buffer[4096];
    const ssize_t n = ready < 0 ? -1 : read(parent.fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (stream.empty()) {
      deadline = SteadyClock::now() + absl::ToChronoMilliseconds(request.time_limit);
    }
    stream.append(buffer, static_cast<size_t>(n));
  }

  // The stream ends when the child exits (or closes its end); wait for the exit within what is
  // left of the limit. Without pidfd_open (kernels before 5.3) the wait is unbounded there, which
  // only a plugin that closes fd 3 and then hangs would notice.
  if (!timed_out) {
    Fd exit_watch{static_cast<int>(syscall(SYS_pidfd_open, pid, 0))};
    if (exit_watch.fd >= 0) {
      while (true) {
        pollfd exited{exit_watch.fd, POLLIN, 0};
        const int ready = poll(&exited, 1, MillisUntil(deadline));
        if (ready < 0 && errno == EINTR) continue;
        timed_out = ready == 0;
        break;
      }
    }
  }
  if (timed_out) kill(pid, SIGKILL);
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }

  const ChildReport report = ReadReport(stream);
  if (report.verdict.has_value()) return *report.verdict;
  if (timed_out) return TimedOut(report.stage, request);
  if (WIFSIGNALED(wait_status)) return Crashed(report.stage, WTERMSIG(wait_status));
  return Exited(report.stage, WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1);
}

}  // namespace plaudit

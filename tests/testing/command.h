// Running a shell command from a test and reading what it printed, and finding a python3 that has
// the module a test needs (the Debian one at /usr/bin may differ from the first on PATH).
#ifndef PLAUDIT_TESTS_TESTING_COMMAND_H_
#define PLAUDIT_TESTS_TESTING_COMMAND_H_

#include <stdio.h>
#include <sys/wait.h>

#include <optional>
#include <string>

namespace plaudit::testing {

struct CommandResult {
  int exit_code = -1;  // -1 if it did not exit normally
  std::string output;  // stdout only
};

inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) result.output.append(buffer, n);
  const int status = pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

// A python3 that can `import module`, or nullopt.
inline std::optional<std::string> FindPython3With(const std::string& module) {
  for (const char* python : {"python3", "/usr/bin/python3"}) {
    const std::string probe = std::string(python) + " -c 'import " + module + "' >/dev/null 2>&1";
    if (RunCommand(probe).exit_code == 0) return python;
  }
  return std::nullopt;
}

}  // namespace plaudit::testing

#endif  // PLAUDIT_TESTS_TESTING_COMMAND_H_

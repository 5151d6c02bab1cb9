// One run of the `plaudit` admin CLI, with its inputs and outputs passed in so tests can drive
// it like main() does.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_CLI_APP_H_
#define PLAUDIT_CLIENTS_PLAUDIT_CLI_APP_H_

#include <ostream>

namespace plaudit::cli {

// Exit codes of `plaudit`.
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
// `awards approve` went through, but a fixed budget cannot take the award: it is over_budget
// and nothing is fulfilled until the budget has room.
inline constexpr int kExitOverBudget = 3;

// Parses `argv`, resolves the server address (--server, else `env_server` — the value of
// $PLAUDIT_SERVER or null — else the default), runs the command and returns the exit code.
// A failure is printed on `err` as one line, "plaudit: <message>"; usage errors exit with
// kExitUsage before anything is sent to the server. `err_is_terminal` enables the progress line
// of long imports.
int RunPlaudit(int argc, const char* const* argv, const char* env_server, std::ostream& out,
               std::ostream& err, bool err_is_terminal);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_CLI_APP_H_

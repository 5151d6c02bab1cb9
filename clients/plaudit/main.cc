// plaudit: the admin CLI of the Plaudit server. See cli_app.h.
#include <grpc/support/log.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "clients/plaudit/cli_app.h"
#include "clients/plaudit/server_address.h"

int main(int argc, char** argv) {
  // gRPC logs a failed TLS handshake on stderr on its own; plaudit reports every failure in its
  // one "plaudit: ..." line instead.
  gpr_set_log_function([](gpr_log_func_args*) {});
  return plaudit::cli::RunPlaudit(argc, argv, std::getenv(plaudit::cli::kServerAddressEnvVar),
                                  std::cout, std::cerr, isatty(STDERR_FILENO) == 1);
}

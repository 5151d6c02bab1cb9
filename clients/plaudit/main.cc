// plaudit: the admin CLI of the Plaudit server. See cli_app.h.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "clients/plaudit/cli_app.h"
#include "clients/plaudit/server_address.h"

int main(int argc, char** argv) {
  return plaudit::cli::RunPlaudit(argc, argv, std::getenv(plaudit::cli::kServerAddressEnvVar),
                                  std::cout, std::cerr, isatty(STDERR_FILENO) == 1);
}

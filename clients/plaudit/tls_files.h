// The files `plaudit` speaks TLS with: --ca-file, --cert and --key (or $PLAUDIT_CA_FILE,
// $PLAUDIT_CERT, $PLAUDIT_KEY).
#ifndef PLAUDIT_CLIENTS_PLAUDIT_TLS_FILES_H_
#define PLAUDIT_CLIENTS_PLAUDIT_TLS_FILES_H_

#include <string>

#include "clients/plaudit/cli_context.h"

namespace plaudit::cli {

// Reads the named files (an empty name is skipped) into `files` and checks that the key belongs
// to the certificate: gRPC would only fail the channel with "empty address list". Returns "" or
// the problem, naming the option and the file.
std::string LoadTlsFiles(const std::string& ca_file, const std::string& cert_file,
                         const std::string& key_file, TlsFiles* files);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_TLS_FILES_H_

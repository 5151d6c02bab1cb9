// Opening the files a command reads, with the failure in the words `plaudit` prints:
// "cannot read agents.csv: No such file or directory".
#ifndef PLAUDIT_CLIENTS_PLAUDIT_INPUT_FILE_H_
#define PLAUDIT_CLIENTS_PLAUDIT_INPUT_FILE_H_

#include <fstream>
#include <string>

namespace plaudit::cli {

// Opens `path`; false with *error set when it is missing, a directory or not readable.
bool OpenInputFile(const std::string& path, std::ifstream* in, std::string* error);

// Reads all of `path` into *contents; false with *error set on failure.
bool ReadInputFile(const std::string& path, std::string* contents, std::string* error);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_INPUT_FILE_H_

#include "clients/plaudit/input_file.h"

#include <cerrno>
#include <filesystem>
#include <sstream>

#include "plaudit/errno_message.h"

namespace plaudit::cli {

bool OpenInputFile(const std::string& path, std::ifstream* in, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = "cannot read " + path + ": is a directory";
    return false;
  }
  errno = 0;
  in->open(path, std::ios::binary);
  if (!in->is_open()) {
    *error = "cannot read " + path + ": " + (errno != 0 ? ErrnoMessage(errno) : "open failed");
    return false;
  }
  return true;
}

bool ReadInputFile(const std::string& path, std::string* contents, std::string* error) {
  std::ifstream in;
  if (!OpenInputFile(path, &in, error)) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    *error = "cannot read " + path + ": I/O error";
    return false;
  }
  *contents = std::move(buffer).str();
  return true;
}

}  // namespace plaudit::cli

#include "core/api/request_limits.h"

#include "absl/strings/str_cat.h"

namespace plaudit::api {

absl::Status CheckProgramYamlSize(std::string_view yaml) {
  if (yaml.size() <= kMaxProgramYamlBytes) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("yaml: the program is ", yaml.size(), " bytes; the limit is ",
                   kMaxProgramYamlBytes >> 20, " MiB (", kMaxProgramYamlBytes, " bytes)"));
}

}  // namespace plaudit::api

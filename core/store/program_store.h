// Programs and every version of their YAML.
// An interface of the store (core/store/store.h), implemented by each backend.
#ifndef PLAUDIT_CORE_STORE_PROGRAM_STORE_H_
#define PLAUDIT_CORE_STORE_PROGRAM_STORE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/store_records.h"

namespace plaudit {

class ProgramStore {
 public:
  virtual ~ProgramStore() = default;

  // Programs. PutProgram bumps the version when the YAML differs from the stored one and
  // records when (applied_us; 0 means now).
  virtual absl::StatusOr<ProgramRecord> PutProgram(const ProgramRecord& program,
                                                   int64_t applied_us = 0) = 0;
  virtual absl::StatusOr<std::vector<ProgramRecord>> ListPrograms() = 0;
  virtual absl::StatusOr<std::optional<ProgramRecord>> GetProgram(const std::string& id) = 0;
  // The version (number and YAML in `version`/`yaml`) in force at `at_us`: the last one applied
  // by then, or the first one when none was. Nullopt for an unknown program.
  virtual absl::StatusOr<std::optional<ProgramRecord>> ProgramVersionAt(const std::string& id,
                                                                        int64_t at_us) = 0;
  // Every version of the program, oldest first; empty for an unknown program.
  virtual absl::StatusOr<std::vector<ProgramVersionRecord>> ProgramVersions(
      const std::string& id) = 0;
  // Disables or enables a program, recorded as a correction by `actor` with `reason`. Returns
  // the program; NOT_FOUND for an unknown one. Asking for the state it is in changes nothing.
  virtual absl::StatusOr<ProgramRecord> SetProgramDisabled(const std::string& id, bool disabled,
                                                           const std::string& actor,
                                                           const std::string& reason,
                                                           int64_t at_us) = 0;
  // One version of a program (number and YAML in `version`/`yaml`); nullopt when it has none
  // such.
  virtual absl::StatusOr<std::optional<ProgramRecord>> GetProgramVersion(const std::string& id,
                                                                         int64_t version) = 0;
  // When the program's first version was applied; nullopt for an unknown program.
  virtual absl::StatusOr<std::optional<int64_t>> ProgramFirstAppliedUs(const std::string& id) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_PROGRAM_STORE_H_
